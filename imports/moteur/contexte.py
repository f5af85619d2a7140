"""What the rules may read, loaded once in bulk before the lines are checked.

Everything the database knows that a rule needs (reference data, live demandes of the
supplier, beneficiaries already funded) is fetched here in a handful of queries, keyed by
the values that occur in the file, so that no rule ever queries per line.

Two parts, loaded apart: the reference data (`charger_referentiels`: operators, kinds of piece,
which imports never write) and what the imports of a couloir write (`charger_la_base`: live
demandes and beneficiaries). The real import loads the second part again under the couloir's
lock, for the rules declared `lit_la_base=True`.
"""

import datetime
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.utils import timezone

from demandes import en_masse, numero_dossier
from demandes.models import Beneficiaire, Demande, Fournisseur, OperateurMessagerie, Solution, TypePiece
from demandes.valeurs import STATUTS_VIVANTS

from .identifiants import identifiants_beneficiaires


@dataclass
class DemandeConnue:
    numero: str
    version: int
    type_demande: str
    fournisseur_id: int
    solution_id: int
    statut: str
    beneficiaires: frozenset = frozenset()  # loaded for the demandes the lines name (E103, E104)


@dataclass
class Contexte:
    fournisseur: Fournisseur
    solution: Solution
    type_demande: str  # TypeDemande value: AVANCE / SOLDE
    regime_attendu: str  # TTC / HT, from the form's taux de TVA
    aujourdhui: datetime.date
    operateurs: frozenset = frozenset()
    types_pieces: dict = field(default_factory=dict)  # typeFichier -> code in file names
    # Read by the rules declared lit_la_base=True only (see charger_la_base):
    numeros_editeur_vivants: dict = field(default_factory=dict)  # numéro éditeur -> numero of its live demande
    demandes_referencees: dict = field(default_factory=dict)  # numero (without version) -> DemandeConnue
    beneficiaires_vivants: dict = field(default_factory=dict)  # identifiant -> DemandeConnue


# What the rules read of a demande, in DemandeConnue's order.
_CHAMPS_DEMANDE = ("numero", "version", "type_demande", "fournisseur_id", "solution_id", "statut")


def _connue(valeurs: Sequence, beneficiaires: frozenset = frozenset()) -> DemandeConnue:
    """The DemandeConnue of the values of _CHAMPS_DEMANDE, in that order."""
    numero, version, type_demande, fournisseur_id, solution_id, statut = valeurs
    return DemandeConnue(numero, version, type_demande, fournisseur_id, solution_id, statut, beneficiaires)


def _demandes_connues(queryset) -> dict[str, DemandeConnue]:
    """{numero: DemandeConnue} of the queryset's demandes with their beneficiaries, in two
    queries, reading only the columns the rules need: no model instance is built (this runs
    under the couloir's lock in the real import)."""
    lignes = list(queryset.values_list("pk", *_CHAMPS_DEMANDE))
    beneficiaires = defaultdict(set)
    if lignes:
        for demande_id, identifiant in Beneficiaire.objects.filter(demande_id__in=[l[0] for l in lignes]).values_list(
            "demande_id", "identifiant"
        ):
            beneficiaires[demande_id].add(identifiant)
    return {ligne[1]: _connue(ligne[1:], frozenset(beneficiaires[ligne[0]])) for ligne in lignes}


def charger_contexte(
    *, fournisseur, solution, type_demande: str, regime_attendu: str, lignes: list, aujourdhui=None
) -> Contexte:
    """The whole context: the reference data and the live demandes the file's lines name."""
    contexte = charger_referentiels(
        fournisseur=fournisseur,
        solution=solution,
        type_demande=type_demande,
        regime_attendu=regime_attendu,
        aujourdhui=aujourdhui,
    )
    charger_la_base(contexte, lignes)
    return contexte


def charger_referentiels(*, fournisseur, solution, type_demande: str, regime_attendu: str, aujourdhui=None) -> Contexte:
    """The context without what imports write: enough for every rule not declared lit_la_base."""
    contexte = Contexte(
        fournisseur=fournisseur,
        solution=solution,
        type_demande=type_demande,
        regime_attendu=regime_attendu,
        aujourdhui=aujourdhui or timezone.localdate(),
    )
    contexte.operateurs = frozenset(OperateurMessagerie.objects.filter(actif=True).values_list("code", flat=True))
    contexte.types_pieces = dict(TypePiece.objects.values_list("code", "code_nomenclature"))
    return contexte


def charger_la_base(contexte: Contexte, lignes: list) -> None:
    """(Re)loads what the imports write and the rules declared lit_la_base read: the supplier's live
    numéros éditeur, the demandes the lines name (numeroASP) and the live demandes of the lines'
    beneficiaries. Under the couloir's lock it sees every import of the couloir committed before."""
    fournisseur, solution, type_demande = contexte.fournisseur, contexte.solution, contexte.type_demande
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
    contexte.demandes_referencees = {}
    for lot in en_masse.par_lots(sorted(numeros)):
        contexte.demandes_referencees.update(_demandes_connues(Demande.objects.filter(numero__in=lot)))

    # E306: the live beneficiaries of the same type for a solution of the same couloir and logiciel,
    # found through the index of the constraint un_beneficiaire_par_type_et_sorte_de_solution alone
    # (each beneficiary carries its demande's type, couloir, logiciel and liveness), their demande
    # joined for the matches only.
    contexte.beneficiaires_vivants = {}
    for lot in en_masse.par_lots(sorted(identifiants)):
        for identifiant, *demande in Beneficiaire.objects.filter(
            identifiant__in=lot,
            vivant=True,
            type_demande=type_demande,
            couloir_id=solution.couloir_id,
            logiciel_id=solution.logiciel_id,
        ).values_list("identifiant", *(f"demande__{champ}" for champ in _CHAMPS_DEMANDE)):
            contexte.beneficiaires_vivants[identifiant] = _connue(demande)
