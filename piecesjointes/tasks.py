from celery import shared_task
from django.db import OperationalError


@shared_task(
    acks_late=True, reject_on_worker_lost=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5
)
def traiter_zip(zip_id: int) -> dict:
    """Processes one uploaded zip. Idempotent, so a redelivery after a lost worker is safe."""
    from .services import traiter_zip as traiter

    depot = traiter(zip_id)
    return {"statut": depot.statut, "acceptees": depot.nb_acceptees, "refusees": depot.nb_refusees}
