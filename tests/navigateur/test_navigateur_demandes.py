"""The supplier's statuses in a real browser (issue 12, point 5 and point 1 on the list of demandes):
the home page with nothing to do then with actions pending (links followed), the list of demandes
(badges in distinct colours, « Exporter (CSV) » with its visible label), the page of a deposited and
of a rejected demande — each audited by axe-core at 1280 px and at 375 px.

No skip: without Chromium at /usr/bin/chromium the test fails (CI installs it)."""

import re

import pytest

from tests.navigateur.accessibilite import LARGEURS, verifier_accessibilite


def auditer(page, ecran: str) -> None:
    """axe-core on the page at each width of LARGEURS (back to the desktop width afterwards)."""
    for largeur in LARGEURS.values():
        page.set_viewport_size(largeur)
        verifier_accessibilite(page, ecran)
    page.set_viewport_size(LARGEURS["bureau"])


def fond(locator) -> str:
    return locator.evaluate("e => getComputedStyle(e).backgroundColor")


@pytest.mark.browser
def test_accueil_liste_et_pages_des_demandes(navigateur):
    from playwright.sync_api import expect

    from demandes.valeurs import StatutDemande
    from tests.demandes.actions_attendues import demande_rejetee, import_a_terminer, simulation_reussie
    from tests.factories import creer_demande

    page = navigateur.nouvelle_page()
    try:
        navigateur.se_connecter(page, "relais")
        page.wait_for_url(f"{navigateur.url}/")

        # --- Accueil, nothing to do ------------------------------------------------------------
        a_faire = page.locator("#a-faire")
        expect(a_faire.get_by_role("heading", name="Tout est à jour")).to_be_visible()
        auditer(page, "Accueil sans action attendue")

        # --- Accueil, actions pending ----------------------------------------------------------
        rejetee = demande_rejetee("Bon de commande non signé par l'établissement")
        deposee = creer_demande(801, StatutDemande.DEPOSEE, montant="10750.00")
        a_terminer = import_a_terminer("pieces-en-attente.json", pieces=2, recues=1)
        simulee = simulation_reussie("simule-non-importe.json")
        page.reload()
        expect(a_faire.get_by_role("heading", name="Tout est à jour")).to_have_count(0)
        expect(a_faire.get_by_role("heading", name="1 demande rejetée ces 90 derniers jours")).to_be_visible()
        expect(a_faire.get_by_text("Bon de commande non signé par l'établissement")).to_be_visible()
        expect(a_faire.get_by_role("heading", name="1 import à terminer : pièces jointes")).to_be_visible()
        expect(a_faire.get_by_role("heading", name="1 simulation réussie, non importée")).to_be_visible()
        auditer(page, "Accueil avec actions attendues")

        # The links of the blocks lead where the supplier acts.
        a_faire.get_by_role(
            "link", name=f"Pièces jointes de l'import n° {a_terminer.pk} (pieces-en-attente.json)"
        ).click()
        page.wait_for_url(f"{navigateur.url}/pieces-jointes/{a_terminer.pk}/")
        page.go_back()
        a_faire.get_by_role("link", name=f"Ouvrir l'import n° {simulee.pk} (simule-non-importe.json)").click()
        page.wait_for_url(f"{navigateur.url}/imports/{simulee.pk}/")
        expect(page.get_by_role("button", name="Importer", exact=True)).to_be_enabled()
        page.go_back()

        # --- the page of the rejected demande, from the Accueil ----------------------------------
        a_faire.get_by_role("link", name=rejetee.numero_dossier).click()
        page.wait_for_url(f"{navigateur.url}/demandes/{rejetee.pk}/")
        alerte = page.locator("#suite-a-donner")
        expect(alerte.get_by_role("heading", name="Demande rejetée : que faire ?")).to_be_visible()
        expect(alerte).to_contain_text("Motif du rejet : Bon de commande non signé par l'établissement")
        expect(alerte).to_contain_text("Le rejet libère les bénéficiaires de cette demande")
        expect(alerte.get_by_role("link", name="Besoin d'aide ?")).to_be_visible()
        auditer(page, "Demande rejetée")

        # --- the list of demandes ------------------------------------------------------------
        page.goto(f"{navigateur.url}/demandes/")
        exporter = page.get_by_role("link", name="Exporter (CSV)")
        expect(exporter).to_be_visible()
        for largeur in LARGEURS.values():
            page.set_viewport_size(largeur)
            # Its label is shown whole, not cut to a 40 px icon square.
            assert exporter.evaluate("e => e.scrollWidth <= e.clientWidth && e.clientWidth > 100"), largeur
            assert exporter.evaluate("e => e.innerText.trim()") == "Exporter (CSV)"
        page.set_viewport_size(LARGEURS["bureau"])
        tableau = page.locator("#liste-demandes")
        badge_rejetee = tableau.locator(".fr-badge", has_text="Rejetée")
        badge_deposee = tableau.locator(".fr-badge", has_text="Déposée")
        badge_pieces = tableau.locator(".fr-badge", has_text="En attente des pièces")
        expect(badge_rejetee).to_have_class(re.compile(r"\bfr-badge--error\b"))
        couleurs = {fond(badge_rejetee), fond(badge_deposee), fond(badge_pieces.first)}
        assert len(couleurs) == 3, couleurs  # three statuses, three colours on screen
        auditer(page, "Liste des demandes")

        # --- the page of a deposited demande --------------------------------------------------
        tableau.get_by_role("link", name=deposee.numero_dossier).click()
        page.wait_for_url(f"{navigateur.url}/demandes/{deposee.pk}/")
        expect(page.locator(".fr-badge", has_text="Déposée")).to_have_class(re.compile(r"\bfr-badge--new\b"))
        expect(page.get_by_text("Montant Ségur HT : 10\u202f750,00\u00a0€ (régime TTC)")).to_be_visible()
        expect(page.locator("#suite-a-donner")).to_contain_text("aucune action n'est attendue de vous")
        auditer(page, "Demande déposée")
    finally:
        page.context.close()
