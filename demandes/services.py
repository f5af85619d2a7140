"""Domain writes on demandes: the dossier counter and its numbers, status changes (with the
beneficiaries they hold or release), the review by ASP managers and payments.

What a line of an imported file becomes (which fields, beneficiaries, pieces) is the imports
app's business (imports/ecriture.py); it calls these functions for what every writer of demandes
must do alike."""

import datetime
from collections.abc import Iterable, Sequence
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import F, QuerySet, Sum
from django.utils import timezone

from segur_portal.journal import evenement

from . import en_masse, notifications, numero_dossier
from .enrolement.coordonnees import coordonnees_validees
from .models import (
    Beneficiaire,
    CompteurDossier,
    CoordonneesBancaires,
    Couloir,
    Demande,
    DemandeDeComplements,
    Paiement,
    Utilisateur,
)
from .valeurs import STATUTS_VIVANTS, StatutDemande, StatutPaiement

Demandes = Sequence[Demande] | QuerySet[Demande]  # what the admin's actions pass: a selection


# --- Dossier numbers -------------------------------------------------------------------


def verrouiller_compteur(couloir: Couloir) -> CompteurDossier:
    """Locks the couloir's counter row until the end of the transaction (created on first use).
    Every real import of the couloir takes it before it writes: they run one after the other."""
    CompteurDossier.objects.get_or_create(couloir=couloir)
    return CompteurDossier.objects.select_for_update().get(couloir=couloir)


def reserver_numeros(compteur: CompteurDossier, nombre: int) -> list[str]:
    """`nombre` new dossier numbers FIN{COULOIR}{6 digits}, without version."""
    if nombre == 0:
        return []
    CompteurDossier.objects.filter(pk=compteur.pk).update(dernier=F("dernier") + nombre)
    compteur.refresh_from_db(fields=["dernier"])
    return numero_dossier.bases_suivantes(compteur.couloir.code, compteur.dernier - nombre, nombre)


def verrouiller_dossiers(numeros: Iterable[str]) -> dict[str, Demande]:
    """The demandes of these dossier numbers (without version), whole, locked until the end of
    the transaction (a manager's decision on one of them waits, and is then seen), in number
    order; numbers of no demande are left out. One query per batch of numbers."""
    dossiers: dict[str, Demande] = {}
    for lot in en_masse.par_lots(sorted(set(numeros))):
        dossiers.update(
            (demande.numero, demande)
            for demande in Demande.objects.select_for_update().filter(numero__in=lot).order_by("numero")
        )
    return dossiers


# --- Statuses ----------------------------------------------------------------------------


def aligner_vivant(demande_ids: Iterable[int]) -> None:
    """Beneficiaire.vivant = (its demande's status is live), for the beneficiaries of these
    demandes, in two UPDATEs per batch. E306 and the database constraint on beneficiaries read
    `vivant`: a rejected or cancelled demande releases its beneficiaries for a new demande.
    Every writer that changes a status calls it once the statuses are written."""
    ids = sorted(set(demande_ids))
    for lot in en_masse.par_lots(ids):
        # Released first: a beneficiary taken back by a live demande must find its place free.
        Beneficiaire.objects.filter(demande_id__in=lot, vivant=True).exclude(
            demande__statut__in=STATUTS_VIVANTS
        ).update(vivant=False)
        Beneficiaire.objects.filter(demande_id__in=lot, vivant=False, demande__statut__in=STATUTS_VIVANTS).update(
            vivant=True
        )


def enregistrer_en_masse(
    demandes: Sequence[Demande],
    champs: Sequence[str],
    *,
    utilisateur: Utilisateur | None,
    maintenant: datetime.datetime,
    reste_vivante: bool = False,
) -> None:
    """Writes `champs` of these demandes (already set on the instances) as save() would, but in a
    fixed number of statements per batch: one UPDATE, the history rows (one per demande, by
    `utilisateur` at `maintenant`: who changed what stays traced), then vivant in step with the
    statuses (aligner_vivant). `reste_vivante`: the caller vouches that each demande was live and
    still is, with its beneficiaries `vivant` (an M line of the real import rewrites them so): vivant
    needs no realigning."""
    for demande in demandes:
        demande.date_modification = maintenant  # auto_now: save() would set it, an UPDATE does not
    for lot in en_masse.par_lots(demandes):
        en_masse.mettre_a_jour(lot, [*champs, "date_modification"])
        _historiser(lot, utilisateur=utilisateur, maintenant=maintenant)
    if not reste_vivante:
        aligner_vivant(demande.pk for demande in demandes)


