"""The import screens in Chromium, as a supplier meets them (issue 12): the imports list's buttons
show their label; after « Simuler » the focus is on the result message; the line errors are one link
away; axe-core finds no serious or critical violation on the imports list and on the import screen
empty, with a format error, with line errors, after a successful simulation and once imported — at
1280 px and at 375 px. Each state is also captured (full page, PNG) in the test's tmp_path."""

import copy
import json

import pytest

from tests.imports.ecran_import import (
    AIDE_ETAPE_SUIVANTE,
    AIDE_IMPORTER_VIERGE,
    CRITERE_ECHECS,
    PHRASE_BALISES,
    VOIR_LES_ERREURS,
)
from tests.navigateur.accessibilite import LARGEURS, verifier_accessibilite
from tests.pages import MESSAGE_ERREURS, MESSAGE_FORMAT, MESSAGE_SUCCES

FOCUS_SUR_LE_RESULTAT = (
    "document.activeElement !== null && document.activeElement.closest('[data-focus-resultat]') !== null"
)
# Text cut by its box (the 40 px icon squares of issue 12): the element's content is wider than the element.
TEXTE_COUPE = "element => element.scrollWidth > element.clientWidth + 1"


def auditer(page, ecran: str, captures) -> None:
    """axe-core at each width, and a full-page capture of each."""
    for nom, taille in LARGEURS.items():
        page.set_viewport_size(taille)
        verifier_accessibilite(page, ecran)
        page.screenshot(path=str(captures / f"{ecran}-{nom}.png"), full_page=True)
    page.set_viewport_size(LARGEURS["bureau"])


def simuler(page, url: str, fichier, taux: str = "20 %") -> None:
    """The simulation form filled as the guide says, then « Simuler »."""
    page.goto(f"{url}/imports/simulation/")
    page.get_by_label("Type de demande").select_option(label="Avance")
    page.get_by_label("Numéro ANS").select_option(label="mlp525off1")
    page.get_by_label("Taux de TVA").select_option(label=taux)
    page.get_by_label("Choisissez le fichier").set_input_files(str(fichier))
    page.get_by_role("button", name="Simuler").click()
    page.wait_for_url(f"{url}/imports/*/")


