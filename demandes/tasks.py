"""Celery tasks of the e-mail notifications (demandes.notifications does the work) and of the purge
of the requests for access never confirmed (demandes.enrolement.purge)."""

from celery import shared_task
from django.db import OperationalError

from . import notifications
from .enrolement import purge

# A refused send is tried again by the task itself after 30 s, 1 min, 2 min, 4 min (then the
# sweep, every SEGUR_NOTIFICATIONS_RELANCE_PERIODE, until SEGUR_NOTIFICATIONS_TENTATIVES_MAX).
REESSAIS_MAX = 4
PREMIER_DELAI = 30


@shared_task(
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=REESSAIS_MAX,
    ignore_result=True,
)
def envoyer_notification(self, notification_id: int) -> bool:
    """Sends one notification. Idempotent: a redelivery, a retry or the sweep never mail it twice."""
    try:
        return notifications.envoyer(notification_id)
    except notifications.EnvoiEchoue as erreur:
        if self.request.retries < REESSAIS_MAX and notifications.peut_reessayer(notification_id):
            raise self.retry(exc=erreur, countdown=PREMIER_DELAI * 2**self.request.retries) from erreur
        return False  # left to the sweep (relancer_notifications) while attempts remain


@shared_task(ignore_result=True)
def relancer_notifications() -> dict:
    """Periodic (Celery beat): queues again the notifications not sent, see demandes.notifications."""
    return notifications.relancer_notifications()


@shared_task(ignore_result=True)
def resume_quotidien() -> int:
    """Periodic (Celery beat, every morning): the managers' digest of the previous day's deposits."""
    return len(notifications.resume_quotidien())


@shared_task(ignore_result=True)
def purger_demandes_non_confirmees() -> dict:
    """Periodic (Celery beat, daily): deletes the requests for access still « Adresse électronique à
    confirmer » past SEGUR_RETENTION_DEMANDES_NON_CONFIRMEES_JOURS, their history and RIB, see purge."""
    return purge.purger_demandes_non_confirmees()
