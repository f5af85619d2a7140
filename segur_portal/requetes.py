"""Requests holding a NUL character.

PostgreSQL refuses NUL in text (psycopg2 raises ValueError), so a `%00` in a filter of the admin
(`?statut__exact=%00`) or of any form ended in a server error. `RequeteSansNulMiddleware` answers
400 with a short French page as soon as a key or a value of the query string or of the posted form
(or the name of an uploaded file) holds "\\x00". The content of uploaded files is not read: a zip or a
PDF naturally holds NUL bytes.

A cookie holding a NUL character (a quoted cookie value may spell it `\\000`) would end in the same
error when the session is looked up: such a cookie is ignored (as if absent) rather than refused, so
that a cookie planted in a browser cannot lock its user out of the portal.

Place: right after django.middleware.security.SecurityMiddleware."""

import logging

from django.http import HttpResponseBadRequest

journal = logging.getLogger(__name__)

MESSAGE = "La requête contient un caractère non autorisé."
PAGE = (
    '<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8">'
    "<title>Requête invalide — Ségur numérique</title></head><body><main>"
    f"<h1>Requête invalide</h1><p>{MESSAGE}</p>"
    '<p><a href="/">Retour à l\'accueil</a></p></main></body></html>'
)
NUL = "\x00"


def _contient_nul(donnees) -> bool:
    """`donnees`: a QueryDict (GET, POST); every key and every value of each key."""
    return any(NUL in cle or any(NUL in valeur for valeur in valeurs) for cle, valeurs in donnees.lists())


def _fichiers_avec_nul(fichiers) -> bool:
    """Field names and file names only, never the content."""
    return any(NUL in cle or any(NUL in (fichier.name or "") for fichier in liste) for cle, liste in fichiers.lists())


def requete_avec_nul(request) -> bool:
    if _contient_nul(request.GET):
        return True
    if request.method == "POST":
        # Parses the body as the CSRF middleware would next (same upload handlers, files streamed
        # to disk by them); the files' content is not looked at.
        return _contient_nul(request.POST) or _fichiers_avec_nul(request.FILES)
    return False


class RequeteSansNulMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        cookies = request.COOKIES
        if any(NUL in cle or NUL in valeur for cle, valeur in cookies.items()):
            journal.warning("cookie ignoré : caractère NUL (%s %s)", request.method, request.path)
            request.COOKIES = {cle: valeur for cle, valeur in cookies.items() if NUL not in cle and NUL not in valeur}
        if requete_avec_nul(request):
            journal.warning("requête refusée : caractère NUL (%s %s)", request.method, request.path)
            reponse = HttpResponseBadRequest(PAGE, content_type="text/html; charset=utf-8")
            # The CSP and clickjacking middlewares come after this one: the page brings its own.
            reponse["Content-Security-Policy"] = "default-src 'none'; frame-ancestors 'none'"
            reponse["X-Frame-Options"] = "DENY"
            return reponse
        return self.get_response(request)