@pytest.mark.browser
def test_ecrans_d_import_focus_lien_vers_les_erreurs_et_accessibilite(navigateur, tmp_path, exemple_ttc, document_ttc):
    from playwright.sync_api import expect

    captures = tmp_path / "captures"
    captures.mkdir()
    valide = tmp_path / "avance-structure-ttc.json"
    valide.write_bytes(exemple_ttc)
    document = copy.deepcopy(document_ttc)
    document["lignesImport"][0]["numLigne"] = 7
    document["lignesImport"][0]["beneficiaires"]["structure"]["FINESSGeo"][1] = "020015112"
    en_erreur = tmp_path / "avance-finess-invalide.json"
    en_erreur.write_text(json.dumps(document, ensure_ascii=False, indent=2), encoding="utf-8")
    illisible = tmp_path / "notes.json"
    illisible.write_bytes(b"ceci n'est pas du JSON\n")

    page = navigateur.nouvelle_page()
    navigateur.se_connecter(page, "relais")
    page.wait_for_url(f"{navigateur.url}/")

    # « Rechercher l'import de mes JSONs… »: the two buttons show their whole label, at both widths
    page.goto(f"{navigateur.url}/imports/")
    for taille in LARGEURS.values():
        page.set_viewport_size(taille)
        for lien in ("Importer des demandes", "Exporter (CSV)"):
            bouton = page.get_by_role("link", name=lien)
            expect(bouton).to_be_visible()
            assert not bouton.evaluate(TEXTE_COUPE), f"« {lien} » coupé à {taille['width']} px"
            assert bouton.bounding_box()["width"] > 100, lien
    page.set_viewport_size(LARGEURS["bureau"])
    auditer(page, "liste des imports", captures)

    # The empty screen: greyed buttons say why; at 375 px the steps and récapitulatif stay short
    page.get_by_role("link", name="Importer des demandes").click()
    page.wait_for_url(f"{navigateur.url}/imports/simulation/")
    expect(page.get_by_text(AIDE_IMPORTER_VIERGE)).to_be_visible()
    expect(page.get_by_text(AIDE_ETAPE_SUIVANTE)).to_be_visible()
    expect(page.get_by_role("button", name="Importer", exact=True)).to_have_accessible_description(AIDE_IMPORTER_VIERGE)
    assert not page.evaluate(FOCUS_SUR_LE_RESULTAT)
    auditer(page, "import vierge", captures)
    page.set_viewport_size(LARGEURS["mobile"])
    # between the title and the form's heading: a stepper and a closed « Récapitulatif » (~700 px before)
    titre = page.get_by_role("heading", name="Importer les demandes", level=1).bounding_box()
    formulaire = page.get_by_role("heading", name="Import des demandes d'avance ou de solde").bounding_box()
    assert formulaire["y"] - (titre["y"] + titre["height"]) < 250, (titre, formulaire)
    recapitulatif = page.get_by_role("button", name="Récapitulatif")
    expect(recapitulatif).to_have_attribute("aria-expanded", "false")
    expect(page.get_by_text("SIRET : 77625125800013").first).to_be_hidden()
    recapitulatif.click()
    expect(recapitulatif).to_have_attribute("aria-expanded", "true")
    expect(page.locator("#recapitulatif-mobile").get_by_text("SIRET : 77625125800013")).to_be_visible()
    expect(page.get_by_role("navigation", name="Étapes de l'import")).to_be_hidden()
    page.set_viewport_size(LARGEURS["bureau"])

    # A file that is not JSON: the format refusal, focused, with the sentence on the tags
    simuler(page, navigateur.url, illisible)
    expect(page.get_by_text(MESSAGE_FORMAT)).to_be_visible()
    expect(page.get_by_text(PHRASE_BALISES)).to_be_visible()
    assert page.evaluate(FOCUS_SUR_LE_RESULTAT)
    auditer(page, "import erreur de format", captures)

    # A file with a line in error, at 375 px: focus on the result, then one link to the errors table
    page.set_viewport_size(LARGEURS["mobile"])
    simuler(page, navigateur.url, en_erreur)
    expect(page.get_by_text(MESSAGE_ERREURS)).to_be_visible()
    assert page.evaluate(FOCUS_SUR_LE_RESULTAT)
    page.keyboard.press("Tab")  # the first control after the message is its link to the errors
    expect(page.get_by_role("link", name=VOIR_LES_ERREURS)).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Erreurs par demande")).to_be_focused()
    tableau = page.locator("#tableau-erreurs")
    expect(tableau.get_by_role("cell", name="7", exact=True)).to_be_visible()  # numLigne, not the rank
    code = tableau.get_by_role("link", name="E302")
    expect(code).to_have_attribute("href", "/imports/documentation/#regle-E302")
    # the table's scroll region is the next stop of the keyboard: its arrows scroll it
    page.keyboard.press("Tab")
    expect(page.get_by_role("region", name="Erreurs par demande")).to_be_focused()
    page.set_viewport_size(LARGEURS["bureau"])
    auditer(page, "import erreurs de lignes", captures)

    # The guide's valid file: success, focused, « Importer » enabled
    simuler(page, navigateur.url, valide)
    expect(page.get_by_text(MESSAGE_SUCCES)).to_be_visible()
    assert page.evaluate(FOCUS_SUR_LE_RESULTAT)
    expect(page.get_by_role("button", name="Importer", exact=True)).to_be_enabled()
    auditer(page, "import simulation réussie", captures)

    # « Importer », then back on the screen of the imported file: no focus grab, greyed « Importer » explained
    url_ecran = page.url
    page.get_by_role("button", name="Importer", exact=True).click()
    page.wait_for_url(f"{navigateur.url}/pieces-jointes/*/")
    page.goto(url_ecran)
    expect(page.get_by_text("a été importé le")).to_be_visible()
    expect(page.get_by_role("button", name="Importer", exact=True)).to_be_disabled()
    assert not page.evaluate(FOCUS_SUR_LE_RESULTAT)
    auditer(page, "import importé", captures)

    # The list, failed simulations hidden by default, shown with the criterion
    page.goto(f"{navigateur.url}/imports/")
    lignes = page.locator("#liste-imports tbody tr")
    expect(lignes).to_have_count(1)  # the imported file only: the two failed simulations are hidden
    expect(page.get_by_text("2 simulation(s) en échec masquée(s)")).to_be_visible()
    page.locator("label", has_text=CRITERE_ECHECS).click()  # the DSFR checkbox: its label is what one clicks
    expect(page.get_by_label(CRITERE_ECHECS)).to_be_checked()
    page.get_by_role("button", name="Rechercher").click()
    expect(page.get_by_role("cell", name="notes.json")).to_be_visible()
    expect(page.get_by_role("cell", name="avance-finess-invalide.json")).to_be_visible()
    auditer(page, "liste des imports avec les échecs", captures)
    page.context.close()