def _historiser(demandes: Sequence[Demande], *, utilisateur: Utilisateur | None, maintenant: datetime.datetime) -> None:
    """One history row (« ~ ») per demande as it now is, by `utilisateur` at `maintenant`: what
    save() records, written in one statement (simple_history's bulk_history_create builds a model
    instance per row, about half a second for 2 500 rows under the lock)."""
    if not getattr(settings, "SIMPLE_HISTORY_ENABLED", True):
        return
    historique = Demande.history.model
    champs = [champ for champ in historique._meta.concrete_fields if not champ.primary_key]
    propres = {
        "history_date": maintenant,
        "history_change_reason": None,
        "history_type": "~",
        "history_user": utilisateur.pk if utilisateur else None,
    }
    en_masse.inserer_valeurs(
        historique,
        champs,
        (
            [propres[champ.name] if champ.name in propres else getattr(demande, champ.attname) for champ in champs]
            for demande in demandes
        ),
    )


def annuler(demandes: Sequence[Demande], *, utilisateur: Utilisateur | None, maintenant: datetime.datetime) -> None:
    """« Annulée » (an A line of the fournisseur): the demandes release their beneficiaries and
    their numéro éditeur. The caller holds them locked (verrouiller_dossiers)."""
    for demande in demandes:
        demande.statut = StatutDemande.ANNULEE
    enregistrer_en_masse(demandes, ["statut"], utilisateur=utilisateur, maintenant=maintenant)


# --- Review by ASP managers ----------------------------------------------------------


class Transition:
    """A change of status a manager may apply: from which statuses, to which one."""

    def __init__(
        self, nom: str, depuis: Iterable[StatutDemande], vers: StatutDemande, verbe: str, compte_rendu: str
    ) -> None:
        self.nom, self.depuis, self.vers, self.verbe = nom, frozenset(depuis), vers, verbe
        self.compte_rendu = compte_rendu  # "{n} demande(s) …"


TRANSITIONS = {
    "instruction": Transition(
        "instruction",
        [StatutDemande.DEPOSEE],
        StatutDemande.EN_INSTRUCTION,
        "passée en instruction",
        "{n} demande(s) passée(s) en instruction.",
    ),
    "decision": Transition(
        "decision", [StatutDemande.EN_INSTRUCTION], StatutDemande.DECIDEE, "décidée", "{n} demande(s) décidée(s)."
    ),
    "rejet": Transition(
        "rejet",
        # Waiting for compléments included: a supplier who never sends them gets a decision.
        [StatutDemande.DEPOSEE, StatutDemande.EN_INSTRUCTION, StatutDemande.A_COMPLETER],
        StatutDemande.REJETEE,
        "rejetée",
        "{n} demande(s) rejetée(s).",
    ),
    # « Demander des compléments »: the manager's message goes to the supplier (DemandeDeComplements);
    # the dossier comes back « En instruction » when the supplier sends the pieces
    # (recevoir_complements).
    "complements": Transition(
        "complements",
        [StatutDemande.DEPOSEE, StatutDemande.EN_INSTRUCTION],
        StatutDemande.A_COMPLETER,
        "mise en attente de compléments",
        "{n} demande(s) mise(s) en attente de compléments.",
    ),
}
# What a manager must write for these transitions (shown to the supplier), and the message when empty.
MOTIF_OBLIGATOIRE = {
    "rejet": "Le motif du rejet est obligatoire.",
    "complements": "Le message au fournisseur est obligatoire : indiquez les pièces à déposer.",
}


def _libelles(statuts: Iterable[str]) -> str:
    """« Déposée » ou « En instruction », in the order of the instruction."""
    demandes = set(statuts)
    return " ou ".join(f"« {statut.label} »" for statut in StatutDemande if statut in demandes)


def _verrouiller(demandes: Demandes) -> list[Demande]:
    """The demandes again, locked until the end of the transaction: two managers acting at once
    on a demande act one after the other, the second one seeing the first one's result."""
    pks = [demande.pk for demande in demandes]
    return list(Demande.objects.select_for_update().filter(pk__in=pks).order_by("pk"))


def changer_statut(
    demandes: Demandes, *, transition: str, utilisateur: Utilisateur, motif: str = "", statut_vu: str | None = None
) -> tuple[list[Demande], list[tuple[Demande, str]]]:
    """Applies a transition to each demande that allows it. Returns (changed, [(demande, reason)]).
    `statut_vu`: the status the manager had before his eyes (the dossier page); a demande whose
    status is another one under the lock is refused, whatever the transition would allow."""
    with evenement(
        "decision_gestionnaire", utilisateur_id=utilisateur.pk, transition=transition, demandes=len(demandes)
    ) as details:
        faites, refusees = _changer_statut(
            demandes, transition=transition, utilisateur=utilisateur, motif=motif, statut_vu=statut_vu
        )
        details.update(faites=len(faites), refusees=len(refusees))
    return faites, refusees


