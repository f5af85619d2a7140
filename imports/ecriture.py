"""What the retained lines of a real import become: Demande, Beneficiaire and PieceAttendue rows.

This module knows the structure of a file line; the domain's writes (dossier numbers, status
changes with their history and the beneficiaries they release) are demandes.services'. The import
calls it twice: `preparer_lignes` before it takes the couloir's lock (every field read, converted
and laid out as the rows to write), `ecrire` under the lock for the lines still retained there. The
number of statements of `ecrire` does not depend on the number of lines: a fixed number per batch
of lines (demandes.en_masse.TAILLE_LOT), for C, M and A alike.
"""

import datetime
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import connection

from demandes import en_masse, numero_dossier
from demandes import services as demandes_services
from demandes.models import Beneficiaire, CompteurDossier, Demande, PieceAttendue, Solution, Utilisateur
from demandes.valeurs import StatutDemande

from .models import Import
from .moteur.anomalies import ResultatLigne
from .moteur.regles.commande import lire_date

# The Demande fields a line carries: a C line creates them, an M line replaces them.
CHAMPS_DU_CONTENU = [
    "rang",
    "numero_editeur",
    "date_commande",
    "regime_tva",
    "montant_ht",
    "commande_pour",
    "is_client_unique",
    "is_mandataire",
    "nom_mandataire",
    "email_mandataire",
    "telephone_mandataire",
    "nom_responsable",
    "email_responsable",
    "telephone_responsable",
    "finess_juridique",
    "scenario",
]
# What an M line writes on the demande it modifies.
CHAMPS_D_UNE_MODIFICATION = [*CHAMPS_DU_CONTENU, "version", "import_demandes", "statut"]


@dataclass
class LignePreparee:
    """A line valid before the lock, read once: what its rows will hold."""

    rang: int  # 0-based position in lignesImport
    action: str  # C, M or A
    dossier: str | None  # the dossier number (without version) it names: M, A, or the avance of a solde
    demande_id: int | None = None  # C: the id its demande will have, when the database gives it beforehand
    contenu: dict[str, Any] = field(default_factory=dict)  # CHAMPS_DU_CONTENU, Python values (M)
    valeurs_sql: dict[str, Any] = field(default_factory=dict)  # the same as the database takes them (C)
    beneficiaires: list[dict[str, Any]] = field(default_factory=list)  # Beneficiaire rows but their demande
    pieces: list[dict[str, Any]] = field(default_factory=list)  # PieceAttendue rows but their demande


def _texte(valeur: object) -> str:
    return valeur if isinstance(valeur, str) else ""


def _contenu(ligne: dict, rang: int) -> dict[str, Any]:
    """The Demande fields a line carries (C creates them, M replaces them)."""
    commande, beneficiaires = ligne["commande"], ligne["beneficiaires"]
    structure = beneficiaires["structure"]
    return dict(
        rang=rang + 1,
        numero_editeur=ligne["numeroEditeur"],
        date_commande=lire_date(commande["dateCommande"]),
        regime_tva=commande["regimeTVA"],
        montant_ht=Decimal(commande["montantSegurHT"]),
        commande_pour=beneficiaires["commandePour"],
        is_client_unique=beneficiaires["isClientUnique"],
        is_mandataire=beneficiaires["isMandataire"],
        nom_mandataire=_texte(beneficiaires["nomMandataire"]),
        email_mandataire=_texte(beneficiaires["emailMandataire"]),
        telephone_mandataire=_texte(beneficiaires["telephoneMandataire"]),
        nom_responsable=_texte(structure["nomResponsable"]),
        email_responsable=_texte(structure["emailResponsable"]),
        telephone_responsable=_texte(structure["telephoneResponsable"]),
        finess_juridique=_texte(structure["FINESSJuridique"]),
        scenario=ligne["scenarioInstallation"],
    )


