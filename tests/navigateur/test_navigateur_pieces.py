"""Step « 2 - Pièces jointes » in a real browser, with a real Celery worker: import a two-line file,
send a zip with one good piece, a fake PDF and an unexpected file, follow the processing progress,
read the statuses and the missing piece, send the missing piece, « Terminer », and find the demandes
« Déposée ». Headless Chromium through Playwright, from the fixture `navigateur` of conftest.py.

No skip: without Chromium at /usr/bin/chromium the test fails (CI installs it)."""

import threading

import pytest

from tests.documents import fichier_deux_lignes
from tests.factories import ELF, NOM_PIECE, NOM_PIECE_2, PDF, PDF_BIS, zip_de
from tests.pages import MESSAGE_COMPLET
from tests.piecesjointes.etape import TERMINE

DELAI_TRAITEMENT = 60_000  # ms: upload, task on the broker, page polling then loading the zip's result
# The worker is held until the page has shown the progress: waits on events, bounded only as a safety.
ATTENTE_WORKER = 120  # s


@pytest.mark.browser
def test_pieces_jointes_dans_le_navigateur(navigateur, worker_celery, tmp_path, monkeypatch, document_ttc):
    from playwright.sync_api import expect

    from demandes.models import Demande
    from demandes.valeurs import StatutDemande
    from imports.models import Import
    from piecesjointes import controles
    from piecesjointes.models import PieceRecue, ZipDepose

    json_deux_lignes = tmp_path / "deux-lignes.json"
    json_deux_lignes.write_bytes(fichier_deux_lignes(document_ttc))
    premier_zip = tmp_path / "lot-1.zip"
    premier_zip.write_bytes(zip_de((NOM_PIECE, PDF), (NOM_PIECE_2, ELF), ("inattendu.pdf", PDF)))
    second_zip = tmp_path / "lot-2.zip"
    second_zip.write_bytes(zip_de((NOM_PIECE_2, PDF_BIS)))

    # The worker (a thread of this process) is held before the first entry of the first zip, so that
    # the processing progress can be seen; it is released once the page shows it.
    pris, reprise = threading.Event(), threading.Event()
    examiner = controles.examiner

    def examiner_suspendu(*args, **kwargs):
        for verdict in examiner(*args, **kwargs):
            if not pris.is_set():
                pris.set()
                reprise.wait(ATTENTE_WORKER)
            yield verdict

    monkeypatch.setattr(controles, "examiner", examiner_suspendu)

    page = navigateur.nouvelle_page()
    try:
        navigateur.se_connecter(page, "relais")
        page.wait_for_url(f"{navigateur.url}/")

        # « 1 - Fichier JSON »: simulation then real import of the two-line file
        page.goto(f"{navigateur.url}/imports/simulation/")
        page.get_by_label("Type de demande").select_option(label="Avance")
        page.get_by_label("Numéro ANS").select_option(label="mlp525off1")
        page.get_by_label("Taux de TVA").select_option(label="20 %")
        page.get_by_label("Choisissez le fichier").set_input_files(str(json_deux_lignes))
        page.get_by_role("button", name="Simuler").click()
        expect(page.get_by_text("La simulation de l'import s'est déroulée correctement.")).to_be_visible()
        import_demandes = Import.objects.get(nom_fichier="deux-lignes.json")
        page.get_by_role("button", name="Importer", exact=True).click()
        page.wait_for_url(f"{navigateur.url}/pieces-jointes/{import_demandes.pk}/")

        # « 2 - Pièces jointes »
        expect(page.get_by_text("Lors de l'import de pièces jointes, quelques règles à suivre :")).to_be_visible()
        expect(page.get_by_text("Chaque fichier ne doit pas dépasser 3 Mo")).to_be_visible()
        # before any zip: the expected pieces, an information; nothing is « missing » yet
        expect(page.locator("#pieces-a-deposer")).to_contain_text("2 pièce(s) jointe(s) attendue(s)")
        manquantes = page.locator("#pieces-manquantes")
        expect(manquantes).to_have_count(0)
        terminer = page.get_by_role("button", name="Terminer")
        expect(terminer).to_be_disabled()

        # first zip: one good piece, a fake PDF (ELF bytes), an unexpected file
        page.get_by_label("Importer un fichier zip").set_input_files(str(premier_zip))
        page.get_by_role("button", name="Importer", exact=True).click()
        assert pris.wait(ATTENTE_WORKER), "le worker n'a pas pris le zip"
        try:
            # processing progress, read by the page on the status endpoint
            expect(page.locator("#progression")).to_be_visible()
            expect(page.locator("#libelle-progression")).to_have_text("Traitement du fichier zip…")
            expect(page.locator("#texte-progression")).to_have_text("0 / 3 fichier(s) traité(s)")
            expect(page.locator("#barre-progression")).to_have_attribute("max", "3")
        finally:
            reprise.set()

        # processed: the page loads the zip's result, first and focused
        page.wait_for_url(f"{navigateur.url}/pieces-jointes/{import_demandes.pk}/?zip=*", timeout=DELAI_TRAITEMENT)
        url_premier = page.url
        resultat = page.locator("#resultat-zip")
        expect(resultat).to_be_focused()
        expect(resultat).to_contain_text(
            "Fichier « lot-1.zip » traité avec refus : 1 fichier(s) accepté(s), 2 refusé(s)"
        )
        zips = page.locator("#zips")
        expect(zips).to_contain_text("Traité avec refus 1 accepté(s), 2 refusé(s)")
        expect(page.get_by_role("columnheader", name="Nom du fichier importé")).to_be_visible()
        expect(page.get_by_role("columnheader", name="Statut import")).to_be_visible()
        expect(zips.get_by_role("link", name="lot-1.zip")).to_be_visible()
        # the detail of a zip with refusals is open: its reasons are read without a click
        expect(zips.get_by_text(f"{NOM_PIECE} — accepté")).to_be_visible()
        expect(
            zips.get_by_text(f"{NOM_PIECE_2} — refusé : le contenu (application/x-executable) n'est pas un fichier PDF")
        ).to_be_visible()
        expect(
            zips.get_by_text(
                "inattendu.pdf — refusé : nom inconnu : aucune demande retenue de cet import n'annonce ce fichier"
            )
        ).to_be_visible()
        expect(manquantes).to_contain_text("1 pièce(s) jointe(s) manquante(s)")
        expect(manquantes).to_contain_text("Merci d'importer un nouveau fichier zip contenant les pièces suivantes :")
        expect(manquantes).to_contain_text(NOM_PIECE_2)
        expect(manquantes).not_to_contain_text(NOM_PIECE + " ")
        expect(page.get_by_text(MESSAGE_COMPLET)).to_have_count(0)
        expect(terminer).to_be_disabled()

        # second zip: the missing piece
        page.get_by_label("Importer un fichier zip").set_input_files(str(second_zip))
        page.get_by_role("button", name="Importer", exact=True).click()
        page.wait_for_url(lambda url: "?zip=" in url and url != url_premier, timeout=DELAI_TRAITEMENT)
        expect(resultat).to_be_focused()
        expect(page.get_by_text(MESSAGE_COMPLET)).to_be_visible()
        expect(manquantes).to_have_count(0)
        expect(zips.locator("tr", has_text="lot-2.zip")).to_contain_text("OK 1 accepté(s)")
        expect(terminer).to_be_enabled()
        assert PieceRecue.objects.count() == 2 and ZipDepose.objects.count() == 2

        # « Terminer »: back on the step, the result first and focused
        terminer.click()
        page.wait_for_url(f"{navigateur.url}/pieces-jointes/{import_demandes.pk}/")
        expect(page.locator("[data-focus-resultat]")).to_have_text(TERMINE.format(n=2))
        expect(page.locator("[data-focus-resultat]")).to_be_focused()

        page.get_by_role("navigation", name="Menu principal").get_by_role("link", name="Demandes financement").click()
        page.wait_for_url(f"{navigateur.url}/demandes/")
        for editeur in ("00001", "00002"):
            expect(page.get_by_role("row").filter(has_text=editeur).get_by_role("cell", name="Déposée")).to_be_visible()
        page.context.close()
    finally:
        reprise.set()

    import_demandes.refresh_from_db()
    assert import_demandes.etat == Import.Etat.TERMINE
    assert set(Demande.objects.filter(import_demandes=import_demandes).values_list("statut", flat=True)) == {
        StatutDemande.DEPOSEE
    }