@transaction.atomic
def _changer_statut(
    demandes: Demandes, *, transition: str, utilisateur: Utilisateur, motif: str, statut_vu: str | None
) -> tuple[list[Demande], list[tuple[Demande, str]]]:
    regle = TRANSITIONS[transition]
    if transition in MOTIF_OBLIGATOIRE and not motif.strip():
        raise ValueError(MOTIF_OBLIGATOIRE[transition])
    faites, refusees = [], []
    for demande in _verrouiller(demandes):
        if statut_vu is not None and demande.statut != statut_vu:
            refusees.append((demande, f"la demande est désormais « {demande.get_statut_display()} »"))
            continue
        if demande.statut not in regle.depuis:
            refusees.append(
                (
                    demande,
                    f"une demande « {demande.get_statut_display()} » ne peut pas être {regle.verbe} "
                    f"(elle doit être {_libelles(regle.depuis)})",
                )
            )
            continue
        demande.statut = regle.vers
        if transition == "rejet":
            demande.motif_rejet = motif.strip()
        if transition == "complements":
            # The history reads the message from here (its own change reason holds 100 characters).
            DemandeDeComplements.objects.create(demande=demande, message=motif.strip(), demandee_par=utilisateur)
        demande._history_user = utilisateur
        demande.save()  # one by one: a manager acts on a page of demandes, each change historised
        faites.append(demande)
    aligner_vivant(demande.pk for demande in faites)  # a rejection releases the beneficiaries
    notifications.notifier_decision(transition, faites, motif=motif, utilisateur=utilisateur)  # mailed on commit
    return faites, refusees


def enregistrer_paiement(
    demandes: Demandes,
    *,
    montant: Decimal,
    date_paiement: datetime.date,
    statut: str,
    utilisateur: Utilisateur,
) -> tuple[list[Demande], list[tuple[Demande, str]]]:
    """Records a payment on each decided demande; the demande shows its last payment's status."""
    with evenement(
        "paiement", utilisateur_id=utilisateur.pk, montant=str(montant), statut=statut, demandes=len(demandes)
    ) as details:
        faites, refusees = _enregistrer_paiement(
            demandes, montant=montant, date_paiement=date_paiement, statut=statut, utilisateur=utilisateur
        )
        details.update(faites=len(faites), refusees=len(refusees))
    return faites, refusees


REFUS_SANS_COORDONNEES = (
    "le fournisseur n'a pas de coordonnées bancaires validées : le paiement ne peut pas être enregistré"
)


@transaction.atomic
def _enregistrer_paiement(
    demandes: Demandes,
    *,
    montant: Decimal,
    date_paiement: datetime.date,
    statut: str,
    utilisateur: Utilisateur,
) -> tuple[list[Demande], list[tuple[Demande, str]]]:
    faites, refusees = [], []
    # The bank details each fournisseur's payments go to: its validated row as this transaction reads
    # it (read once per fournisseur). Not locked: a manager validating new details at this moment
    # commits both rows' statuses together, so this read sees either the old row or the new one.
    comptes: dict[int, CoordonneesBancaires | None] = {}
    for demande in _verrouiller(demandes):
        if demande.statut != StatutDemande.DECIDEE:
            refusees.append(
                (
                    demande,
                    f"seule une demande « Décidée » peut recevoir un paiement "
                    f"(statut actuel : « {demande.get_statut_display()} »)",
                )
            )
            continue
        if demande.fournisseur_id not in comptes:
            comptes[demande.fournisseur_id] = coordonnees_validees(demande.fournisseur_id)
        compte = comptes[demande.fournisseur_id]
        en_cours = demande.paiements.filter(statut=StatutPaiement.EN_COURS, montant=montant).first()
        if en_cours is not None and statut == StatutPaiement.EFFECTUE:
            # The payment announced « en cours » is now done: the same payment, not a new one.
            en_cours.statut, en_cours.date_paiement = statut, date_paiement
            en_cours._history_user = utilisateur
            en_cours.save()
        else:
            if compte is None:
                refusees.append((demande, REFUS_SANS_COORDONNEES))
                continue
            deja = demande.paiements.aggregate(total=Sum("montant"))["total"] or Decimal("0")
            if deja + montant > demande.montant_ht:
                refusees.append(
                    (
                        demande,
                        f"le total payé ({deja + montant} €) dépasserait le montant de la demande "
                        f"({demande.montant_ht} €)",
                    )
                )
                continue
            Paiement.objects.create(
                demande=demande,
                montant=montant,
                date_paiement=date_paiement,
                statut=statut,
                enregistre_par=utilisateur,
                coordonnees_bancaires=compte,
            )
        demande.statut_paiement = statut
        demande._history_user = utilisateur
        demande.save()
        faites.append(demande)
    notifications.notifier_paiement(
        faites, montant=montant, date_paiement=date_paiement, statut=statut, utilisateur=utilisateur
    )
    return faites, refusees


