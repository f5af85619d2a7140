"""The frame of every page and the pages around the journey, in a real browser with axe-core (issue
12, points 7 and 9): the login page (logged out), « Besoin d'aide ? », the documentation,
« Enrôlement », the 404 and 403 pages, at 1280 px and at 375 px; at 375 px nothing is cut or wider
than the screen, the user's name and structure are read in full in the open mobile menu, and the
solutions table of « Enrôlement » scrolls with the keyboard. Headless Chromium through Playwright
(fixture `navigateur`, conftest.py)."""

import pytest

from tests.navigateur.accessibilite import LARGEURS, verifier_accessibilite

ECRANS_FOURNISSEUR = {
    "Besoin d'aide ?": "/aide/",
    "Documentation du fichier JSON des demandes": "/imports/documentation/",
    "Enrôlement": "/enrolement/",
    "Page introuvable": "/page-qui-n-existe-pas/",
}
DENOMINATION_RELAIS = "RELAIS CAP FRANCE AU GAI LOGIS"

# Elements wider than what shows of them: the page itself, and the tables laid out to fit the width
# (fr-table--no-scroll, whose overflow is hidden: a cut column would not even scroll).
ELEMENTS_COUPES = """() => {
    const coupes = [];
    const racine = document.documentElement;
    if (racine.scrollWidth > racine.clientWidth) coupes.push(`page : ${racine.scrollWidth} px pour ${racine.clientWidth}`);
    for (const table of document.querySelectorAll('.fr-table--no-scroll table')) {
        if (table.scrollWidth > table.clientWidth) coupes.push(`table ${table.id} : ${table.scrollWidth} px pour ${table.clientWidth}`);
    }
    return coupes;
}"""


def _rien_de_coupe(page, ecran):
    coupes = page.evaluate(ELEMENTS_COUPES)
    assert not coupes, f"{ecran} : {coupes}"


@pytest.mark.browser
@pytest.mark.parametrize("largeur", list(LARGEURS))
def test_pages_autour_du_parcours_accessibles(navigateur, largeur):
    from playwright.sync_api import expect

    page = navigateur.nouvelle_page()
    try:
        page.set_viewport_size(LARGEURS[largeur])

        # Logged out: the login page.
        page.goto(f"{navigateur.url}/connexion/")
        expect(page.get_by_role("heading", level=1, name="Connexion au portail Ségur numérique")).to_be_visible()
        verifier_accessibilite(page, "Connexion")
        _rien_de_coupe(page, "Connexion")

        navigateur.se_connecter(page, "relais")
        page.wait_for_url(f"{navigateur.url}/")
        for ecran, chemin in ECRANS_FOURNISSEUR.items():
            reponse = page.goto(f"{navigateur.url}{chemin}")
            assert reponse.status == (404 if ecran == "Page introuvable" else 200), ecran
            expect(page.get_by_role("heading", level=1, name=ecran)).to_be_visible()
            verifier_accessibilite(page, ecran)
            _rien_de_coupe(page, ecran)
    finally:
        page.context.close()

    # An ASP manager on a supplier page: the 403 page.
    page = navigateur.nouvelle_page()
    try:
        page.set_viewport_size(LARGEURS[largeur])
        navigateur.se_connecter(page, "gestionnaire")
        page.wait_for_url(f"{navigateur.url}/admin/")
        reponse = page.goto(f"{navigateur.url}/aide/")
        assert reponse.status == 403
        expect(page.get_by_role("heading", level=1, name="Accès refusé")).to_be_visible()
        expect(page.get_by_text("Cet espace est réservé aux fournisseurs.")).to_be_visible()
        verifier_accessibilite(page, "Accès refusé")
        _rien_de_coupe(page, "Accès refusé")
    finally:
        page.context.close()


