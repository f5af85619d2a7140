"""The guide's path in a real browser: login, menu, simulation of a valid file, then of a file
with an error and download of the output file. Headless Chromium through Playwright.

No skip: without Chromium at /usr/bin/chromium the test fails (CI installs it): see the fixture
`navigateur` in conftest.py."""

import copy
import json

import pytest

from tests.pages import MESSAGE_ERREURS, MESSAGE_SUCCES


@pytest.mark.browser
def test_simulation_dans_le_navigateur(navigateur, tmp_path, exemple_ttc, document_ttc):
    from playwright.sync_api import expect

    from imports.models import Import

    valide = tmp_path / "avance-structure-ttc.json"
    valide.write_bytes(exemple_ttc)
    document = copy.deepcopy(document_ttc)
    document["lignesImport"][0]["beneficiaires"]["structure"]["FINESSGeo"][1] = "020015112"
    invalide = tmp_path / "avance-finess-invalide.json"
    invalide.write_text(json.dumps(document, ensure_ascii=False, indent=2), encoding="utf-8")

    page = navigateur.nouvelle_page()

    # « Connexion »
    navigateur.se_connecter(page, "relais")
    page.wait_for_url(f"{navigateur.url}/")

    # Menu « Importation JSONs » → « Importer des demandes »
    page.get_by_role("navigation", name="Menu principal").get_by_role("link", name="Importation JSONs").click()
    page.wait_for_url(f"{navigateur.url}/imports/")
    page.get_by_role("link", name="Importer des demandes").click()
    page.wait_for_url(f"{navigateur.url}/imports/simulation/")
    expect(page.get_by_role("heading", name="Importer les demandes")).to_be_visible()
    importer = page.get_by_role("button", name="Importer", exact=True)
    expect(importer).to_be_disabled()

    # Simulation of the guide's valid file
    page.get_by_label("Type de demande").select_option(label="Avance")
    page.get_by_label("Numéro ANS").select_option(label="mlp525off1")
    page.get_by_label("Taux de TVA").select_option(label="20 %")
    page.get_by_label("Choisissez le fichier").set_input_files(str(valide))
    page.get_by_role("button", name="Simuler").click()
    expect(page.get_by_text(MESSAGE_SUCCES)).to_be_visible()
    expect(page.get_by_role("button", name="Importer", exact=True)).to_be_enabled()
    import_reussi = Import.objects.get(nom_fichier="avance-structure-ttc.json")
    assert import_reussi.simulation_reussie
    assert page.url == f"{navigateur.url}/imports/{import_reussi.pk}/"

    # Simulation of a file with a wrong FINESS key
    page.get_by_label("Type de demande").select_option(label="Avance")
    page.get_by_label("Numéro ANS").select_option(label="mlp525off1")
    page.get_by_label("Taux de TVA").select_option(label="20 %")
    page.get_by_label("Choisissez le fichier").set_input_files(str(invalide))
    page.get_by_role("button", name="Simuler").click()
    expect(page.get_by_text(MESSAGE_ERREURS)).to_be_visible()
    expect(page.get_by_text(MESSAGE_SUCCES)).to_have_count(0)
    expect(page.get_by_role("button", name="Importer", exact=True)).to_be_disabled()
    expect(page.get_by_role("cell", name="clé FINESS invalide (020015112)")).to_be_visible()

    with page.expect_download() as attente:
        page.get_by_role("link", name="Télécharger le fichier de sortie").click()
    telechargement = attente.value
    assert telechargement.suggested_filename == "avance-finess-invalide_sortie.json"
    sortie = open(telechargement.path(), encoding="utf-8").read()
    assert "E302" in sortie
    assert "clé FINESS invalide (020015112)" in sortie
    import_en_erreur = Import.objects.get(nom_fichier="avance-finess-invalide.json")
    assert json.loads(sortie)["impId"] == import_en_erreur.pk

    # « Fermer » closes the result message
    page.locator("#resultat-simulation").get_by_role("button", name="Fermer").click()
    expect(page.get_by_text(MESSAGE_ERREURS)).to_have_count(0)
    page.context.close()
