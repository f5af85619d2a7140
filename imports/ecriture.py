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
from demandes.models import Beneficiaire, CompteurDossier, Couloir, Demande, PieceAttendue, Solution, Utilisateur
from demandes.valeurs import StatutDemande

from .models import Import
from .moteur.anomalies import ResultatLigne
from .moteur.regles.commande import lire_date

# What an M line writes on the demande it modifies besides the fields its line carries (_contenu).
CHAMPS_D_UNE_MODIFICATION = ["version", "import_demandes", "statut"]


@dataclass
class LignePreparee:
    """A line valid before the lock, read once: what its rows will hold."""

    rang: int  # 0-based position in lignesImport
    action: str  # C, M or A
    dossier: str | None  # the dossier number (without version) it names: M, A, or the avance of a solde
    contenu: dict[str, Any] = field(default_factory=dict)  # M: the Demande fields it carries (_contenu)
    demande: dict[str, Any] = field(default_factory=dict)  # C: its Demande row but id, numero and avance
    beneficiaires: list[dict[str, Any]] = field(default_factory=list)  # Beneficiaire rows (COLONNES_BENEFICIAIRE)
    pieces: list[dict[str, Any]] = field(default_factory=list)  # PieceAttendue rows (COLONNES_PIECE)
    # On PostgreSQL: the id of its demande (C: taken beforehand; M: read beforehand) and its rows in
    # COPY's text format — the demande's after its id, numero and avance (C); its beneficiaries';
    # its pieces'.
    demande_id: int | None = None
    copie: tuple[str, str, str] | None = None


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


COLONNES_BENEFICIAIRE = [
    "demande",
    "nature",
    "identifiant",
    "nom",
    "email",
    "telephone",
    "type_demande",
    "couloir",
    "logiciel",
    "vivant",
]
COLONNES_PIECE = ["demande", "nom_fichier", "format_fichier", "type_fichier"]


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
                demande=None,
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
            demande=None,
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
        dict(
            demande=None, nom_fichier=p["nomFichier"], format_fichier=p["formatFichier"], type_fichier=p["typeFichier"]
        )
        for p in ligne["piecesJustificatives"]
    ]


def preparer_lignes(
    lignes: Sequence[dict],
    resultats: Sequence[ResultatLigne],
    *,
    import_demandes: Import,
    solution: Solution,
    maintenant: datetime.datetime,
) -> dict[int, LignePreparee]:
    """The rows of every line valid so far, by rank, laid out before the lock: under it only the
    dossier numbers (and, on SQLite, the ids) remain to be filled in. An A line writes nothing of
    its own. On PostgreSQL the ids of the demandes to create are taken now
    (en_masse.allouer_identifiants) and their rows written out in COPY's text format."""
    type_demande = import_demandes.type_demande
    # What every created demande has (date_depot: the import's moment).
    horodatage = connection.ops.adapt_datetimefield_value(maintenant)
    commun = dict(
        version=0,
        type_demande=type_demande,
        fournisseur=import_demandes.fournisseur_id,
        solution=solution.pk,
        import_demandes=import_demandes.pk,
        statut=StatutDemande.EN_ATTENTE_PIECES,
        statut_paiement="",
        motif_rejet="",
        date_depot=horodatage,
        date_modification=horodatage,
        gestionnaire=None,  # no manager has taken it yet (« M'attribuer »)
        date_attribution=None,
    )
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
            preparee.demande = {
                **commun,
                **preparee.contenu,
                "date_commande": connection.ops.adapt_datefield_value(preparee.contenu["date_commande"]),
                "scenario": json.dumps(preparee.contenu["scenario"], ensure_ascii=False),
            }
        preparees[rang] = preparee
    creations = [p for p in preparees.values() if p.action == "C"]
    identifiants = en_masse.allouer_identifiants(Demande, len(creations))  # None: given by the INSERT
    for preparee, identifiant in zip(creations, identifiants or [], strict=identifiants is not None):
        _mettre_en_copie(preparee, identifiant)
    if identifiants is not None:
        # The id of a dossier never changes: read now, checked again under the lock (ecrire).
        modifications = [p for p in preparees.values() if p.action == "M"]
        ids = _ids_des_dossiers({p.dossier for p in modifications})
        for preparee in modifications:
            if preparee.dossier in ids:
                _mettre_en_copie(preparee, ids[preparee.dossier])
    return preparees


