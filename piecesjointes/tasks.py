from celery import shared_task
from django.db import OperationalError

from . import services


@shared_task(
    acks_late=True, reject_on_worker_lost=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5
)
def traiter_zip(zip_id: int) -> dict:
    """Processes one uploaded zip. Idempotent: a redelivery, a sweep or a « Relancer » is safe."""
    depot = services.traiter_zip(zip_id)
    return {"statut": depot.statut, "acceptees": depot.nb_acceptees, "refusees": depot.nb_refusees}


@shared_task(ignore_result=True)
def relancer_zips_bloques() -> dict:
    """Periodic (Celery beat): sends again the zips whose processing was lost, see services."""
    return services.relancer_zips_bloques()


@shared_task(ignore_result=True)
def purger_zips_refuses() -> dict:
    """Periodic (Celery beat, daily): deletes the files of refused or failed zips past their
    retention (SEGUR_RETENTION_ZIPS_REFUSES_JOURS), keeping their rows, see services."""
    return services.purger_zips_refuses()
