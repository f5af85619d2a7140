"""Response headers that depend on who asked: an authenticated page or a private download is never
stored by a browser or a proxy cache (another person on a shared computer, a corporate proxy)."""

from django.utils.cache import patch_cache_control


class CachePriveMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        utilisateur = getattr(request, "user", None)
        if utilisateur is not None and utilisateur.is_authenticated:
            patch_cache_control(response, private=True, no_store=True, max_age=0)
        return response


def reponse_connexion_bloquee(request, reponse_initiale, identifiants):
    """django-axes' answer to a locked account+address: the French page, status 429."""
    from django.conf import settings
    from django.shortcuts import render

    minutes = round(settings.AXES_COOLOFF_TIME * 60)
    contexte = {"echecs_max": settings.AXES_FAILURE_LIMIT, "minutes": minutes}
    return render(request, "registration/connexion_bloquee.html", contexte, status=429)
