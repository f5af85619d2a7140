"""Step « 2 - Pièces jointes » in Chromium, in each of its states, at 1280 px and at 375 px: axe-core
finds no serious or critical violation; before any zip the expected pieces are an information (no
warning), their names readable whole on a phone; after each zip the page shows its outcome first and
focuses it; a zip whose every file was refused is « Refusé », its reasons in sight; « Terminer »
returns to the step with its result focused. A real Celery worker processes the zips."""

import re

import pytest

from tests.documents import fichier_deux_lignes, ligne_valide, vers_octets
from tests.factories import ELF, NOM_PIECE, PDF, PDF_BIS, zip_de
from tests.navigateur.accessibilite import LARGEURS, verifier_accessibilite
from tests.pages import MESSAGE_COMPLET
from tests.piecesjointes.etape import AIDE_TERMINER_MANQUANTES, TERMINE

DELAI_TRAITEMENT = 60_000  # ms: upload, task on the broker, processing, the page polling then loading the result
# A name of 96 characters without a break opportunity after its prefix (the nomenclature's « -n »).
NOM_LONG = "MDV-LGC-Va1-BDC-00002-" + "1" * 70 + ".pdf"
MOTIF_ELF = "le contenu (application/x-executable) n'est pas un fichier PDF"
MOTIF_INCONNU = "nom inconnu : aucune demande retenue de cet import n'annonce ce fichier"

# Whether every piece name shown in a list is whole on screen: inside the viewport and not clipped
# by its line (a name that overflows is cut at 375 px).
NOMS_ENTIERS = """selecteur => Array.from(document.querySelectorAll(selecteur + " li code")).map(code => {
  const boite = code.getBoundingClientRect(), ligne = code.closest("li");
  return {nom: code.textContent, entier: boite.left >= 0 && boite.right <= window.innerWidth
          && ligne.scrollWidth <= ligne.clientWidth};
})"""


def _document_avec_nom_long(document_ttc) -> bytes:
    document = dict(document_ttc)
    premiere, seconde = ligne_valide(document_ttc, 1), ligne_valide(document_ttc, 2)
    seconde["piecesJustificatives"][0]["nomFichier"] = NOM_LONG
    document["lignesImport"] = [premiere, seconde]
    return vers_octets(document)


def _aux_deux_largeurs(page, ecran: str, verifier=None):
    """axe-core on the page at 1280 px then at 375 px (and `verifier(page, largeur)` at each)."""
    for nom, taille in LARGEURS.items():
        page.set_viewport_size(taille)
        verifier_accessibilite(page, ecran)
        if verifier:
            verifier(page, nom)
    page.set_viewport_size(LARGEURS["bureau"])


def _noms_entiers(selecteur):
    def verifier(page, largeur):
        noms = page.evaluate(NOMS_ENTIERS, selecteur)
        assert noms and all(n["entier"] for n in noms), (largeur, noms)

    return verifier


def _deposer(page, chemin, url_avant: str):
    """Choose the zip, « Importer », and wait for the page to show its outcome (?zip=<pk>)."""
    page.get_by_label("Importer un fichier zip").set_input_files(str(chemin))
    page.get_by_role("button", name="Importer", exact=True).click()
    page.wait_for_url(lambda url: "?zip=" in url and url != url_avant, timeout=DELAI_TRAITEMENT)
    return page.url


