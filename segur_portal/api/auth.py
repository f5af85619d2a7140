"""Who calls the API: « Authorization: Bearer <jeton> » (demandes.jetons), and how often (a rate
per token, counted in the cache — Redis when REDIS_URL is set — so that every web worker shares it)."""

import structlog
from django.conf import settings
from django.http import HttpRequest
from ninja.security import HttpBearer
from ninja.throttling import SimpleRateThrottle

from demandes import jetons
from demandes.models import JetonAPI

from .problemes import Probleme

journal = structlog.get_logger("segur_portal.api")


class JetonBearer(HttpBearer):
    """The token's row becomes `request.auth`; its user becomes `request.user` (the services and
    selectors are those of the screens, which take the user and his fournisseur)."""

    def authenticate(self, request: HttpRequest, token: str) -> JetonAPI:
        try:
            jeton = jetons.authentifier(token)
        except jetons.JetonInvalide as refus:
            raise Probleme(401, str(refus)) from refus
        request.user = jeton.utilisateur
        # Every call is logged with the token's name (django-structlog adds the request's id).
        structlog.contextvars.bind_contextvars(jeton_api=jeton.nom, jeton_api_id=jeton.pk)
        journal.info("appel_api", methode=request.method, chemin=request.path, jeton_api=jeton.nom)
        return jeton


class LimiteParJeton(SimpleRateThrottle):
    """SEGUR_API_LIMITE requests (« 120/min » by default) per token; beyond, 429 with Retry-After."""

    scope = "jeton"

    def get_rate(self) -> str:
        return settings.SEGUR_API_LIMITE

    def allow_request(self, request: HttpRequest) -> bool:
        # The rate is read at each call (the API's throttle is built once, at import).
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request)

    def get_cache_key(self, request: HttpRequest) -> str | None:
        jeton = getattr(request, "auth", None)
        if not isinstance(jeton, JetonAPI):
            return None  # not authenticated: refused before, never counted
        # The token's own digest, not its id: ids start again with each new database (tests), the
        # cache (Redis) does not.
        return f"api-limite:{jeton.empreinte[:32]}"
