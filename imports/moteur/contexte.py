"""What the rules may read, loaded once in bulk before the lines are checked.

Everything the database knows that a rule needs (reference data, live demandes of the
supplier, beneficiaries already funded) is fetched here in a handful of queries, keyed by
the values that occur in the file, so that no rule ever queries per line.
"""

import datetime
from dataclasses import dataclass, field

from django.utils import timezone

from demandes import numero_dossier
from demandes.models import Demande, Fournisseur, OperateurMessagerie, Solution, TypePiece
from demandes.valeurs import STATUTS_VIVANTS

from .identifiants import identifiants_beneficiaires

TAILLE_LOT = 900  # stays under SQLite's limit of bound parameters


@dataclass
class DemandeConnue:
    numero: str
    version: int
    type_demande: str
    fournisseur_id: int
    solution_id: int
    statut: str
    beneficiaires: frozenset


@dataclass
class Contexte:
    fournisseur: Fournisseur
    solution: Solution
    type_demande: str  # TypeDemande value: AVANCE / SOLDE
    regime_attendu: str  # TTC / HT, from the form's taux de TVA
    aujourdhui: datetime.date
    operateurs: frozenset = frozenset()
    types_pieces: dict = field(default_factory=dict)  # typeFichier -> code in file names
    numeros_editeur_vivants: dict = field(default_factory=dict)  # numéro éditeur -> numero of its live demande
    demandes_referencees: dict = field(default_factory=dict)  # numero (without version) -> DemandeConnue
    beneficiaires_vivants: dict = field(default_factory=dict)  # identifiant -> DemandeConnue


def _par_lots(valeurs):
    valeurs = list(valeurs)
    for debut in range(0, len(valeurs), TAILLE_LOT):
        yield valeurs[debut : debut + TAILLE_LOT]


def _demandes_connues(queryset) -> dict:
    demandes = {}
    for demande in queryset.prefetch_related("beneficiaires"):
        demandes[demande.numero] = DemandeConnue(
            numero=demande.numero,
            version=demande.version,
            type_demande=demande.type_demande,
            fournisseur_id=demande.fournisseur_id,
            solution_id=demande.solution_id,
            statut=demande.statut,
            beneficiaires=frozenset(b.identifiant for b in demande.beneficiaires.all()),
        )
    return demandes


def charger_contexte(*, fournisseur, solution, type_demande, regime_attendu, lignes, aujourdhui=None) -> Contexte:
    contexte = Contexte(
        fournisseur=fournisseur,
        solution=solution,
        type_demande=type_demande,
        regime_attendu=regime_attendu,
        aujourdhui=aujourdhui or timezone.localdate(),
    )
    contexte.operateurs = frozenset(OperateurMessagerie.objects.filter(actif=True).values_list("code", flat=True))
    contexte.types_pieces = dict(TypePiece.objects.values_list("code", "code_nomenclature"))
    contexte.numeros_editeur_vivants = dict(
        Demande.objects.filter(
            fournisseur=fournisseur,
            solution=solution,
            type_demande=type_demande,
            statut__in=STATUTS_VIVANTS,
        ).values_list("numero_editeur", "numero")
    )

    numeros = set()
    identifiants = set()
    for ligne in lignes:
        base = numero_dossier.base_de(ligne["numeroASP"])
        if base:
            numeros.add(base)
        identifiants |= identifiants_beneficiaires(ligne)
    for lot in _par_lots(numeros):
        contexte.demandes_referencees.update(_demandes_connues(Demande.objects.filter(numero__in=lot)))

    # E306: live demandes of the same type for a solution of the same couloir and logiciel.
    for lot in _par_lots(identifiants):
        vivantes = Demande.objects.filter(
            beneficiaires__identifiant__in=lot,
            type_demande=type_demande,
            statut__in=STATUTS_VIVANTS,
            solution__couloir_id=solution.couloir_id,
            solution__logiciel_id=solution.logiciel_id,
        ).distinct()
        for demande in _demandes_connues(vivantes).values():
            for identifiant in demande.beneficiaires & identifiants:
                contexte.beneficiaires_vivants[identifiant] = demande
    return contexte
