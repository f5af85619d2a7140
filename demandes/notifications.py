"""E-mail notifications (writes): who is told what, and when the mails leave.

A manager's decision, a request for compléments or a payment is one event per supplier: one
Notification per user of that supplier (its active users with an e-mail address), listing every
dossier of the call — a bulk action on 40 dossiers of a supplier is ONE mail per user, not 40.
The rows are written in the transaction of the event (they exist if and only if it commits) and
the sending tasks are queued once it commits (demandes.tasks.envoyer_notification, by name: the
task module calls this one). The rows are the outbox: a broker down at that moment is logged,
never raised (the decision stands), and the sweep (relancer_notifications) sends them later.
(destinataire, cle) is unique: an event is never mailed twice to a user, whatever the retries.

The managers' daily digest of the previous day's deposits is built here too (resume_quotidien)."""

import datetime
import re
import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

import structlog
from celery import current_app
from django.conf import settings
from django.core import mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from kombu.exceptions import KombuError

from segur_portal import formats

from . import selectors
from .models import Demande, Notification, Utilisateur
from .valeurs import StatutPaiement, TypeDemande

evenements = structlog.get_logger("segur_portal.evenements")

TACHE_ENVOYER = "demandes.tasks.envoyer_notification"
Nature = Notification.Nature
# The transitions of demandes.services that the supplier is told about (« instruction »: not).
NATURE_PAR_TRANSITION = {"rejet": Nature.REJET, "decision": Nature.DECISION, "complements": Nature.COMPLEMENTS}
# A mail lists at most this many dossiers (a bulk action may hold thousands); the rest is counted,
# and the page « Notifications » links to every one.
DOSSIERS_LISTES_MAX = 50
LONGUEUR_ERREUR_MAX = 1000


def url_portail(chemin: str) -> str:
    """The absolute address of a page of the portal, for a mail (SEGUR_URL_PORTAIL)."""
    return f"{settings.SEGUR_URL_PORTAIL}{chemin}"


# --- The events of the suppliers ---------------------------------------------------------------------


def notifier_decision(
    transition: str, demandes: Sequence[Demande], *, motif: str, utilisateur: Utilisateur | None
) -> list[int]:
    """After demandes.services applied `transition` to `demandes` (in its transaction): the users
    of their suppliers are told — a rejection with its motif, a favourable decision, a request for
    compléments with the manager's message. Returns the ids of the notifications written."""
    nature = NATURE_PAR_TRANSITION.get(transition)
    if nature is None or not demandes:
        return []
    return _notifier(nature, demandes, {"motif": motif.strip()}, auteur=utilisateur)


def notifier_paiement(
    demandes: Sequence[Demande],
    *,
    montant: Decimal,
    date_paiement: datetime.date | str,
    statut: str,
    utilisateur: Utilisateur | None,
) -> list[int]:
    """After demandes.services recorded a payment on `demandes` (in its transaction). The date may
    come as an ISO string (what the model field accepts too)."""
    if not demandes:
        return []
    if isinstance(date_paiement, str):
        date_paiement = datetime.date.fromisoformat(date_paiement)
    contexte = {
        "montant": formats.montant(montant),
        "date_paiement": date_paiement.strftime("%d/%m/%Y"),
        "statut": StatutPaiement(statut).label,
        "effectue": statut == StatutPaiement.EFFECTUE,
    }
    return _notifier(Nature.PAIEMENT, demandes, contexte, auteur=utilisateur)


def _notifier(
    nature: str, demandes: Sequence[Demande], contexte: dict[str, Any], *, auteur: Utilisateur | None
) -> list[int]:
    par_fournisseur: dict[int, list[Demande]] = defaultdict(list)
    for demande in demandes:
        par_fournisseur[demande.fournisseur_id].append(demande)
    destinataires: dict[int, list[Utilisateur]] = defaultdict(list)
    for compte in selectors.comptes_a_notifier(par_fournisseur):
        destinataires[compte.fournisseur_id].append(compte)  # type: ignore[index]
    evenement = uuid.uuid4().hex  # one call of a service = one event
    lignes: list[Notification] = []
    dossiers_par_cle: dict[str, list[Demande]] = {}
    for fournisseur_id, dossiers in par_fournisseur.items():
        if not destinataires[fournisseur_id]:
            continue
        dossiers.sort(key=lambda demande: demande.numero)
        cle = f"{nature.lower()}:{evenement}:{fournisseur_id}"
        sujet, corps = _rediger(nature, {**contexte, **_dossiers(dossiers)})
        dossiers_par_cle[cle] = dossiers
        lignes.extend(
            Notification(destinataire=compte, cle=cle, nature=nature, sujet=sujet, corps=corps)
            for compte in destinataires[fournisseur_id]
        )
    ids = _ecrire(lignes, dossiers_par_cle)
    if ids:
        evenements.info(
            "notifications",
            nature=nature,
            notifications=len(ids),
            fournisseurs=len(dossiers_par_cle),
            demandes=len(demandes),
            utilisateur_id=auteur.pk if auteur else None,
        )
    return ids