def _ids_des_dossiers(numeros: set[str | None]) -> dict[str, int]:
    ids: dict[str, int] = {}
    for lot in en_masse.par_lots(sorted(n for n in numeros if n)):
        ids.update(Demande.objects.filter(numero__in=lot).values_list("numero", "pk"))
    return ids


def _mettre_en_copie(preparee: LignePreparee, demande_id: int) -> None:
    """The line's rows for its demande `demande_id`, in COPY's text format (PostgreSQL)."""
    preparee.demande_id = demande_id
    _rattacher(preparee, demande_id)
    preparee.copie = (
        en_masse.ligne_copy(preparee.demande.values()) if preparee.demande else "",
        "".join(en_masse.ligne_copy(b.values()) for b in preparee.beneficiaires),
        "".join(en_masse.ligne_copy(piece.values()) for piece in preparee.pieces),
    )


def _rattacher(preparee: LignePreparee, demande_id: int) -> None:
    """The line's beneficiaries and pieces, for its demande."""
    for ligne in (*preparee.beneficiaires, *preparee.pieces):
        ligne["demande"] = demande_id


def _vise(preparee: LignePreparee) -> str:
    """The dossier an M or A line names (E103 saw to it)."""
    if preparee.dossier is None:
        raise ValueError(f"demande n° {preparee.rang + 1} : aucun dossier visé")
    return preparee.dossier


def dossiers_vises(preparees: Iterable[LignePreparee]) -> set[str]:
    """The dossiers the lines name: the import locks them before checking them again."""
    return {preparee.dossier for preparee in preparees if preparee.dossier is not None}


# --- Writing ------------------------------------------------------------------------------


def _inserer_beneficiaires_et_pieces(preparees: Sequence[LignePreparee]) -> None:
    """The beneficiaries and pieces of these lines (each row with its demande: _rattacher)."""
    copies = [p.copie for p in preparees if p.copie is not None]
    if len(copies) == len(preparees):  # PostgreSQL: laid out before the lock
        en_masse.copier(Beneficiaire, COLONNES_BENEFICIAIRE, (copie[1] for copie in copies))
        en_masse.copier(PieceAttendue, COLONNES_PIECE, (copie[2] for copie in copies))
        return
    en_masse.inserer(Beneficiaire, [b for p in preparees for b in p.beneficiaires])
    en_masse.inserer(PieceAttendue, [piece for p in preparees for piece in p.pieces])


def _creer(lot: Sequence[LignePreparee], numeros: Sequence[str], avances: Sequence[int | None]) -> None:
    """The demandes of these C lines, numbered, then their beneficiaries and pieces."""
    copies = [p.copie for p in lot if p.copie is not None]
    if len(copies) == len(lot):  # PostgreSQL: every row laid out before the lock
        colonnes = ["id", "numero", "avance", *lot[0].demande]
        en_masse.copier(
            Demande,
            colonnes,
            (
                f"{p.demande_id}\t{numero}\t{en_masse.texte_copy(avance)}\t{copie[0]}"
                for p, copie, numero, avance in zip(lot, copies, numeros, avances, strict=True)
            ),
        )
        _inserer_beneficiaires_et_pieces(lot)
        return
    lignes_demandes = [
        dict(numero=numero, avance=avance, **p.demande) for p, numero, avance in zip(lot, numeros, avances, strict=True)
    ]
    ids = dict(en_masse.inserer(Demande, lignes_demandes, retour=("numero", "id")))
    for p, numero in zip(lot, numeros, strict=True):
        _rattacher(p, ids[numero])
    _inserer_beneficiaires_et_pieces(lot)


def numeros_attribues(
    lignes: Sequence[LignePreparee], nouveaux: Sequence[str], versions: Mapping[str, int]
) -> dict[int, tuple[str, str]]:
    """{rank: (action, dossier number)} of these retained lines: an A line cancels its dossier as it
    is, an M line gives its dossier its next version, the C lines take the new bases `nouveaux` in
    rank order (version 0). `versions`: {dossier number without version: its version now}. What
    ecrire returns under the lock, and what the import foresees before it for its output file."""
    creations = iter(nouveaux)
    faites: dict[int, tuple[str, str]] = {}
    for p in lignes:
        if p.action == "A":
            faites[p.rang] = ("annulée", numero_dossier.formater(_vise(p), versions[_vise(p)]))
        elif p.action == "M":
            faites[p.rang] = ("modifiée", numero_dossier.formater(_vise(p), versions[_vise(p)] + 1))
        else:
            faites[p.rang] = ("créée", numero_dossier.formater(next(creations), 0))
    return faites


