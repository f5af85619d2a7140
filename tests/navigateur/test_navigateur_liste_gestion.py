"""The ASP manager's dashboard and list of demandes in a real browser (issue 13, points 3 and 4):
the manager logs in and lands on the dashboard, opens the list, which fits 1280 px (the status badge
and the last column on screen, no horizontal scrolling), takes a dossier with « M'attribuer » and
finds it under « Mes dossiers ». axe-core finds no serious or critical violation on either page at
1280 px; at 375 px (the admin is a desktop tool) the pages stay usable (checked by axe as well).
Screenshots go to $TMPDIR/captures-gestion/ for the reviewer."""

import datetime
import re
import tempfile
from decimal import Decimal
from pathlib import Path

import pytest

from tests.navigateur.accessibilite import LARGEURS, verifier_accessibilite

CAPTURES = Path(tempfile.gettempdir()) / "captures-gestion"


def _creer_demandes():
    from demandes.models import Demande, Solution
    from demandes.valeurs import StatutDemande, StatutPaiement, TypeDemande

    solutions = list(Solution.objects.select_related("couloir").order_by("numero_ans"))
    statuts = [
        StatutDemande.DEPOSEE,
        StatutDemande.EN_INSTRUCTION,
        StatutDemande.DECIDEE,
        StatutDemande.REJETEE,
        StatutDemande.EN_ATTENTE_PIECES,
        StatutDemande.DEPOSEE,
    ]
    for n, statut in enumerate(statuts, start=1):
        solution = solutions[n % len(solutions)]
        demande = Demande.objects.create(
            numero=f"FIN{solution.couloir.code}{n:06d}",
            version=0,
            type_demande=TypeDemande.AVANCE if n % 2 else TypeDemande.SOLDE,
            fournisseur_id=solution.fournisseur_id,
            solution=solution,
            numero_editeur=f"E{n:05d}",
            date_commande=datetime.date(2021, 11, 24),
            regime_tva="TTC",
            montant_ht=Decimal("10750.00") * n,
            statut=statut,
            statut_paiement=StatutPaiement.EFFECTUE if statut == StatutDemande.DECIDEE else "",
        )
        Demande.objects.filter(pk=demande.pk).update(date_depot=datetime.datetime(2024, 1, n, 12, tzinfo=datetime.UTC))


def _tient_dans_l_ecran(page, rangee) -> None:
    """Every column on screen: the table is no wider than its box (the admin would scroll it) and
    the row's last cell ends inside the window."""
    assert (
        page.evaluate("() => { const r = document.querySelector('.results'); return r.scrollWidth - r.clientWidth }")
        <= 0
    )
    boite = rangee.locator("td").last.bounding_box()
    assert boite and boite["x"] + boite["width"] <= page.viewport_size["width"], boite
    assert _deborde(page) <= 0


def _deborde(page) -> int:
    """How many pixels the page is wider than the window (0: nothing off-screen to the right)."""
    return page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")


@pytest.mark.browser
def test_tableau_de_bord_et_liste_du_gestionnaire(navigateur):
    from playwright.sync_api import expect

    _creer_demandes()
    CAPTURES.mkdir(exist_ok=True)
    page = navigateur.nouvelle_page()
    navigateur.se_connecter(page, "gestionnaire")
    page.wait_for_url(f"{navigateur.url}/admin/")

    # --- the dashboard ---------------------------------------------------------------
    expect(page.get_by_role("heading", name="Tableau de bord des demandes")).to_be_visible()
    expect(page.get_by_role("heading", name="Demandes par statut (6 au total)")).to_be_visible()
    expect(page.locator("#tdb-plus-anciens tbody tr")).to_have_count(3)
    expect(page.locator("#tdb-plus-anciens tbody tr").first).to_contain_text("FIN")
    assert _deborde(page) <= 0
    page.screenshot(path=str(CAPTURES / "tableau-de-bord-1280.png"), full_page=True)
    verifier_accessibilite(page, "tableau de bord")

    # --- the list ----------------------------------------------------------------------
    page.get_by_role("link", name="Demandes", exact=True).first.click()
    page.wait_for_url(f"{navigateur.url}/admin/demandes/demande/")
    rangees = page.locator("#result_list tbody tr")
    expect(rangees).to_have_count(6)
    # Oldest deposit first; the status is the badge of its colour, on screen.
    premiere = rangees.first
    expect(premiere.locator("th.field-numero_dossier")).to_have_text(re.compile(r"^FIN[A-Z]{3}000001M0$"))
    numero = premiere.locator("th.field-numero_dossier").inner_text().strip()
    expect(premiere.locator("td.field-badge_statut .fr-badge.fr-badge--new")).to_have_text("Déposée")
    expect(premiere.locator("td.field-montant")).to_have_text("10\u202f750,00\u00a0€")
    page.screenshot(path=str(CAPTURES / "liste-1280.png"), full_page=True)
    _tient_dans_l_ecran(page, premiere)
    verifier_accessibilite(page, "liste des demandes")

    # « M'attribuer » on the first row, then « Mes dossiers ».
    page.get_by_role("checkbox", name=f"Choisir cet objet pour une action - {numero}").check()
    page.locator("#changelist-form select[name=action]").select_option(label="M'attribuer")
    page.get_by_role("button", name="Envoyer").click()
    expect(page.locator(".messagelist")).to_contain_text(f"1 dossier(s) vous sont attribués : {numero}.")
    expect(premiere.locator("td.field-nom_gestionnaire")).to_have_text("gestionnaire")
    _tient_dans_l_ecran(page, premiere)
    page.screenshot(path=str(CAPTURES / "liste-attribuee-1280.png"), full_page=True)
    page.get_by_role("link", name="Mes dossiers").click()
    expect(rangees).to_have_count(1)
    expect(rangees.first.locator("th.field-numero_dossier")).to_have_text(numero)
    verifier_accessibilite(page, "liste « Mes dossiers »")

    # --- 375 px: the admin is a desktop tool, but the pages stay readable --------------
    page.set_viewport_size(LARGEURS["mobile"])
    page.goto(f"{navigateur.url}/admin/demandes/demande/")
    page.screenshot(path=str(CAPTURES / "liste-375.png"), full_page=True)
    verifier_accessibilite(page, "liste des demandes")
    page.goto(f"{navigateur.url}/admin/")
    page.screenshot(path=str(CAPTURES / "tableau-de-bord-375.png"), full_page=True)
    verifier_accessibilite(page, "tableau de bord")
    page.context.close()