@pytest.mark.browser
def test_etape_pieces_jointes_accessible_dans_chacun_de_ses_etats(navigateur, worker_celery, tmp_path, document_ttc):
    from playwright.sync_api import expect

    from tests.parcours import simuler_et_importer

    assert "1" * 70 in NOM_LONG and len(NOM_LONG) == 96
    import_demandes = simuler_et_importer("relais", _document_avec_nom_long(document_ttc), nom="deux-lignes.json")
    url_etape = f"{navigateur.url}/pieces-jointes/{import_demandes.pk}/"
    tout_refuse, en_partie, complet = tmp_path / "tout-refuse.zip", tmp_path / "en-partie.zip", tmp_path / "complet.zip"
    tout_refuse.write_bytes(zip_de((NOM_PIECE, ELF), ("inattendu.pdf", PDF)))
    en_partie.write_bytes(zip_de((NOM_PIECE, PDF), (NOM_LONG, ELF)))
    complet.write_bytes(zip_de((NOM_LONG, PDF_BIS)))

    page = navigateur.nouvelle_page()
    navigateur.se_connecter(page, "relais")
    page.wait_for_url(f"{navigateur.url}/")
    page.goto(url_etape)

    # before any zip: the expected pieces, as an information; no warning, no result to focus
    a_deposer = page.locator("#pieces-a-deposer")
    expect(a_deposer).to_contain_text("2 pièce(s) jointe(s) attendue(s)")
    expect(a_deposer).to_contain_text(NOM_LONG)
    expect(page.locator("#pieces-manquantes")).to_have_count(0)
    expect(page.locator(".fr-alert--warning")).to_have_count(0)
    expect(page.locator("[data-focus-resultat]")).to_have_count(0)
    menu = page.get_by_role("navigation", name="Menu principal")
    expect(menu.get_by_role("link", name="Importation JSONs")).to_have_attribute("aria-current", "page")
    terminer = page.get_by_role("button", name="Terminer")
    expect(terminer).to_be_disabled()
    expect(terminer).to_have_accessible_description(AIDE_TERMINER_MANQUANTES.format(n=2))
    expect(page.get_by_text(AIDE_TERMINER_MANQUANTES.format(n=2))).to_be_visible()
    _aux_deux_largeurs(page, "Pièces jointes avant tout zip", _noms_entiers("#pieces-a-deposer"))

    # a zip whose every file is refused: « Refusé », its reasons in sight, the result focused
    url = _deposer(page, tout_refuse, url_etape)
    resultat = page.locator("#resultat-zip")
    expect(resultat).to_be_focused()
    expect(resultat).to_have_class(re.compile(r"fr-alert--error"))
    expect(resultat).to_contain_text("Fichier « tout-refuse.zip » refusé : aucun de ses 2 fichier(s) n'a été accepté")
    expect(resultat).to_contain_text(f"{NOM_PIECE} — {MOTIF_ELF}")
    assert page.evaluate("() => document.querySelector('main').firstElementChild.id") == "resultat-zip"
    ligne = page.locator("#zips tr", has_text="tout-refuse.zip")
    badge = ligne.locator(".fr-badge")
    expect(badge).to_have_text("Refusé")
    expect(badge).to_have_class(re.compile(r"fr-badge--error"))
    expect(ligne.get_by_text(f"inattendu.pdf — refusé : {MOTIF_INCONNU}")).to_be_visible()  # no click
    expect(page.locator("#pieces-manquantes")).to_contain_text("2 pièce(s) jointe(s) manquante(s)")
    expect(page.locator("#pieces-a-deposer")).to_have_count(0)
    _aux_deux_largeurs(page, "Pièces jointes après un zip tout refusé", _noms_entiers("#pieces-manquantes"))

    # a zip partly refused: « Traité avec refus »
    url = _deposer(page, en_partie, url)
    expect(resultat).to_be_focused()
    expect(resultat).to_have_class(re.compile(r"fr-alert--warning"))
    expect(resultat).to_contain_text(f"{NOM_LONG} — {MOTIF_ELF}")
    ligne = page.locator("#zips tr", has_text="en-partie.zip")
    expect(ligne.locator(".fr-badge")).to_have_text("Traité avec refus")
    expect(ligne.locator(".fr-badge")).to_have_class(re.compile(r"fr-badge--warning"))
    expect(ligne.get_by_text(f"{NOM_LONG} — refusé : {MOTIF_ELF}")).to_be_visible()
    expect(page.locator("#pieces-manquantes")).to_contain_text("1 pièce(s) jointe(s) manquante(s)")
    _aux_deux_largeurs(page, "Pièces jointes après un zip en partie refusé", _noms_entiers("#pieces-manquantes"))

    # a zip fully accepted: « OK », nothing missing, « Terminer » available
    _deposer(page, complet, url)
    expect(resultat).to_be_focused()
    expect(resultat).to_have_class(re.compile(r"fr-alert--success"))
    expect(resultat).to_contain_text("Fichier « complet.zip » traité : 1 fichier(s) accepté(s)")
    ligne = page.locator("#zips tr", has_text="complet.zip")
    expect(ligne.locator(".fr-badge")).to_have_text("OK")
    expect(ligne.locator(".fr-badge")).to_have_class(re.compile(r"fr-badge--success"))
    expect(page.get_by_text(MESSAGE_COMPLET)).to_be_visible()
    expect(page.locator("#pieces-manquantes")).to_have_count(0)
    expect(terminer).to_be_enabled()
    _aux_deux_largeurs(page, "Pièces jointes après un zip tout accepté")

    # « Terminer », from the keyboard: back on the step, its result first and focused
    terminer.focus()
    page.keyboard.press("Enter")
    page.wait_for_url(url_etape)
    focus = page.locator("[data-focus-resultat]")
    expect(focus).to_have_text(TERMINE.format(n=2))
    expect(focus).to_be_focused()
    expect(page.get_by_text("Cet import est terminé")).to_be_visible()
    _aux_deux_largeurs(page, "Pièces jointes, import terminé")
    page.context.close()


