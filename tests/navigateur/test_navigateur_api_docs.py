"""The API's documentation UI (/api/v1/docs) in Chromium: Swagger UI served from django-ninja's own
static files (no CDN: the page works offline), rendered under the portal's Content-Security-Policy,
listing the endpoints of the OpenAPI document."""

import pytest


@pytest.mark.browser
def test_la_documentation_de_l_api_s_affiche_sans_cdn(navigateur):
    from playwright.sync_api import expect

    page = navigateur.nouvelle_page()
    refus_csp, externes = [], []
    page.on("console", lambda m: refus_csp.append(m.text) if "Content Security Policy" in m.text else None)
    page.on("request", lambda r: externes.append(r.url) if not r.url.startswith(navigateur.url) else None)
    page.goto(f"{navigateur.url}/api/v1/docs")
    expect(page.locator(".swagger-ui .title")).to_contain_text("API du Portail Ségur numérique")
    expect(page.get_by_text("/api/v1/demandes/{numeroASP}")).to_be_visible()
    assert page.locator("html").get_attribute("lang") == "fr"
    page.context.close()
    assert externes == [] and refus_csp == []
