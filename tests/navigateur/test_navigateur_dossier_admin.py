"""The ASP manager works a dossier from its own page, in a real browser: logs in through the admin's
login, goes from the index to the list of demandes, opens a « Déposée » dossier, passes it in
instruction, tries to reject it without a motif, decides it and records its payment, each from the
decision bar of the page; axe-core checks the admin login, the index, the list and the dossier page
(each state) at 1280 px, and the dossier page at 375 px.
Headless Chromium through Playwright, from the fixture `navigateur` of conftest.py."""

import io
import re
import zipfile
from decimal import Decimal

import pytest

from tests.documents import document_de, en_octets, ligne
from tests.factories import PDF
from tests.navigateur.accessibilite import LARGEURS, verifier_accessibilite
from tests.parcours import simuler_et_importer, utilisateur

NUMERO = "FINMDV000001M0"


def _dossier_importe_avec_piece(document_ttc):
    """The real flow, as tests/gestion's fixture: relais imports the guide's TTC line, sends the zip of
    its piece (processed here synchronously) and clicks « Terminer »: a « Déposée » dossier with
    its import, two beneficiaries and its piece received."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from demandes.models import Demande
    from demandes.valeurs import StatutDemande
    from piecesjointes import services as pieces_services

    relais = utilisateur("relais")
    import_demandes = simuler_et_importer(
        "relais",
        en_octets(document_de(document_ttc, ligne(document_ttc, 1, geo=["020015772", "020015111"]))),
        nom="avance-structure.json",
    )
    demande = Demande.objects.get()
    tampon = io.BytesIO()
    with zipfile.ZipFile(tampon, "w") as archive:
        archive.writestr(demande.pieces_attendues.get().nom_fichier, PDF)
    depot = pieces_services.deposer_zip(
        utilisateur=relais,
        import_demandes=import_demandes,
        fichier=SimpleUploadedFile("pieces.zip", tampon.getvalue(), content_type="application/zip"),
    )
    assert pieces_services.traiter_zip(depot.pk).nb_acceptees == 1
    assert pieces_services.terminer(utilisateur=relais, import_demandes=import_demandes) == 1
    demande.refresh_from_db()
    assert demande.statut == StatutDemande.DEPOSEE
    return demande


def payer_depuis_le_dossier(page):
    """« Enregistrer un paiement » of the dossier page: 10 750,00 € effectué on 15/03/2024."""
    from playwright.sync_api import expect

    paiement = page.get_by_role("group", name="Enregistrer un paiement")
    paiement.get_by_label("Montant (€)").fill("10750.00")
    paiement.get_by_label("Date du paiement").fill("2024-03-15")
    paiement.get_by_label("Statut").select_option(label="Paiement effectué")
    paiement.get_by_role("button", name="Enregistrer un paiement").click()
    expect(page.locator(".messagelist")).to_have_text(
        f"Paiement enregistré pour la demande {NUMERO} (paiement effectué)."
    )


def _aux_deux_largeurs(page, ecran):
    """The dossier page checked at 1280 px then 375 px, back to 1280 px."""
    for largeur in ("bureau", "mobile"):
        page.set_viewport_size(LARGEURS[largeur])
        verifier_accessibilite(page, ecran)
    page.set_viewport_size(LARGEURS["bureau"])


@pytest.mark.browser
def test_le_gestionnaire_instruit_decide_et_paie_depuis_la_page_du_dossier(navigateur, document_ttc):
    from playwright.sync_api import expect

    from demandes.models import Paiement
    from demandes.valeurs import StatutDemande, StatutPaiement

    demande = _dossier_importe_avec_piece(document_ttc)
    page = navigateur.nouvelle_page()
    refus_csp = []  # the dossier page has no inline script or style: the CSP refuses nothing
    page.on("console", lambda m: refus_csp.append(m.text) if "Content Security Policy" in m.text else None)

    # --- the admin's login: a heading, no violation -------------------------------------
    page.goto(f"{navigateur.url}/admin/login/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Connexion à l'espace de gestion ASP")
    verifier_accessibilite(page, "Connexion à l'admin")
    page.get_by_label("Nom d’utilisateur").fill("gestionnaire")
    page.get_by_label("Mot de passe").fill("demo")
    page.get_by_role("button", name="Connexion").click()
    page.wait_for_url(f"{navigateur.url}/admin/")
    verifier_accessibilite(page, "Accueil de l'admin")

    # --- the list, then the dossier ------------------------------------------------------
    page.get_by_role("link", name="Demandes", exact=True).first.click()
    page.wait_for_url(f"{navigateur.url}/admin/demandes/demande/")
    verifier_accessibilite(page, "Liste des demandes")
    page.locator("#result_list").get_by_role("link", name=NUMERO).click()
    page.wait_for_url(re.compile(rf"/admin/demandes/demande/{demande.pk}/change/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Demande {NUMERO} — Déposée")
    expect(page.get_by_role("button", name=re.compile("Enregistrer$"))).to_have_count(0)
    expect(page.get_by_role("button", name="Décider")).to_have_count(0)  # not from « Déposée »
    expect(page.get_by_role("button", name="Enregistrer un paiement")).to_have_count(0)
    # The piece received, beside the data; « Ouvrir » shows it in a new tab.
    pieces = page.get_by_role("complementary", name="Pièces attendues")
    expect(pieces).to_contain_text("MDV-LGC-Va1-BDC-00001.pdf")
    expect(pieces).to_contain_text(f"({len(PDF)} octets, application/pdf)")
    with page.expect_popup() as onglet:
        pieces.get_by_role("link", name="Ouvrir MDV-LGC-Va1-BDC-00001.pdf (nouvel onglet)").click()
    piece = onglet.value
    piece.wait_for_load_state()
    assert re.search(r"/pieces-jointes/piece/\d+/\?ouvrir=1$", piece.url), piece.url
    piece.close()
    _aux_deux_largeurs(page, "Page du dossier (Déposée)")

    page.get_by_role("button", name="Passer en instruction").click()
    expect(page.locator(".messagelist")).to_have_text(f"Demande {NUMERO} passée en instruction.")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Demande {NUMERO} — En instruction")
    expect(page.get_by_role("button", name="Passer en instruction")).to_have_count(0)

    # « Rejeter » without a motif: the page says why, nothing changes.
    page.get_by_role("button", name="Rejeter", exact=True).click()
    expect(page.get_by_role("alert")).to_contain_text("La décision n'a pas été enregistrée")
    expect(page.locator(".errorlist")).to_have_text("Le motif du rejet est obligatoire.")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Demande {NUMERO} — En instruction")
    _aux_deux_largeurs(page, "Page du dossier (motif manquant)")

    page.get_by_role("button", name="Décider").click()
    expect(page.locator(".messagelist")).to_have_text(f"Demande {NUMERO} décidée.")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Demande {NUMERO} — Décidée")
    expect(page.get_by_role("button", name="Rejeter", exact=True)).to_have_count(0)

    payer_depuis_le_dossier(page)
    lignes = page.get_by_role("table", name="Paiements enregistrés (1)").locator("tbody tr")
    expect(lignes).to_have_count(1)
    expect(lignes.first).to_contain_text("15/03/2024")
    expect(lignes.first).to_contain_text("Paiement effectué")
    historique = page.get_by_role("table", name=re.compile("^Changements de statut")).locator("tbody tr")
    expect(historique).to_have_count(5)  # the deposit (import, then « Terminer »), then the manager's steps
    date = re.compile(r"^\d\d/\d\d/\d{4} \d\d:\d\d$")
    expect(historique.nth(2).get_by_role("cell")).to_have_text([date, "gestionnaire", "Déposée", "En instruction", "—"])
    expect(historique.nth(4).get_by_role("cell")).to_have_text(
        [date, "gestionnaire", "Décidée", "Décidée · Paiement effectué", "—"]
    )
    _aux_deux_largeurs(page, "Page du dossier (Décidée, payée)")
    page.context.close()
    assert refus_csp == []

    demande.refresh_from_db()
    assert (demande.statut, demande.statut_paiement) == (StatutDemande.DECIDEE, StatutPaiement.EFFECTUE)
    assert Paiement.objects.get().montant == Decimal("10750.00")