# --- Attribution of dossiers to managers ------------------------------------------------------


class Attribution:
    """What « M'attribuer » did: the dossiers taken (with the manager each was taken from, or
    None), those the manager already held, those refused (closed) with the reason."""

    def __init__(self) -> None:
        self.prises: list[tuple[Demande, Utilisateur | None]] = []
        self.deja: list[Demande] = []
        self.refusees: list[tuple[Demande, str]] = []


def attribuer(demandes: Demandes, *, utilisateur: Utilisateur) -> Attribution:
    """« M'attribuer »: `utilisateur` becomes the manager of each dossier that is not closed, the
    change historised in his name. A dossier another manager holds is taken from him (the manager
    is told whom from: a team shares the work, an absent colleague's dossiers must be taken over)."""
    with evenement("attribution", utilisateur_id=utilisateur.pk, demandes=len(demandes)) as details:
        resultat = _attribuer(demandes, utilisateur=utilisateur)
        details.update(prises=len(resultat.prises), deja=len(resultat.deja), refusees=len(resultat.refusees))
    return resultat


@transaction.atomic
def _attribuer(demandes: Demandes, *, utilisateur: Utilisateur) -> Attribution:
    resultat = Attribution()
    verrouillees = _verrouiller(demandes)
    precedents = Utilisateur.objects.in_bulk(
        {demande.gestionnaire_id for demande in verrouillees if demande.gestionnaire_id}
    )
    maintenant = timezone.now()
    for demande in verrouillees:
        if demande.statut not in STATUTS_VIVANTS:  # rejected or cancelled: closed, nobody takes it
            resultat.refusees.append(
                (demande, f"une demande « {demande.get_statut_display()} » est close, elle ne s'attribue plus")
            )
            continue
        if demande.gestionnaire_id == utilisateur.pk:
            resultat.deja.append(demande)
            continue
        precedent = precedents.get(demande.gestionnaire_id) if demande.gestionnaire_id else None
        demande.gestionnaire, demande.date_attribution = utilisateur, maintenant
        demande._history_user = utilisateur
        # Only these two fields: the dossier itself is not modified (date_modification unchanged).
        demande.save(update_fields=["gestionnaire", "date_attribution"])
        resultat.prises.append((demande, precedent))
    return resultat


# --- Compléments sent by the supplier ----------------------------------------------------------


class ComplementsImpossibles(Exception):
    """The supplier cannot send compléments for this demande now (the message says why)."""


def recevoir_complements(
    demande_id: int, *, fournisseur_id: int, utilisateur: Utilisateur, nombre_de_pieces: int
) -> DemandeDeComplements:
    """The supplier answers the open request for compléments of its demande: the request is closed
    (who, when) and the dossier goes back « En instruction », historised in the supplier's name.
    Called inside the transaction that records the pieces (piecesjointes.services.deposer_complements),
    which the caller makes atomic; the demande stays locked until it ends: a manager's decision at
    the same moment waits, then sees « En instruction ». Raises ComplementsImpossibles when the demande
    no longer waits for compléments (a manager rejected it meanwhile, or a second tab sent them)."""
    demande = Demande.objects.select_for_update().filter(pk=demande_id, fournisseur_id=fournisseur_id).first()
    if demande is None:
        raise ComplementsImpossibles("Cette demande est introuvable.")
    complement = demande.demandes_de_complements.filter(date_reponse__isnull=True).first()
    if demande.statut != StatutDemande.A_COMPLETER or complement is None:
        raise ComplementsImpossibles(
            f"Aucun complément n'est attendu pour cette demande : elle est « {demande.get_statut_display()} »."
        )
    maintenant = timezone.now()
    complement.date_reponse, complement.repondue_par = maintenant, utilisateur
    complement.save(update_fields=["date_reponse", "repondue_par"])
    demande.statut = StatutDemande.EN_INSTRUCTION
    demande._history_user = utilisateur
    demande._change_reason = f"{nombre_de_pieces} pièce(s) déposée(s) en complément"  # the history's motif
    demande.save()  # live before and after: the beneficiaries stay held (no aligner_vivant)
    return complement