def prevoir_numeros(
    preparees: Mapping[int, LignePreparee], retenus: Iterable[int], couloir: Couloir
) -> dict[int, tuple[str, str]] | None:
    """What ecrire would return if it ran now, read without lock (the couloir's counter, the
    versions of the dossiers the lines name): the import lays out its output file from it before
    the lock, and keeps it when ecrire returns the same. None when a dossier named is gone."""
    lignes = [preparees[rang] for rang in sorted(retenus)]
    dernier = CompteurDossier.objects.filter(couloir=couloir).values_list("dernier", flat=True).first() or 0
    nouveaux = numero_dossier.bases_suivantes(couloir.code, dernier, sum(p.action == "C" for p in lignes))
    versions: dict[str, int] = {}
    for lot in en_masse.par_lots(sorted(dossiers_vises(lignes))):
        versions.update(Demande.objects.filter(numero__in=lot).values_list("numero", "version"))
    try:
        return numeros_attribues(lignes, nouveaux, versions)
    except KeyError:
        return None


def ecrire(
    preparees: Mapping[int, LignePreparee],
    retenus: Iterable[int],
    *,
    import_demandes: Import,
    compteur: CompteurDossier,
    dossiers: Mapping[str, Demande],
    utilisateur: Utilisateur | None,
    maintenant: datetime.datetime,
) -> dict[int, tuple[str, str]]:
    """Writes the retained lines (ranks into `preparees`), under the couloir's lock (`compteur`)
    with the dossiers they name locked (`dossiers`, by number). A cancels, M replaces, C creates —
    in that order, what is released first (no rule lets a line take what another line of the
    same file releases, but the database's constraints need never wonder). Returns
    numeros_attribues: {rank: (action, dossier number)}."""
    lignes = [preparees[rang] for rang in sorted(retenus)]
    creations = [p for p in lignes if p.action == "C"]
    numeros = demandes_services.reserver_numeros(compteur, len(creations))
    faites = numeros_attribues(lignes, numeros, {numero: demande.version for numero, demande in dossiers.items()})

    annulees = [dossiers[_vise(p)] for p in lignes if p.action == "A"]
    demandes_services.annuler(annulees, utilisateur=utilisateur, maintenant=maintenant)

    modifications = [p for p in lignes if p.action == "M"]
    for lot in en_masse.par_lots(modifications):
        demandes = [dossiers[_vise(p)] for p in lot]
        ids = [demande.pk for demande in demandes]
        en_masse.supprimer(Beneficiaire.objects.filter(demande_id__in=ids))
        en_masse.supprimer(PieceAttendue.objects.filter(demande_id__in=ids))
        for p, demande in zip(lot, demandes, strict=True):
            if p.demande_id != demande.pk:  # not laid out before the lock (SQLite)
                _rattacher(p, demande.pk)
                p.copie = None
            for champ, valeur in p.contenu.items():
                setattr(demande, champ, valeur)
            demande.version += 1
            demande.import_demandes = import_demandes
            demande.statut = StatutDemande.EN_ATTENTE_PIECES  # its pieces are to be sent again
        _inserer_beneficiaires_et_pieces(lot)
        demandes_services.enregistrer_en_masse(
            demandes,
            [*lot[0].contenu, *CHAMPS_D_UNE_MODIFICATION],
            utilisateur=utilisateur,
            maintenant=maintenant,
            # E103 let only a live dossier be modified; it stays live, its beneficiaries written vivant.
            reste_vivante=True,
        )

    # Created as plain rows (en_masse), with no history row: the import records who created the
    # demandes and when (Import.utilisateur, Import.date_import); every later change of a demande
    # is historised.
    for lot, numeros_du_lot in zip(en_masse.par_lots(creations), en_masse.par_lots(numeros), strict=True):
        avances = [dossiers[p.dossier].pk if p.dossier else None for p in lot]  # a solde's decided avance
        _creer(lot, numeros_du_lot, avances)
    return faites
