"""The page « Notifications » in Chromium, as a supplier meets it: a manager rejects a dossier (the
real service, its transaction really committed), the mail is captured, the supplier opens
« Notifications » from the menu, reads the motif and follows the link to the dossier; axe-core finds
no serious or critical violation on the page, full or empty, at 1280 and 375 px."""

import pytest
from django.core import mail

from demandes import services
from demandes.valeurs import StatutDemande
from tests.factories import creer_demande
from tests.navigateur.accessibilite import LARGEURS, violations_bloquantes
from tests.parcours import utilisateur


@pytest.mark.browser
def test_le_fournisseur_lit_sa_notification_et_va_au_dossier(navigateur, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mail.outbox = []
    relais = utilisateur("relais")
    relais.email = "contact@relais.example"
    relais.save()
    demande = creer_demande(1, StatutDemande.DEPOSEE)
    services.changer_statut(
        [demande], transition="rejet", utilisateur=utilisateur("gestionnaire"), motif="Bon de commande illisible"
    )
    assert [(m.to, m.subject) for m in mail.outbox] == [
        (["contact@relais.example"], "Ségur numérique : demande FINMDV000001M0 rejetée")
    ]
    assert "Motif du rejet :\nBon de commande illisible" in mail.outbox[0].body

    page = navigateur.nouvelle_page()
    try:
        navigateur.se_connecter(page, "relais")
        page.get_by_role("navigation", name="Menu principal").get_by_role("link", name="Notifications").click()
        page.wait_for_url("**/notifications/")
        assert page.get_by_role("heading", level=2).all_inner_texts() == [
            "Ségur numérique : demande FINMDV000001M0 rejetée"
        ]
        assert "Bon de commande illisible" in page.locator("#notifications").inner_text()
        constats = {}
        for taille in LARGEURS.values():
            page.set_viewport_size(taille)
            constats[f"avec une notification, {taille['width']} px"] = violations_bloquantes(page)
        page.set_viewport_size(LARGEURS["bureau"])
        page.locator("#notifications").get_by_role("link", name="FINMDV000001M0").click()
        page.wait_for_url(f"**/demandes/{demande.pk}/")
        assert "FINMDV000001M0" in page.get_by_role("heading", level=1).inner_text()
        assert "Motif du rejet : Bon de commande illisible" in page.locator("#suite-a-donner").inner_text()
    finally:
        page.context.close()

    vide = navigateur.nouvelle_page()
    try:
        navigateur.se_connecter(vide, "hopital")
        vide.goto(f"{navigateur.url}/notifications/")
        assert "Aucune notification pour le moment" in vide.locator("main").inner_text()
        for taille in LARGEURS.values():
            vide.set_viewport_size(taille)
            constats[f"vide, {taille['width']} px"] = violations_bloquantes(vide)
    finally:
        vide.context.close()
    assert not {ecran: liste for ecran, liste in constats.items() if liste}
