"""django-dsfr's site configuration, read once per request (its own context processor runs a
query each time a template with a request context is rendered)."""

from dsfr.context_processors import site_config as site_config_dsfr


def nonce_csp(request):
    """Evaluates the request's CSP nonce before the page renders: django-dsfr's script tags test
    it with `{% if %}`, which django-csp answers « false » while nobody has read it yet."""
    nonce = getattr(request, "csp_nonce", None)
    return {"csp_nonce": str(nonce) if nonce is not None else ""}


def site_config(request):
    if not hasattr(request, "_site_config_dsfr"):
        request._site_config_dsfr = site_config_dsfr(request)
    return request._site_config_dsfr