@pytest.mark.browser
def test_menu_mobile_nom_complet(navigateur):
    """At 375 px, « Menu » opens the header's menu: logged out it holds « Se connecter »; logged in,
    the user's name and structure are shown whole (wrapped, not cut), the menu passes axe, and
    « Fermer » closes it."""
    from playwright.sync_api import expect

    page = navigateur.nouvelle_page()
    try:
        page.set_viewport_size(LARGEURS["mobile"])
        # Logged out, the menu holds « Se connecter » (hidden from the header at this width).
        page.goto(f"{navigateur.url}/page-qui-n-existe-pas/")
        menu = page.locator("#menu-mobile")
        page.get_by_role("button", name="Menu").click()
        expect(menu.get_by_role("link", name="Se connecter")).to_be_visible()
        verifier_accessibilite(page, "Menu mobile ouvert, déconnecté")
        menu.get_by_role("link", name="Se connecter").click()
        page.wait_for_url(f"{navigateur.url}/connexion/")

        navigateur.se_connecter(page, "relais")
        page.wait_for_url(f"{navigateur.url}/")
        page.goto(f"{navigateur.url}/aide/")

        utilisateur = menu.locator(".portail-utilisateur")
        expect(utilisateur).to_be_hidden()
        page.get_by_role("button", name="Menu").click()
        expect(utilisateur).to_be_visible()
        expect(utilisateur).to_contain_text("relais")
        expect(utilisateur).to_contain_text(DENOMINATION_RELAIS)
        expect(menu.get_by_role("button", name="Se déconnecter")).to_be_visible()
        expect(menu.get_by_role("link", name="Besoin d'aide ?")).to_be_visible()

        # Nothing of the name runs out of its box nor out of the screen.
        mesures = utilisateur.evaluate(
            """e => ({largeur: e.scrollWidth, visible: e.clientWidth, droite: e.getBoundingClientRect().right,
                      ecran: document.documentElement.clientWidth})"""
        )
        assert mesures["largeur"] <= mesures["visible"], mesures
        assert mesures["droite"] <= mesures["ecran"], mesures
        texte = utilisateur.locator(".portail-utilisateur__structure")
        assert texte.evaluate("e => e.scrollWidth <= e.clientWidth"), texte.inner_text()
        verifier_accessibilite(page, "Menu mobile ouvert")

        menu.get_by_role("button", name="Fermer").click()
        expect(utilisateur).to_be_hidden()
    finally:
        page.context.close()


@pytest.mark.browser
def test_enrolement_mobile_au_clavier_et_ancre_des_regles(navigateur):
    """At 375 px the nine columns of « Enrôlement » scroll sideways in a region reached with Tab and
    moved with the arrow keys; a link to a rule of the documentation (…#regle-E302) shows that rule,
    and the « Sommaire » leads to its section."""
    from playwright.sync_api import expect

    page = navigateur.nouvelle_page()
    try:
        page.set_viewport_size(LARGEURS["mobile"])
        navigateur.se_connecter(page, "relais")
        page.wait_for_url(f"{navigateur.url}/")

        page.goto(f"{navigateur.url}/enrolement/")
        region = page.get_by_role("region", name="Solutions référencées")
        for _ in range(40):
            page.keyboard.press("Tab")
            if region.evaluate("e => e === document.activeElement"):
                break
        else:
            raise AssertionError("la table des solutions n'est pas atteinte avec Tab")
        assert region.evaluate("e => e.scrollWidth > e.clientWidth")  # it does scroll at 375 px
        assert region.evaluate("e => e.scrollLeft") == 0
        page.keyboard.press("ArrowRight")
        page.wait_for_function("() => document.activeElement.scrollLeft > 0")
        # From 992 px on the table fits: nothing to scroll, and the tables of the documentation fit too.
        page.set_viewport_size({"width": 1000, "height": 900})
        assert region.evaluate("e => e.scrollWidth <= e.clientWidth"), region.evaluate("e => e.scrollWidth")
        page.goto(f"{navigateur.url}/imports/documentation/")
        _rien_de_coupe(page, "Documentation (1000 px)")
        page.set_viewport_size(LARGEURS["mobile"])

        page.goto(f"{navigateur.url}/imports/documentation/#regle-E302")
        expect(page.locator("#regle-E302")).to_be_in_viewport()
        expect(page.locator("#regle-E302")).to_contain_text("E302")

        page.goto(f"{navigateur.url}/imports/documentation/")
        sommaire = page.get_by_role("navigation", name="Sommaire")
        expect(sommaire).to_be_visible()
        expect(page.locator("#depot-pieces")).not_to_be_in_viewport()
        sommaire.get_by_role("link", name="Dépôt des pièces jointes").click()
        expect(page.locator("#depot-pieces")).to_be_in_viewport()
        assert page.url.endswith("/imports/documentation/#depot-pieces")
    finally:
        page.context.close()


