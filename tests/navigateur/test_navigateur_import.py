"""The real import in a real browser: simulation of the guide's TTC example, « Importer », the step
« 2 - Pièces jointes » with the expected piece, then the two tracking tables and the demande page.
Headless Chromium through Playwright, from the fixture `navigateur` of conftest.py (no skip: CI installs it)."""

import re

import pytest

from tests.pages import COLONNES_IMPORTS, MESSAGE_SUCCES


@pytest.mark.browser
def test_import_reel_dans_le_navigateur(navigateur, tmp_path, exemple_ttc):
    from playwright.sync_api import expect

    from demandes.models import Demande
    from imports.models import Import

    valide = tmp_path / "avance-structure-ttc.json"
    valide.write_bytes(exemple_ttc)

    page = navigateur.nouvelle_page()

    # « Connexion »
    navigateur.se_connecter(page, "relais")
    page.wait_for_url(f"{navigateur.url}/")

    # Simulation of the guide's valid file
    page.goto(f"{navigateur.url}/imports/simulation/")
    page.get_by_label("Type de demande").select_option(label="Avance")
    page.get_by_label("Numéro ANS").select_option(label="mlp525off1")
    page.get_by_label("Taux de TVA").select_option(label="20 %")
    page.get_by_label("Choisissez le fichier").set_input_files(str(valide))
    page.get_by_role("button", name="Simuler").click()
    expect(page.get_by_text(MESSAGE_SUCCES)).to_be_visible()
    import_demandes = Import.objects.get(nom_fichier="avance-structure-ttc.json")
    assert page.url == f"{navigateur.url}/imports/{import_demandes.pk}/"
    assert not Demande.objects.exists()

    # « Importer » → « 2 - Pièces jointes »
    importer = page.get_by_role("button", name="Importer", exact=True)
    expect(importer).to_be_enabled()
    importer.click()
    page.wait_for_url(f"{navigateur.url}/pieces-jointes/{import_demandes.pk}/")
    expect(page.get_by_role("link", name="2 - Pièces jointes")).to_have_attribute("aria-current", "step")
    expect(
        page.get_by_text("L'import s'est déroulé correctement : 1 demande(s) retenue(s), 0 demande(s) rejetée(s).")
    ).to_be_visible()
    expect(page.get_by_role("cell", name="MDV-LGC-Va1-BDC-00001.pdf", exact=True)).to_be_visible()
    expect(page.get_by_text("FINMDV000001M0").first).to_be_visible()
    import_demandes.refresh_from_db()
    assert import_demandes.etat == Import.Etat.IMPORTE
    assert (import_demandes.nb_retenues, import_demandes.nb_rejetees) == (1, 0)

    # Back on the import screen, « Importer » is disabled for good
    page.goto(f"{navigateur.url}/imports/{import_demandes.pk}/")
    expect(page.get_by_role("button", name="Importer", exact=True)).to_be_disabled()
    expect(page.get_by_role("link", name="Etape suivante")).to_have_attribute(
        "href", f"/pieces-jointes/{import_demandes.pk}/"
    )

    # « Importation JSONs »: the row of the import, 1 retained, 0 rejected
    menu = page.get_by_role("navigation", name="Menu principal")
    menu.get_by_role("link", name="Importation JSONs").click()
    page.wait_for_url(f"{navigateur.url}/imports/")
    tableau = page.locator("#liste-imports table")
    entetes = [" ".join(t.split()) for t in tableau.locator("thead tr").first.locator("th").all_inner_texts()]
    assert entetes == COLONNES_IMPORTS
    rangee = tableau.locator("tbody tr").filter(has=page.get_by_role("link", name=str(import_demandes.pk), exact=True))
    expect(rangee).to_have_count(1)
    cellules = [" ".join(t.split()) for t in rangee.locator("td").all_inner_texts()]
    assert cellules[2:8] == ["mlp525off1", "Avance", "avance-structure-ttc.json", "1", "1", "0"]
    assert cellules[9] == "Importé — pièces jointes à déposer"

    # « Demandes financement »: FINMDV000001M0 « En attente des pièces »
    menu.get_by_role("link", name="Demandes financement").click()
    page.wait_for_url(f"{navigateur.url}/demandes/")
    rangee = page.locator("#liste-demandes tbody tr").filter(has_text="FINMDV000001M0")
    expect(rangee).to_have_count(1)
    expect(rangee).to_contain_text("En attente des pièces")
    expect(rangee).to_contain_text("AVANCE")
    demande = Demande.objects.get()
    rangee.get_by_role("link", name="FINMDV000001M0").click()
    page.wait_for_url(f"{navigateur.url}/demandes/{demande.pk}/")
    expect(page.get_by_role("heading", name=re.compile(r"Demande avance FINMDV000001M0"))).to_be_visible()
    expect(page.get_by_text("Établissement (FINESS géographique) : 020015772")).to_be_visible()
    expect(page.get_by_role("cell", name="MDV-LGC-Va1-BDC-00001.pdf", exact=True)).to_be_visible()
    expect(page.locator("#historique tbody tr")).to_have_count(1)
    expect(page.locator("#historique")).to_contain_text("En attente des pièces")
    page.context.close()
