"""The API object (django-ninja): /api/v1/, its OpenAPI 3.1 document (/api/v1/openapi.json, built
from the code) and its documentation UI (/api/v1/docs, Swagger UI served from the package: no
CDN). Every refusal is a problem document (problemes.py); every endpoint needs a token (auth.py)."""

import structlog
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, AuthorizationError, HttpError, Throttled, ValidationError

from .auth import JetonBearer, LimiteParJeton
from .problemes import Probleme, reponse_probleme
from .rendu import RenduJSON

journal = structlog.get_logger("segur_portal.api")

api = NinjaAPI(
    title="API du Portail Ségur numérique",
    version="1",
    description=(
        "Le parcours des écrans du portail par HTTP, pour les logiciels des fournisseurs : simulation, "
        "import réel, pièces jointes, « Terminer », suivi des demandes. Mêmes contrôles, mêmes règles, "
        "mêmes résultats que les écrans. Authentification : en-tête « Authorization: Bearer <jeton> », "
        "jeton créé sur la page « Accès API » du portail. Chaque refus est un document "
        "application/problem+json (RFC 9457) en français."
    ),
    urls_namespace="api",
    renderer=RenduJSON(),
    auth=JetonBearer(),
    throttle=[LimiteParJeton()],
    docs_url="/docs",
    openapi_url="/openapi.json",
)


@api.exception_handler(Probleme)
def _probleme(request: HttpRequest, exc: Probleme) -> HttpResponse:
    return reponse_probleme(request, exc.status, exc.detail, **exc.champs)


@api.exception_handler(AuthenticationError)
def _non_authentifie(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return reponse_probleme(request, 401, "Jeton d'API absent : envoyez l'en-tête « Authorization: Bearer <jeton> ».")


@api.exception_handler(AuthorizationError)
def _interdit(request: HttpRequest, exc: AuthorizationError) -> HttpResponse:
    return reponse_probleme(request, 403, "Ce jeton ne permet pas cette opération.")


@api.exception_handler(Throttled)
def _trop_de_requetes(request: HttpRequest, exc: Throttled) -> HttpResponse:
    return reponse_probleme(
        request, 429, "Trop de requêtes pour ce jeton : attendez le délai indiqué par l'en-tête Retry-After."
    )


# Pydantic's messages are in English: each kind of refusal of a parameter, said in French.
MESSAGES_VALIDATION = {
    "missing": "Champ obligatoire.",
    "int_parsing": "Doit être un nombre entier (chiffres de 0 à 9).",
    "int_type": "Doit être un nombre entier (chiffres de 0 à 9).",
    "greater_than_equal": "Doit être supérieur ou égal à {ge}.",
    "greater_than": "Doit être supérieur à {gt}.",
    "less_than_equal": "Doit être inférieur ou égal à {le}.",
    "date_parsing": "Doit être une date au format AAAA-MM-JJ.",
    "date_from_datetime_parsing": "Doit être une date au format AAAA-MM-JJ.",
    "date_type": "Doit être une date au format AAAA-MM-JJ.",
    "enum": "Valeur non permise : valeurs possibles {expected}.",
    "literal_error": "Valeur non permise : valeurs possibles {expected}.",
    "string_too_long": "Texte trop long : {max_length} caractères au plus.",
    "string_type": "Doit être un texte.",
}


def message_de_validation(erreur: dict) -> str:
    modele = MESSAGES_VALIDATION.get(erreur.get("type", ""), "Valeur invalide.")
    try:
        return modele.format(**(erreur.get("ctx") or {}))
    except (KeyError, IndexError):
        return "Valeur invalide."


@api.exception_handler(ValidationError)
def _donnee_invalide(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    erreurs = [
        {"champ": ".".join(str(p) for p in erreur.get("loc", ())[1:]) or None, "message": message_de_validation(erreur)}
        for erreur in exc.errors
    ]
    return reponse_probleme(request, 422, "Une donnée de la requête est invalide.", erreurs=erreurs)


@api.exception_handler(Http404)
def _introuvable(request: HttpRequest, exc: Http404) -> HttpResponse:
    # Another supplier's object answers as one that does not exist: ids leak nothing.
    return reponse_probleme(request, 404, "Aucune ressource ne porte cet identifiant pour votre compte.")


@api.exception_handler(HttpError)
def _erreur_http(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return reponse_probleme(request, exc.status_code, str(exc))


@api.exception_handler(Exception)
def _erreur_interne(request: HttpRequest, exc: Exception) -> HttpResponse:
    journal.exception("erreur_api", chemin=request.path)
    return reponse_probleme(
        request, 500, "Erreur interne du portail : réessayez plus tard ; si elle persiste, contactez l'ASP."
    )


# Each module registers its routes on `api`.
from . import (  # noqa: E402
    demandes,  # noqa: F401
    imports,  # noqa: F401
    pieces,  # noqa: F401
)