def _beneficiaires(ligne: dict, solution: Solution, type_demande: str) -> list[dict[str, Any]]:
    """The Beneficiaire rows of a line (FINESS géographiques of a structure, or RPPS of libéraux).
    Type, couloir and logiciel are copied for the database's constraint behind E306; `vivant`
    because a created or modified demande is « En attente des pièces », live (aligner_vivant keeps
    it so afterwards)."""
    commun = dict(type_demande=type_demande, couloir=solution.couloir_id, logiciel=solution.logiciel_id, vivant=True)
    b = ligne["beneficiaires"]
    if b["commandePour"] == "STRUCTURE":
        return [
            dict(
                nature=Beneficiaire.Nature.FINESS_GEO,
                identifiant=finess,
                nom=_texte(b["structure"]["nomResponsable"]),
                email="",
                telephone="",
                **commun,
            )
            for finess in b["structure"]["FINESSGeo"]
        ]
    return [
        dict(
            nature=Beneficiaire.Nature.RPPS,
            identifiant=m["RPPS"],
            nom=_texte(m["nomMedecin"]),
            email=_texte(m["emailMedecin"]),
            telephone=_texte(m["telephoneMedecin"]),
            **commun,
        )
        for m in b["liberal"]
    ]


def _pieces(ligne: dict) -> list[dict[str, Any]]:
    return [
        dict(nom_fichier=p["nomFichier"], format_fichier=p["formatFichier"], type_fichier=p["typeFichier"])
        for p in ligne["piecesJustificatives"]
    ]


def preparer_lignes(
    lignes: Sequence[dict], resultats: Sequence[ResultatLigne], *, solution: Solution, type_demande: str
) -> dict[int, LignePreparee]:
    """The rows of every line valid so far, by rank, read before the lock: under it only the
    numbers and ids remain to be filled in. An A line writes nothing of its own. On PostgreSQL the
    ids of the demandes to create are taken now (en_masse.allouer_identifiants): their
    beneficiaries and pieces are then complete rows already."""
    preparees = {}
    for rang, (ligne, resultat) in enumerate(zip(lignes, resultats, strict=True)):
        if not resultat.valide:
            continue
        preparee = LignePreparee(
            rang=rang, action=ligne["typeAction"], dossier=numero_dossier.base_de(ligne["numeroASP"]) or None
        )
        if preparee.action != "A":
            preparee.contenu = _contenu(ligne, rang)
            preparee.beneficiaires = _beneficiaires(ligne, solution, type_demande)
            preparee.pieces = _pieces(ligne)
        if preparee.action == "C":
            preparee.valeurs_sql = {
                **preparee.contenu,
                "date_commande": connection.ops.adapt_datefield_value(preparee.contenu["date_commande"]),
                "scenario": json.dumps(preparee.contenu["scenario"], ensure_ascii=False),
            }
        preparees[rang] = preparee
    creations = [p for p in preparees.values() if p.action == "C"]
    identifiants = en_masse.allouer_identifiants(Demande, len(creations))
    if identifiants is not None:
        for preparee, identifiant in zip(creations, identifiants, strict=True):
            preparee.demande_id = identifiant
            _rattacher(preparee, identifiant)
    return preparees


def _rattacher(preparee: LignePreparee, demande_id: int) -> None:
    """The line's beneficiaries and pieces, for its demande."""
    preparee.beneficiaires = [dict(demande=demande_id, **b) for b in preparee.beneficiaires]
    preparee.pieces = [dict(demande=demande_id, **piece) for piece in preparee.pieces]


def dossiers_vises(preparees: Iterable[LignePreparee]) -> set[str]:
    """The dossiers the lines name: the import locks them before checking them again."""
    return {preparee.dossier for preparee in preparees if preparee.dossier}


# --- Writing ------------------------------------------------------------------------------


def _inserer_beneficiaires_et_pieces(preparees: Sequence[LignePreparee]) -> None:
    """The beneficiaries and pieces of these lines (each row with its demande: _rattacher)."""
    en_masse.inserer(Beneficiaire, [b for p in preparees for b in p.beneficiaires])
    en_masse.inserer(PieceAttendue, [piece for p in preparees for piece in p.pieces])


