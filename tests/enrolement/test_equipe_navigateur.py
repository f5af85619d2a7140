"""« Équipe » and « Enrôlement » in a real browser (headless Chromium through Playwright, fixture
`navigateur` of tests/navigateur/conftest.py): reached from the menu, no serious or critical axe-core
violation at 1280 px and 375 px, nothing wider than the screen, the invitation sent from the form,
and no resource, script or style refused by the portal's CSP on these pages nor on the managers'
« Coordonnées bancaires »."""

import pytest
from django.core import mail

from tests.navigateur.accessibilite import LARGEURS, verifier_accessibilite
from tests.navigateur.conftest import navigateur  # noqa: F401  (the fixture, shared with tests/navigateur)

PAGE_PLUS_LARGE_QUE_L_ECRAN = "() => document.documentElement.scrollWidth > document.documentElement.clientWidth"


@pytest.mark.browser
@pytest.mark.parametrize("largeur", list(LARGEURS))
def test_equipe_et_enrolement_dans_le_navigateur(navigateur, largeur):  # noqa: F811
    from playwright.sync_api import expect

    refus_csp = []
    page = navigateur.nouvelle_page()
    page.on("console", lambda m: refus_csp.append(m.text) if "Content Security Policy" in m.text else None)
    try:
        page.set_viewport_size(LARGEURS[largeur])
        navigateur.se_connecter(page, "relais")
        page.wait_for_url(f"{navigateur.url}/")
        if largeur == "mobile":
            page.get_by_role("button", name="Menu").click()
        page.get_by_role("navigation", name="Menu principal").get_by_role("link", name="Équipe").click()
        page.wait_for_url(f"{navigateur.url}/equipe/")
        expect(page.get_by_role("heading", level=1, name="Équipe")).to_be_visible()
        verifier_accessibilite(page, "Équipe")
        assert not page.evaluate(PAGE_PLUS_LARGE_QUE_L_ECRAN)

        page.get_by_label("Prénom").fill("Claire")
        page.locator("#id_nom").fill("Martin")  # its label « Nom » is a part of « Prénom »'s
        page.get_by_label("Adresse électronique").fill("claire.martin@relais.example")
        page.get_by_role("button", name="Inviter un collègue").click()
        expect(page.get_by_text("Invitation envoyée à claire.martin@relais.example")).to_be_visible()
        expect(page.locator("#equipe")).to_contain_text("Invitation envoyée le")
        assert [message.to for message in mail.outbox] == [["claire.martin@relais.example"]]
        verifier_accessibilite(page, "Équipe après une invitation")

        page.goto(f"{navigateur.url}/enrolement/")
        expect(page.locator("#coordonnees-validees")).to_contain_text("FR76 •••• •••• •••• •••• •••• 049")
        expect(page.get_by_role("button", name="Demander un changement de coordonnées bancaires")).to_be_visible()
        verifier_accessibilite(page, "Enrôlement")
        assert not page.evaluate(PAGE_PLUS_LARGE_QUE_L_ECRAN)
    finally:
        page.context.close()

    gestionnaire = navigateur.nouvelle_page()
    gestionnaire.on("console", lambda m: refus_csp.append(m.text) if "Content Security Policy" in m.text else None)
    try:
        navigateur.se_connecter(gestionnaire, "gestionnaire")
        gestionnaire.wait_for_url(f"{navigateur.url}/admin/")
        gestionnaire.goto(f"{navigateur.url}/admin/demandes/coordonneesbancaires/")
        gestionnaire.get_by_role("link", name="RELAIS CAP FRANCE AU GAI LOGIS").first.click()
        expect(gestionnaire.locator("#comparaison")).to_contain_text("FR76 3000 6000 0101 2345 6789 049")
    finally:
        gestionnaire.context.close()
    assert refus_csp == []
