"""The real import in a real browser: simulation of the guide's TTC example, « Importer », the step
« 2 - Pièces jointes » with the expected piece, then the two tracking tables and the demande page.
Headless Chromium through Playwright, set up as in test_navigateur.py (no skip: CI installs it)."""
import re

import pytest

CHROMIUM = "/usr/bin/chromium"
ARGUMENTS_CHROMIUM = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                      "--disable-component-update", "--disable-sync"]
MESSAGE_SUCCES = "La simulation de l'import s'est déroulée correctement."
COLONNES_IMPORTS = ["Identifiant", "Date d'importation", "Numéro ANS", "Type de demande", "Nom du fichier",
                    "Nbre de demande", "Nbre de demandes retenues", "Nbre de demandes rejetées", "Fichier JSON", "État"]


@pytest.mark.browser
def test_import_reel_dans_le_navigateur(live_server, transactional_db, settings, tmp_path, monkeypatch, exemple_ttc):
    from playwright.sync_api import expect, sync_playwright

    from demandes import referentiels
    from demandes.management.commands.seed_demo import creer_donnees_demo
    from demandes.models import Couloir, Demande, Logiciel, OperateurMessagerie, TypePiece
    from imports.models import Import

    # Playwright's sync API runs an event loop in this thread; the ORM is used around it.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    settings.MEDIA_ROOT = str(tmp_path / "fichiers")
    # The live server speaks plain HTTP.
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False

    # A transactional test starts from whatever the previous one left: reload the référentiels.
    referentiels.charger(Couloir, Logiciel, OperateurMessagerie, TypePiece)
    creer_donnees_demo()

    valide = tmp_path / "avance-structure-ttc.json"
    valide.write_bytes(exemple_ttc)

    with sync_playwright() as p:
        navigateur = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGUMENTS_CHROMIUM)
        try:
            contexte = navigateur.new_context(accept_downloads=True, locale="fr-FR", viewport={"width": 1280, "height": 900})
            page = contexte.new_page()
            page.set_default_timeout(20_000)

            # « Connexion »
            page.goto(f"{live_server.url}/connexion/")
            page.get_by_label("Identifiant").fill("relais")
            page.get_by_label("Mot de passe").fill("demo")
            page.get_by_role("button", name="Se connecter").click()
            page.wait_for_url(f"{live_server.url}/")

            # Simulation of the guide's valid file
            page.goto(f"{live_server.url}/imports/importer/")
            page.get_by_label("Type de demande").select_option(label="Avance")
            page.get_by_label("Numéro ANS").select_option(label="mlp525off1")
            page.get_by_label("Taux de TVA").select_option(label="20 %")
            page.get_by_label("Choisissez le fichier").set_input_files(str(valide))
            page.get_by_role("button", name="Simuler").click()
            expect(page.get_by_text(MESSAGE_SUCCES)).to_be_visible()
            import_json = Import.objects.get(nom_fichier="avance-structure-ttc.json")
            assert page.url == f"{live_server.url}/imports/{import_json.pk}/"
            assert not Demande.objects.exists()

            # « Importer » → « 2 - Pièces jointes »
            importer = page.get_by_role("button", name="Importer", exact=True)
            expect(importer).to_be_enabled()
            importer.click()
            page.wait_for_url(f"{live_server.url}/pieces-jointes/{import_json.pk}/")
            expect(page.get_by_role("link", name="2 - Pièces jointes")).to_have_attribute("aria-current", "step")
            expect(page.get_by_text("L'import s'est déroulé correctement : 1 demande(s) retenue(s), "
                                    "0 demande(s) rejetée(s).")).to_be_visible()
            expect(page.get_by_role("cell", name="MDV-LGC-Va1-BDC-00001.pdf", exact=True)).to_be_visible()
            expect(page.get_by_text("FINMDV000001M0").first).to_be_visible()
            import_json.refresh_from_db()
            assert import_json.etat == Import.Etat.IMPORTE
            assert (import_json.nb_retenues, import_json.nb_rejetees) == (1, 0)

            # Back on the import screen, « Importer » is disabled for good
            page.goto(f"{live_server.url}/imports/{import_json.pk}/")
            expect(page.get_by_role("button", name="Importer", exact=True)).to_be_disabled()
            expect(page.get_by_role("link", name="Etape suivante")).to_have_attribute(
                "href", f"/pieces-jointes/{import_json.pk}/")

            # « Importation JSONs »: the row of the import, 1 retained, 0 rejected
            menu = page.get_by_role("navigation", name="Menu principal")
            menu.get_by_role("link", name="Importation JSONs").click()
            page.wait_for_url(f"{live_server.url}/imports/")
            tableau = page.locator("#liste-imports table")
            entetes = [" ".join(t.split()) for t in tableau.locator("thead tr").first.locator("th").all_inner_texts()]
            assert entetes == COLONNES_IMPORTS
            rangee = tableau.locator("tbody tr").filter(has=page.get_by_role("link", name=str(import_json.pk), exact=True))
            expect(rangee).to_have_count(1)
            cellules = [" ".join(t.split()) for t in rangee.locator("td").all_inner_texts()]
            assert cellules[2:8] == ["mlp525off1", "Avance", "avance-structure-ttc.json", "1", "1", "0"]
            assert cellules[9] == "Importé — pièces jointes à déposer"

            # « Demandes financement »: FINMDV000001M0 « En attente des pièces »
            menu.get_by_role("link", name="Demandes financement").click()
            page.wait_for_url(f"{live_server.url}/demandes/")
            rangee = page.locator("#liste-demandes tbody tr").filter(has_text="FINMDV000001M0")
            expect(rangee).to_have_count(1)
            expect(rangee).to_contain_text("En attente des pièces")
            expect(rangee).to_contain_text("AVANCE")
            demande = Demande.objects.get()
            rangee.get_by_role("link", name="FINMDV000001M0").click()
            page.wait_for_url(f"{live_server.url}/demandes/{demande.pk}/")
            expect(page.get_by_role("heading", name=re.compile(r"Demande avance FINMDV000001M0"))).to_be_visible()
            expect(page.get_by_text("Établissement (FINESS géographique) : 020015772")).to_be_visible()
            expect(page.get_by_role("cell", name="MDV-LGC-Va1-BDC-00001.pdf", exact=True)).to_be_visible()
            expect(page.locator("#historique tbody tr")).to_have_count(1)
            expect(page.locator("#historique")).to_contain_text("En attente des pièces")
            contexte.close()
        finally:
            navigateur.close()
