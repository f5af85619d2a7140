"""« Accès API » in a real browser (headless Chromium, axe-core), at 1280 px and at 375 px: reached
from the menu, a token created through the form is shown once with « Copier » (which copies it),
listed, then revoked after the confirmation page; axe-core finds no serious or critical violation
in any of these states, and at 375 px the page is never wider than the screen (the examples scroll
in their own box)."""

import re

import pytest

from tests.navigateur.accessibilite import LARGEURS, verifier_accessibilite

# The Chromium of tests/navigateur/ (same fixture, same live server), imported here rather than in
# tests/api/conftest.py, which the other API tests share.
from tests.navigateur.conftest import navigateur  # noqa: F401

PAGE_PLUS_LARGE_QUE_L_ECRAN = "() => document.documentElement.scrollWidth > document.documentElement.clientWidth"


@pytest.mark.browser
@pytest.mark.parametrize("largeur", list(LARGEURS))
def test_acces_api_creer_copier_revoquer(navigateur, largeur):  # noqa: F811 (the fixture imported above)
    from playwright.sync_api import expect

    page = navigateur.nouvelle_page()
    try:
        page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=navigateur.url)
        page.set_viewport_size(LARGEURS[largeur])
        navigateur.se_connecter(page, "relais")
        page.wait_for_url(f"{navigateur.url}/")
        if largeur == "mobile":
            page.get_by_role("button", name="Menu", exact=True).click()
        page.get_by_role("navigation", name="Menu principal").get_by_role("link", name="Accès API").click()
        page.wait_for_url(f"{navigateur.url}/acces-api/")
        expect(page.get_by_role("heading", level=1, name="Accès API")).to_be_visible()
        expect(page.locator("#jetons")).to_contain_text("Aucun jeton pour le moment")
        verifier_accessibilite(page, "Accès API, aucun jeton")
        assert not page.evaluate(PAGE_PLUS_LARGE_QUE_L_ECRAN)

        # Beyond 365 days the browser itself refuses to send the form (the field says its limits).
        page.locator("#id_nom").fill("CI")
        duree = page.get_by_label("Durée de validité en jours")
        duree.fill("400")
        page.get_by_role("button", name="Créer le jeton").click()
        assert duree.evaluate("e => e.validity.rangeOverflow")
        assert page.url == f"{navigateur.url}/acces-api/"

        page.get_by_label("Durée de validité en jours").fill("30")
        page.get_by_role("button", name="Créer le jeton").click()
        page.wait_for_url(re.compile(r".*/acces-api/#jeton-cree$"))
        champ = page.get_by_label(re.compile("Votre jeton"))
        expect(champ).to_be_visible()
        clair = champ.input_value()
        assert clair.startswith("sgr_") and len(clair) > 40
        page.get_by_role("button", name="Copier").click()
        expect(page.locator("#jeton-copie")).to_have_text("Jeton copié dans le presse-papiers.")
        assert page.evaluate("() => navigator.clipboard.readText()") == clair
        lignes = page.locator("#jetons tbody tr")
        expect(lignes).to_have_count(1)
        expect(lignes.first).to_contain_text("CI")
        expect(lignes.first).to_contain_text("jamais")
        expect(lignes.first).to_contain_text("Actif")
        verifier_accessibilite(page, "Accès API, jeton créé")
        assert not page.evaluate(PAGE_PLUS_LARGE_QUE_L_ECRAN)

        # Shown once: gone on the next display.
        page.reload()
        expect(page.get_by_label(re.compile("Votre jeton"))).to_have_count(0)
        assert clair not in page.content()

        lignes.first.get_by_role("link", name="Révoquer").click()
        expect(page.get_by_role("heading", level=1, name="Révoquer le jeton « CI »")).to_be_visible()
        verifier_accessibilite(page, "Confirmation de la révocation")
        page.get_by_role("button", name="Révoquer ce jeton").click()
        page.wait_for_url(f"{navigateur.url}/acces-api/")
        expect(page.get_by_role("alert").filter(has_text="Le jeton « CI » est révoqué")).to_be_visible()
        expect(lignes.first).to_contain_text("Révoqué le")
        expect(lignes.first.get_by_role("link", name="Révoquer")).to_have_count(0)
        verifier_accessibilite(page, "Accès API, jeton révoqué")
        assert not page.evaluate(PAGE_PLUS_LARGE_QUE_L_ECRAN)
    finally:
        page.context.close()