def _dossiers(dossiers: Sequence[Demande]) -> dict[str, Any]:
    """What the templates say of the dossiers: each one's number, type, amount and address."""
    return {
        "nombre": len(dossiers),
        "dossiers": [
            {
                "numero": demande.numero_dossier,
                "type": TypeDemande(demande.type_demande).complement,  # « d'avance », « de solde »
                "montant": formats.montant(demande.montant_ht),
                "url": url_portail(reverse("demande", args=[demande.pk])),
            }
            for demande in dossiers[:DOSSIERS_LISTES_MAX]
        ],
        "autres": max(0, len(dossiers) - DOSSIERS_LISTES_MAX),
        "url_demandes": url_portail(reverse("demandes")),
        "url_notifications": url_portail(reverse("notifications")),
        "url_aide": url_portail(reverse("aide")),
    }


def _rediger(nature: str, contexte: dict[str, Any]) -> tuple[str, str]:
    """(subject, plain-text body) of a mail, from templates/notifications/<nature>_{sujet,corps}.txt."""
    nom = nature.lower()
    sujet = " ".join(render_to_string(f"notifications/{nom}_sujet.txt", contexte).split())
    corps = re.sub(r"\n{3,}", "\n\n", render_to_string(f"notifications/{nom}_corps.txt", contexte)).strip() + "\n"
    return sujet, corps


def _ecrire(lignes: list[Notification], dossiers_par_cle: dict[str, list[Demande]]) -> list[int]:
    """Writes the notifications (an existing (destinataire, cle) is left as it is: one mail per
    event per user) with their dossiers, and queues their sending once the transaction commits.
    Returns the ids of the notifications of these keys."""
    if not lignes:
        return []
    Notification.objects.bulk_create(lignes, ignore_conflicts=True, batch_size=500)
    # ignore_conflicts gives no primary keys back: read them by key (one query).
    ecrites = list(Notification.objects.filter(cle__in=list(dossiers_par_cle)).values_list("pk", "cle"))
    liens = Notification.demandes.through
    liens.objects.bulk_create(
        [liens(notification_id=pk, demande_id=demande.pk) for pk, cle in ecrites for demande in dossiers_par_cle[cle]],
        ignore_conflicts=True,
        batch_size=1000,
    )
    ids = sorted(pk for pk, _ in ecrites)
    transaction.on_commit(lambda: mettre_en_file(ids), robust=True)
    return ids


def mettre_en_file(ids: Iterable[int]) -> int:
    """Queues the sending of these notifications; returns how many the broker took. A broker down
    is logged, not raised: the notifications stay unsent and the sweep sends them later."""
    envoyees = 0
    for notification_id in ids:
        try:
            # By name: the task module calls this one, this one does not import it back.
            current_app.signature(TACHE_ENVOYER, args=(notification_id,)).delay()
        except (KombuError, OSError) as erreur:
            evenements.warning(
                "notification_non_mise_en_file", notification_id=notification_id, erreur=type(erreur).__name__
            )
            break  # the broker is down: the next ones would wait for it too; the sweep sends them all
        envoyees += 1
    return envoyees


# --- Sending -----------------------------------------------------------------------------------------


class EnvoiEchoue(Exception):
    """The mail server refused or could not be reached; the notification stays unsent."""