def ecrire(
    preparees: Mapping[int, LignePreparee],
    retenus: Iterable[int],
    *,
    import_demandes: Import,
    solution: Solution,
    compteur: CompteurDossier,
    dossiers: Mapping[str, Demande],
    utilisateur: Utilisateur | None,
    maintenant: datetime.datetime,
) -> dict[int, tuple[str, str]]:
    """Writes the retained lines (ranks into `preparees`), under the couloir's lock (`compteur`)
    with the dossiers they name locked (`dossiers`, by number). A cancels, M replaces, C creates —
    in that order, what is released first (no rule lets a line take what another line of the
    same file releases, but the database's constraints need never wonder). Returns
    {rank: (action, dossier number)}."""
    lignes = [preparees[rang] for rang in sorted(retenus)]
    faites: dict[int, tuple[str, str]] = {}

    annulees = [dossiers[p.dossier] for p in lignes if p.action == "A"]
    demandes_services.annuler(annulees, utilisateur=utilisateur, maintenant=maintenant)
    faites.update(
        (p.rang, ("annulée", demande.numero_dossier))
        for p, demande in zip([p for p in lignes if p.action == "A"], annulees, strict=True)
    )

    modifications = [p for p in lignes if p.action == "M"]
    for lot in en_masse.par_lots(modifications):
        demandes = [dossiers[p.dossier] for p in lot]
        ids = [demande.pk for demande in demandes]
        en_masse.supprimer(Beneficiaire.objects.filter(demande_id__in=ids))
        en_masse.supprimer(PieceAttendue.objects.filter(demande_id__in=ids))
        for p, demande in zip(lot, demandes, strict=True):
            _rattacher(p, demande.pk)
            for champ, valeur in p.contenu.items():
                setattr(demande, champ, valeur)
            demande.version += 1
            demande.import_demandes = import_demandes
            demande.statut = StatutDemande.EN_ATTENTE_PIECES  # its pieces are to be sent again
            faites[p.rang] = ("modifiée", demande.numero_dossier)
        _inserer_beneficiaires_et_pieces(lot)
        demandes_services.enregistrer_en_masse(
            demandes, CHAMPS_D_UNE_MODIFICATION, utilisateur=utilisateur, maintenant=maintenant
        )

    creations = [p for p in lignes if p.action == "C"]
    numeros = demandes_services.reserver_numeros(compteur, len(creations))
    # Created as plain rows (en_masse.inserer), with no history row: the import records who
    # created the demandes and when (Import.utilisateur, Import.date_import); every later change
    # of a demande is historised.
    horodatage = connection.ops.adapt_datetimefield_value(maintenant)
    commun = dict(
        version=0,
        type_demande=import_demandes.type_demande,
        fournisseur=import_demandes.fournisseur_id,
        solution=solution.pk,
        import_demandes=import_demandes.pk,
        statut=StatutDemande.EN_ATTENTE_PIECES,
        statut_paiement="",
        motif_rejet="",
        date_depot=horodatage,
        date_modification=horodatage,
    )
    for lot, numeros_du_lot in zip(en_masse.par_lots(creations), en_masse.par_lots(numeros), strict=True):
        lignes_demandes = [
            dict(
                **({"id": p.demande_id} if p.demande_id is not None else {}),
                numero=numero,
                avance=dossiers[p.dossier].pk if p.dossier in dossiers else None,
                **commun,
                **p.valeurs_sql,
            )
            for p, numero in zip(lot, numeros_du_lot, strict=True)
        ]
        if all(p.demande_id is not None for p in lot):  # PostgreSQL: ids taken beforehand, rows complete
            en_masse.inserer(Demande, lignes_demandes)
        else:
            ids = dict(en_masse.inserer(Demande, lignes_demandes, retour=("numero", "id")))
            for p, valeurs in zip(lot, lignes_demandes, strict=True):
                _rattacher(p, ids[valeurs["numero"]])
        _inserer_beneficiaires_et_pieces(lot)
        faites.update(
            (p.rang, ("créée", numero_dossier.formater(numero, 0)))
            for p, numero in zip(lot, numeros_du_lot, strict=True)
        )
    return faites
