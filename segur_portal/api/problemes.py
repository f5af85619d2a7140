"""Every refusal of the API as an RFC 9457 « problem details » document (application/problem+json),
in French: `type` (a stable URI of the portal's documentation), `title`, `status`, `detail`, and
fields of its own (`erreurs` for a refused field)."""

from typing import Any

from django.http import HttpRequest, JsonResponse

TYPE_MEDIA = "application/problem+json"
# The documentation of each kind of refusal, on the page « Accès API » (anchor per status).
TYPE_BASE = "/acces-api/#probleme-"

TITRES = {
    400: "Requête invalide",
    401: "Authentification requise",
    403: "Accès refusé",
    404: "Introuvable",
    405: "Méthode non autorisée",
    409: "Conflit avec l'état de la ressource",
    413: "Fichier trop volumineux",
    415: "Type de contenu non pris en charge",
    422: "Donnée invalide",
    429: "Trop de requêtes",
    500: "Erreur interne",
    503: "Service indisponible",
}


class Probleme(Exception):
    """Raised by an endpoint: answered as a problem document with this status and detail."""

    def __init__(self, status: int, detail: str, **champs: Any):
        super().__init__(detail)
        self.status, self.detail, self.champs = status, detail, champs


def reponse_probleme(request: HttpRequest, status: int, detail: str, **champs: Any) -> JsonResponse:
    corps = {
        "type": f"{TYPE_BASE}{status}",
        "title": TITRES.get(status, "Erreur"),
        "status": status,
        "detail": detail,
        "instance": request.path,
        **champs,
    }
    reponse = JsonResponse(corps, status=status, content_type=TYPE_MEDIA, json_dumps_params={"ensure_ascii": False})
    if status == 401:
        reponse["WWW-Authenticate"] = 'Bearer realm="api", charset="UTF-8"'
    return reponse
