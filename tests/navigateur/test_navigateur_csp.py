"""The Content Security Policy in a real browser: Chromium reports no refused resource, script or style
on the supplier's pages nor in the managers' admin, and the DSFR's script runs with its nonce.
Headless Chromium through Playwright, from the fixture `navigateur` of conftest.py (no skip: CI installs it)."""

import pytest


@pytest.mark.browser
def test_aucune_violation_de_la_csp_dans_le_navigateur(navigateur):
    """Chromium reports every resource, script or style the policy refuses: none on the supplier's
    pages nor in the managers' admin, and the DSFR's script runs (it needs its nonce)."""
    refus = []

    def surveiller(page):
        page.on("console", lambda m: refus.append(m.text) if "Content Security Policy" in m.text else None)
        return page

    fournisseur = surveiller(navigateur.nouvelle_page())
    navigateur.se_connecter(fournisseur, "relais")
    for chemin in ("/", "/imports/simulation/", "/imports/", "/demandes/", "/imports/documentation/", "/aide/"):
        fournisseur.goto(f"{navigateur.url}{chemin}")
        assert fournisseur.evaluate("typeof window.dsfr") == "function", chemin
    gestionnaire = surveiller(navigateur.nouvelle_page())
    navigateur.se_connecter(gestionnaire, "gestionnaire")
    for chemin in ("/admin/", "/admin/demandes/demande/", "/admin/demandes/fournisseur/1/change/"):
        gestionnaire.goto(f"{navigateur.url}{chemin}")
    assert refus == []