def envoyer(notification_id: int) -> bool:
    """Sends one notification, unless it is sent already (a redelivered task, the sweep and a retry
    at once: the row is locked while the mail leaves, the second one finds it sent). Returns True if
    the mail left now; raises EnvoiEchoue when the server refused it (attempt and error recorded)."""
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update().select_related("destinataire").filter(pk=notification_id).first()
        )
        if notification is None or notification.date_envoi is not None:
            return False
        if notification.nb_tentatives >= settings.SEGUR_NOTIFICATIONS_TENTATIVES_MAX:
            return False  # given up: the error stays on the row (admin, logs)
        destinataire = notification.destinataire
        notification.nb_tentatives += 1
        if not destinataire.is_active or not destinataire.email:
            # Deactivated or without an address since: nothing to send, ever (no more attempts).
            notification.nb_tentatives = settings.SEGUR_NOTIFICATIONS_TENTATIVES_MAX
            notification.derniere_erreur = "Destinataire désactivé ou sans adresse électronique."
            notification.save(update_fields=["nb_tentatives", "derniere_erreur"])
            return False
        message = mail.EmailMessage(
            subject=notification.sujet,
            body=notification.corps,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[destinataire.email],
            headers={"Auto-Submitted": "auto-generated", "X-Auto-Response-Suppress": "All"},
        )
        echec: Exception | None = None
        try:
            message.send()
        except Exception as erreur:  # whatever the backend raises (SMTP, socket, file…)
            notification.derniere_erreur = f"{type(erreur).__name__}: {erreur}"[:LONGUEUR_ERREUR_MAX]
            notification.save(update_fields=["nb_tentatives", "derniere_erreur"])
            echec = erreur
        else:
            notification.date_envoi = timezone.now()
            notification.derniere_erreur = ""
            notification.save(update_fields=["nb_tentatives", "derniere_erreur", "date_envoi"])
    if echec is not None:
        evenements.warning(
            "notification_echec_envoi",
            notification_id=notification_id,
            tentatives=notification.nb_tentatives,
            erreur=type(echec).__name__,
        )
        raise EnvoiEchoue(str(echec)) from echec
    return True


def peut_reessayer(notification_id: int) -> bool:
    """Whether another attempt is allowed (unsent, below SEGUR_NOTIFICATIONS_TENTATIVES_MAX)."""
    return Notification.objects.filter(
        pk=notification_id, date_envoi__isnull=True, nb_tentatives__lt=settings.SEGUR_NOTIFICATIONS_TENTATIVES_MAX
    ).exists()


def relancer_notifications() -> dict[str, int]:
    """The sweep (Celery beat, every SEGUR_NOTIFICATIONS_RELANCE_PERIODE seconds): every
    notification unsent a minute after its creation, below the cap of attempts, is queued again
    (a broker down at the decision, a worker lost, a mail server refusing). Sending is idempotent:
    queuing one that a retry is about to send costs nothing but a look at its row."""
    limite = timezone.now() - datetime.timedelta(minutes=1)
    ids = list(
        Notification.objects.filter(
            date_envoi__isnull=True,
            date_creation__lt=limite,
            nb_tentatives__lt=settings.SEGUR_NOTIFICATIONS_TENTATIVES_MAX,
        )
        .order_by("date_creation", "pk")
        .values_list("pk", flat=True)
    )
    resultat = {"a_envoyer": len(ids), "mises_en_file": mettre_en_file(ids) if ids else 0}
    if ids:
        evenements.info("reprise_notifications", **resultat)
    return resultat


# --- The managers' daily digest ------------------------------------------------------------------------


def resume_quotidien(jour: datetime.date | None = None) -> list[int]:
    """One mail to each manager (selectors.gestionnaires_a_informer) with the deposits of `jour`
    (yesterday, Paris, by default): count, amount, per couloir, a link to the managers' list. None
    when nothing was deposited. Its key is the day: a second run sends nothing more."""
    jour = jour or timezone.localdate() - datetime.timedelta(days=1)
    depots = selectors.depots_du_jour(jour)
    if not depots["nombre"]:
        return []
    gestionnaires = list(selectors.gestionnaires_a_informer())
    if not gestionnaires:
        return []
    contexte = {
        "jour": jour.strftime("%d/%m/%Y"),
        "nombre": depots["nombre"],
        "montant": formats.montant(depots["montant"]),
        "couloirs": [
            {"libelle": libelle, "nombre": nombre, "montant": formats.montant(montant)}
            for libelle, nombre, montant in depots["par_couloir"]
        ],
        "url_liste": url_portail(reverse("admin:demandes_demande_changelist")),
        "url_gestion": url_portail(reverse("admin:index")),
    }
    sujet, corps = _rediger(Nature.RESUME_QUOTIDIEN, contexte)
    cle = f"resume:{jour.isoformat()}"
    with transaction.atomic():
        ids = _ecrire(
            [
                Notification(destinataire=compte, cle=cle, nature=Nature.RESUME_QUOTIDIEN, sujet=sujet, corps=corps)
                for compte in gestionnaires
            ],
            {cle: []},
        )
    evenements.info("resume_quotidien", jour=jour.isoformat(), depots=depots["nombre"], notifications=len(ids))
    return ids
