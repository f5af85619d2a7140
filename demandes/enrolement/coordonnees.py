"""The supplier's bank details: the read « its validated bank details now » (what a payment records),
the change asked by the structure's administrator (a new row « En attente de validation »), and the
manager's decision on it (validated: it replaces the previous one; refused: with a motif the
supplier reads). A row is never edited once recorded, only its status and who decided."""

from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone

from segur_portal.journal import journal

from ..models import CoordonneesBancaires, Fournisseur, Utilisateur

Statut = CoordonneesBancaires.Statut

MOTIF_REFUS_OBLIGATOIRE = "Le motif du refus est obligatoire : il est communiqué au fournisseur."


class CoordonneesRefusees(Exception):
    """The request or the decision cannot be made now; the message says why, in French."""


# --- reads -----------------------------------------------------------------------------------------


def coordonnees_validees(fournisseur: Fournisseur | int) -> CoordonneesBancaires | None:
    """The fournisseur's validated bank details now (at most one: a database constraint), or None."""
    return CoordonneesBancaires.objects.filter(fournisseur=fournisseur, statut=Statut.VALIDEES).first()


def coordonnees_en_attente(fournisseur: Fournisseur) -> CoordonneesBancaires | None:
    return (
        CoordonneesBancaires.objects.filter(fournisseur=fournisseur, statut=Statut.EN_ATTENTE)
        .select_related("demandees_par")
        .first()
    )


def dernier_refus(fournisseur: Fournisseur) -> CoordonneesBancaires | None:
    """The last refused change, shown with its motif while no later change was asked."""
    refus = (
        CoordonneesBancaires.objects.filter(fournisseur=fournisseur, statut=Statut.REFUSEES)
        .order_by("-date_instruction", "-id")
        .first()
    )
    if refus is None:
        return None
    plus_recente = CoordonneesBancaires.objects.filter(fournisseur=fournisseur, date_demande__gt=refus.date_demande)
    return None if plus_recente.exclude(statut=Statut.REFUSEES).exists() else refus


# --- the supplier's request --------------------------------------------------------------------------

MESSAGE_DEJA_EN_ATTENTE = (
    "Une demande de changement de coordonnées bancaires est déjà en attente de validation par l'ASP : "
    "attendez sa décision avant d'en demander une autre."
)


def demander_changement(
    fournisseur: Fournisseur, *, iban: str, bic: str, rib, par: Utilisateur
) -> CoordonneesBancaires:
    """A new CoordonneesBancaires « En attente de validation » (iban and bic already normalised by
    ChampsBancairesMixin, the RIB checked by content). Payments keep using the validated details
    until a manager validates this one. One pending request at a time: the database constraint
    decides between two simultaneous requests, the loser gets the same message."""
    if not (par.is_active and par.fournisseur_id == fournisseur.pk and par.administrateur_fournisseur):
        raise CoordonneesRefusees(
            "Seul l'administrateur de votre structure peut demander un changement de coordonnées bancaires."
        )
    if CoordonneesBancaires.objects.filter(fournisseur=fournisseur, statut=Statut.EN_ATTENTE).exists():
        raise CoordonneesRefusees(MESSAGE_DEJA_EN_ATTENTE)
    coordonnees = CoordonneesBancaires(fournisseur=fournisseur, iban=iban, bic=bic, rib=rib, demandees_par=par)
    coordonnees._history_user = par
    coordonnees._change_reason = "Changement demandé par le fournisseur"
    try:
        with transaction.atomic():
            coordonnees.save()
    except IntegrityError:
        raise CoordonneesRefusees(MESSAGE_DEJA_EN_ATTENTE) from None
    journal.info(
        "coordonnees_bancaires_demandees", fournisseur_id=fournisseur.pk, coordonnees_id=coordonnees.pk, par=par.pk
    )
    return coordonnees


# --- the manager's decision -----------------------------------------------------------------------