@pytest.mark.browser
def test_progression_jamais_zero_sur_zero(navigateur, document_ttc):
    """A zip taken by the worker whose entries are not counted yet: the page says the processing is
    being prepared, never « 0 / 0 »; once counted, « n / N fichier(s) traité(s) »."""
    from playwright.sync_api import expect

    from piecesjointes.models import ZipDepose
    from tests.parcours import simuler_et_importer

    import_demandes = simuler_et_importer("relais", fichier_deux_lignes(document_ttc), nom="deux-lignes.json")
    page = navigateur.nouvelle_page()
    navigateur.se_connecter(page, "relais")
    page.wait_for_url(f"{navigateur.url}/")
    # no worker here: the zip waits, as the broker left it; then it is « taken », uncounted
    depot = ZipDepose.objects.create(
        import_demandes=import_demandes,
        fournisseur=import_demandes.fournisseur,
        nom_fichier="lot.zip",
        statut=ZipDepose.Statut.EN_COURS,
    )
    page.goto(f"{navigateur.url}/pieces-jointes/{import_demandes.pk}/")
    expect(page.locator("#zips tr", has_text="lot.zip")).to_contain_text("En cours Préparation du traitement…")
    expect(page.locator("#texte-progression")).to_have_text("Préparation du traitement…")
    expect(page.locator("#libelle-progression")).to_have_text("Traitement du fichier zip…")
    ZipDepose.objects.filter(pk=depot.pk).update(nb_entrees=3, nb_traitees=1)
    expect(page.locator("#texte-progression")).to_have_text("1 / 3 fichier(s) traité(s)")
    expect(page.locator("#barre-progression")).to_have_attribute("max", "3")
    verifier_accessibilite(page, "Pièces jointes, zip en cours")
    page.context.close()


@pytest.mark.browser
def test_zip_trop_gros_refuse_dans_la_page(navigateur, document_ttc, settings, tmp_path):
    """A zip over the limit is refused before its upload: the reason, with the limit, takes the focus;
    « Importer » is available again for another file."""
    from playwright.sync_api import expect

    from piecesjointes.models import ZipDepose
    from tests.factories import zip_de_taille
    from tests.parcours import simuler_et_importer

    settings.SEGUR_MAX_ZIP_BYTES = 1000
    trop_gros = tmp_path / "trop-gros.zip"
    trop_gros.write_bytes(zip_de_taille(1001))
    import_demandes = simuler_et_importer("relais", fichier_deux_lignes(document_ttc), nom="deux-lignes.json")
    page = navigateur.nouvelle_page()
    navigateur.se_connecter(page, "relais")
    page.wait_for_url(f"{navigateur.url}/")
    page.goto(f"{navigateur.url}/pieces-jointes/{import_demandes.pk}/")
    expect(page.get_by_text("Chaque fichier Zip ne doit pas dépasser 1 000 octets")).to_be_visible()
    page.get_by_label("Importer un fichier zip").set_input_files(str(trop_gros))
    importer = page.get_by_role("button", name="Importer", exact=True)
    importer.click()
    message = page.locator("#texte-progression")
    expect(message).to_have_text("Le fichier zip dépasse la taille maximale autorisée (1 000 octets).")
    expect(message).to_be_focused()
    expect(importer).to_be_enabled()
    _aux_deux_largeurs(page, "Pièces jointes, zip trop gros")
    assert not ZipDepose.objects.exists()
    page.context.close()
