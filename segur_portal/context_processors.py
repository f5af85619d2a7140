"""django-dsfr's site configuration, read once per request (its own context processor runs a
query each time a template with a request context is rendered)."""

from dsfr.context_processors import site_config as site_config_dsfr


def site_config(request):
    if not hasattr(request, "_site_config_dsfr"):
        request._site_config_dsfr = site_config_dsfr(request)
    return request._site_config_dsfr
