"""Business events in the logs: one structured line per simulation, real import, zip processed,
« Terminer », manager decision and payment — who, what, counts, duration. Never the content of a
file: only identifiers, counts and sizes.

Every line also carries what django-structlog binds to the request (request_id, user_id, ip) or
to the Celery task (task_id, and the request_id of the request that sent it).
"""

import time
from contextlib import contextmanager

import structlog

journal = structlog.get_logger("segur_portal.evenements")


@contextmanager
def evenement(nom: str, **champs):
    """Logs `nom` once the block ends, with `champs`, what the block added to the yielded dict and
    the duration. A block that raises is logged as a failure (exception class only) and re-raised."""
    details = dict(champs)
    debut = time.perf_counter()
    try:
        yield details
    except Exception as erreur:
        journal.warning(
            nom, **details, echec=type(erreur).__name__, duree_ms=round((time.perf_counter() - debut) * 1000, 1)
        )
        raise
    journal.info(nom, **details, duree_ms=round((time.perf_counter() - debut) * 1000, 1))


class IdentifiantRequeteMiddleware:
    """Returns the request id bound by django-structlog in the X-Request-ID header: a supplier who
    reports a problem can quote it, and the operator finds every line of that request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        identifiant = structlog.contextvars.get_contextvars().get("request_id")
        if identifiant:
            response["X-Request-ID"] = identifiant
        return response
