"""The ASP manager's review in a real browser: the manager logs in through « Connexion » (sent to the
admin), passes a « Déposée » demande in instruction, decides it and records its payment « effectué »
from the changelist's actions; then the supplier, in another browser context, sees « Décidée » and
« Paiement effectué » in « Demandes financement » and on the demande's page.
Headless Chromium through Playwright, from the fixture `navigateur` of conftest.py (no skip: CI installs it)."""

import datetime
import re
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model


def _action(page, numero, libelle):
    """Ticks the demande's row in the changelist and runs the action `libelle`."""
    page.get_by_role("checkbox", name=f"Choisir cet objet pour une action - {numero}").check()
    page.locator("#changelist-form select[name=action]").select_option(label=libelle)
    page.get_by_role("button", name="Envoyer").click()


@pytest.mark.browser
def test_le_gestionnaire_decide_et_paie_le_fournisseur_le_voit(navigateur):
    from playwright.sync_api import expect

    from demandes.models import Beneficiaire, Demande, Paiement, PieceAttendue, Solution
    from demandes.valeurs import StatutDemande, StatutPaiement

    solution = Solution.objects.get(numero_ans="mlp525off1")
    demande = Demande.objects.create(
        numero="FINMDV000001",
        version=0,
        type_demande="AVANCE",
        fournisseur=solution.fournisseur,
        solution=solution,
        numero_editeur="00001",
        date_commande=datetime.date(2021, 11, 24),
        regime_tva="TTC",
        montant_ht=Decimal("10750.00"),
        statut=StatutDemande.DEPOSEE,
        commande_pour="STRUCTURE",
        scenario={"isCentreDeSante": True},
    )
    Beneficiaire.objects.create(
        demande=demande,
        nature=Beneficiaire.Nature.FINESS_GEO,
        identifiant="020015772",
        type_demande="AVANCE",
        couloir=solution.couloir,
        logiciel=solution.logiciel,
    )
    PieceAttendue.objects.create(
        demande=demande, nom_fichier="MDV-LGC-Va1-BDC-00001.pdf", format_fichier="PDF", type_fichier="BON_COMMANDE"
    )
    numero = "FINMDV000001M0"
    gestionnaire = get_user_model().objects.get(username="gestionnaire")

    # --- the manager, in the admin ---------------------------------------------------
    page = navigateur.nouvelle_page()
    navigateur.se_connecter(page, "gestionnaire")
    page.wait_for_url(f"{navigateur.url}/admin/")
    page.get_by_role("link", name="Demandes", exact=True).first.click()
    page.wait_for_url(f"{navigateur.url}/admin/demandes/demande/")
    rangee = page.locator("#result_list tbody tr").filter(has_text=numero)
    expect(rangee).to_have_count(1)
    expect(rangee.locator("td.field-badge_statut")).to_have_text("Déposée")

    _action(page, numero, "Passer en instruction")
    expect(page.locator(".messagelist")).to_contain_text("1 demande(s) passée(s) en instruction.")
    expect(rangee.locator("td.field-badge_statut")).to_have_text("En instruction")

    _action(page, numero, "Décider (favorable)")
    expect(page.locator(".messagelist")).to_contain_text("1 demande(s) décidée(s).")
    expect(rangee.locator("td.field-badge_statut")).to_have_text("Décidée")

    _action(page, numero, "Enregistrer un paiement")
    expect(page.get_by_role("heading", name="Enregistrer un paiement")).to_be_visible()
    expect(page.get_by_text(f"{numero} — RELAIS CAP FRANCE AU GAI LOGIS — Décidée")).to_be_visible()
    page.get_by_label("Montant (€)").fill("10750.00")
    page.get_by_label("Date du paiement").fill("2024-03-15")
    page.get_by_label("Statut").select_option(label="Paiement effectué")
    page.get_by_role("button", name="Confirmer").click()
    page.wait_for_url(f"{navigateur.url}/admin/demandes/demande/")
    expect(page.locator(".messagelist")).to_contain_text("Paiement enregistré pour 1 demande(s).")
    expect(rangee.locator("td.field-badge_statut")).to_have_text("Décidée")
    expect(rangee.locator("td.field-badge_paiement")).to_have_text("Paiement effectué")

    # The demande's page in the admin: the payment and the history (who).
    rangee.get_by_role("link", name=numero).click()
    page.wait_for_url(re.compile(rf"/admin/demandes/demande/{demande.pk}/change/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Demande {numero} — Décidée")
    expect(page.get_by_role("cell", name="Paiement effectué", exact=True)).to_be_visible()
    page.get_by_role("link", name="Historique détaillé (toutes les modifications)").click()
    page.wait_for_url(re.compile(rf"/admin/demandes/demande/{demande.pk}/history/$"))
    expect(page.get_by_role("cell", name="gestionnaire", exact=True)).to_have_count(3)
    page.context.close()

    demande.refresh_from_db()
    assert (demande.statut, demande.statut_paiement) == (StatutDemande.DECIDEE, StatutPaiement.EFFECTUE)
    paiement = Paiement.objects.get()
    assert (paiement.montant, paiement.date_paiement, paiement.statut, paiement.enregistre_par) == (
        Decimal("10750.00"),
        datetime.date(2024, 3, 15),
        StatutPaiement.EFFECTUE,
        gestionnaire,
    )
    assert [v.history_user for v in demande.history.order_by("history_date", "history_id")] == [
        None,
        gestionnaire,
        gestionnaire,
        gestionnaire,
    ]

    # --- the supplier, in its own space --------------------------------------------
    page = navigateur.nouvelle_page()
    navigateur.se_connecter(page, "relais")
    page.wait_for_url(f"{navigateur.url}/")
    page.get_by_role("navigation", name="Menu principal").get_by_role("link", name="Demandes financement").click()
    page.wait_for_url(f"{navigateur.url}/demandes/")
    rangee = page.locator("#liste-demandes tbody tr").filter(has_text=numero)
    expect(rangee).to_have_count(1)
    # The text of the cells (statuses are DSFR badges, drawn in capitals).
    cellules = [" ".join(t.split()) for t in rangee.locator("td").all_text_contents()]
    assert cellules[-2:] == ["Décidée", "Paiement effectué"], cellules
    rangee.get_by_role("link", name=numero).click()
    page.wait_for_url(f"{navigateur.url}/demandes/{demande.pk}/")
    expect(page.locator(".fr-badge").filter(has_text="Décidée")).to_be_visible()
    expect(page.locator(".fr-badge").filter(has_text="Paiement effectué")).to_be_visible()
    expect(page.locator("#historique tbody tr").last).to_contain_text("Paiement effectué")
    # The admin stays closed to the supplier.
    page.goto(f"{navigateur.url}/admin/demandes/demande/")
    assert "/admin/login/" in page.url
    page.context.close()