def _verrouiller(coordonnees: CoordonneesBancaires) -> tuple[CoordonneesBancaires, CoordonneesBancaires | None]:
    """The request and the fournisseur's validated row, locked (in id order) until the end of the
    transaction: two managers deciding at once decide one after the other, the second sees the first."""
    lignes = list(
        CoordonneesBancaires.objects.select_for_update()
        .filter(fournisseur_id=coordonnees.fournisseur_id, statut__in=[Statut.EN_ATTENTE, Statut.VALIDEES])
        .order_by("pk")
    )
    demande = next((ligne for ligne in lignes if ligne.pk == coordonnees.pk), None)
    if demande is None or demande.statut != Statut.EN_ATTENTE:
        actuelle = CoordonneesBancaires.objects.get(pk=coordonnees.pk)
        raise CoordonneesRefusees(
            f"Ces coordonnées bancaires sont désormais « {actuelle.get_statut_display()} » : "
            "seule une demande en attente de validation peut être validée ou refusée."
        )
    validee = next((ligne for ligne in lignes if ligne.statut == Statut.VALIDEES), None)
    return demande, validee


def remplacer(ancienne: CoordonneesBancaires, *, par: Utilisateur | None, raison: str) -> None:
    """The validated row (locked by the caller) becomes « Remplacées », historised with `raison`. Always
    before the new one is validated: the database allows one validated row per fournisseur."""
    ancienne.statut = Statut.REMPLACEES
    ancienne._history_user = par  # type: ignore[assignment]  (None: a script, such as seed_demo)
    ancienne._change_reason = raison
    ancienne.save()


@transaction.atomic
def valider(coordonnees: CoordonneesBancaires, *, par: Utilisateur) -> CoordonneesBancaires:
    """« Valider les nouvelles coordonnées »: the validated row becomes « Remplacées » and this one
    « Validées », together; the next payment uses it."""
    demande, ancienne = _verrouiller(coordonnees)
    maintenant = timezone.now()
    if ancienne is not None:
        remplacer(ancienne, par=par, raison=f"Remplacées par les coordonnées n° {demande.pk}")
    demande.statut, demande.instruites_par, demande.date_instruction = Statut.VALIDEES, par, maintenant
    demande._history_user = par
    demande._change_reason = "Validées par l'ASP"
    demande.save()
    journal.info(
        "coordonnees_bancaires_validees", fournisseur_id=demande.fournisseur_id, coordonnees_id=demande.pk, par=par.pk
    )
    return demande


@transaction.atomic
def refuser(coordonnees: CoordonneesBancaires, *, par: Utilisateur, motif: str) -> CoordonneesBancaires:
    """« Refuser »: the request is closed with the motif; the validated details stay in use."""
    motif = (motif or "").strip()
    if not motif:
        raise CoordonneesRefusees(MOTIF_REFUS_OBLIGATOIRE)
    demande, _ = _verrouiller(coordonnees)
    demande.statut, demande.instruites_par, demande.date_instruction = Statut.REFUSEES, par, timezone.now()
    demande.motif_refus = motif
    demande._history_user = par
    demande._change_reason = "Refusées par l'ASP"
    demande.save()
    journal.info(
        "coordonnees_bancaires_refusees", fournisseur_id=demande.fournisseur_id, coordonnees_id=demande.pk, par=par.pk
    )
    return demande


def prevenir_les_administrateurs(coordonnees: CoordonneesBancaires) -> bool:
    """E-mails the decision to the structure's active administrators. False when the sending failed
    (the decision stands: the manager is warned, the supplier sees it on « Enrôlement » anyway)."""
    destinataires = list(
        Utilisateur.objects.filter(
            fournisseur_id=coordonnees.fournisseur_id, administrateur_fournisseur=True, is_active=True
        )
        .exclude(email="")
        .values_list("email", flat=True)
    )
    if not destinataires:
        return True
    contexte = {"coordonnees": coordonnees, "fournisseur": coordonnees.fournisseur}
    sujet = "".join(render_to_string("enrolement/coordonnees_decision_sujet.txt", contexte).splitlines())
    corps = render_to_string("enrolement/coordonnees_decision_corps.txt", contexte)
    try:
        EmailMessage(sujet, corps, to=destinataires).send()
    except OSError as erreur:  # smtplib.SMTPException included
        journal.warning("coordonnees_bancaires_courriel", coordonnees_id=coordonnees.pk, echec=type(erreur).__name__)
        return False
    return True
