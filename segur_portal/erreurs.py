"""Error pages. A database that does not answer is not a bug of the portal: 503 and its own
message, so that the supplier knows to come back rather than to send again."""

import sys

import structlog
from django import db
from django.http import HttpResponse
from django.template.loader import render_to_string

BASE_INDISPONIBLE = (db.OperationalError, db.InterfaceError)


def erreur_serveur(request):
    """handler500: called while the exception is being handled (sys.exc_info() holds it). The pages
    are rendered without the request's context: its user and session live in the database."""
    exception = sys.exc_info()[1]
    reference = structlog.contextvars.get_contextvars().get("request_id", "")
    # The error may come from a middleware before the one that returns the request id: set here too.
    entetes = {"X-Request-ID": reference} if reference else {}
    if isinstance(exception, BASE_INDISPONIBLE):
        contenu = render_to_string("503.html", {"reference": reference})
        return HttpResponse(contenu, status=503, headers={**entetes, "Retry-After": "120"})
    return HttpResponse(render_to_string("500.html", {"reference": reference}), status=500, headers=entetes)