@pytest.mark.browser
@pytest.mark.parametrize("largeur", list(LARGEURS))
def test_connexion_et_mot_de_passe_accessibles(navigateur, largeur):
    """The other states of the pages before login: a wrong password, the login blocked after too many
    failures, the password reset link (valid, then used) and its confirmation."""
    from django.contrib.auth.tokens import default_token_generator
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode
    from playwright.sync_api import expect

    from tests.parcours import utilisateur

    page = navigateur.nouvelle_page()
    try:
        page.set_viewport_size(LARGEURS[largeur])
        page.goto(f"{navigateur.url}/connexion/")
        page.get_by_label("Identifiant").fill("relais")
        page.get_by_label("Mot de passe").fill("pas-le-bon")
        page.get_by_role("button", name="Se connecter").click()
        expect(page.get_by_role("heading", level=1, name="Connexion au portail Ségur numérique")).to_be_visible()
        expect(page.locator(".fr-alert--error, .fr-error-text, .fr-message--error").first).to_be_visible()
        verifier_accessibilite(page, "Connexion — mot de passe erroné")
        _rien_de_coupe(page, "Connexion — mot de passe erroné")

        compte = utilisateur("relais")
        lien = (
            f"{navigateur.url}/mot-de-passe/reinitialisation/"
            f"{urlsafe_base64_encode(force_bytes(compte.pk))}/{default_token_generator.make_token(compte)}/"
        )
        page.goto(lien)
        expect(page.get_by_role("heading", level=1, name="Choisir votre mot de passe")).to_be_visible()
        verifier_accessibilite(page, "Choisir votre mot de passe")
        _rien_de_coupe(page, "Choisir votre mot de passe")
        # (« Nouveau mot de passe » is also found in « Confirmation du nouveau mot de passe ».)
        page.get_by_label("Nouveau mot de passe").first.fill("Un-mot-de-passe-solide-2026")
        page.get_by_label("Confirmation du nouveau mot de passe").fill("Un-mot-de-passe-solide-2026")
        page.get_by_role("button", name="Enregistrer le mot de passe").click()
        expect(page.get_by_role("heading", level=1, name="Mot de passe enregistré")).to_be_visible()
        verifier_accessibilite(page, "Mot de passe enregistré")
        page.goto(lien)
        expect(page.get_by_role("heading", level=1, name="Lien invalide ou expiré")).to_be_visible()
        verifier_accessibilite(page, "Lien invalide ou expiré")
        _rien_de_coupe(page, "Lien invalide ou expiré")

        # Too many failures: the login is blocked.
        page.goto(f"{navigateur.url}/connexion/")
        for _ in range(6):
            if page.get_by_role("heading", level=1, name="Connexion temporairement bloquée").count():
                break
            page.get_by_label("Identifiant").fill("unikalo")
            page.get_by_label("Mot de passe").fill("pas-le-bon")
            page.get_by_role("button", name="Se connecter").click()
        expect(page.get_by_role("heading", level=1, name="Connexion temporairement bloquée")).to_be_visible()
        verifier_accessibilite(page, "Connexion temporairement bloquée")
        _rien_de_coupe(page, "Connexion temporairement bloquée")
    finally:
        page.context.close()
