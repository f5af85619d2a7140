"""Issue 13's « Done when », in a real browser (on PostgreSQL in CI): the ASP manager logs in →
dashboard → list → dossier → asks for a complement; the supplier sees it on its Accueil, opens the
demande and uploads the piece; the manager decides and records a payment; the supplier sees
« Décidée » then the payment, and the three messages on its page « Notifications ». The pages are
checked by axe-core in each new state; each notification mail is captured (Django's locmem backend,
the sending task run inline once the decision commits) with its recipients and text."""

import re

import pytest

from tests.factories import PDF
from tests.navigateur.accessibilite import verifier_accessibilite
from tests.navigateur.test_navigateur_dossier_admin import NUMERO, _dossier_importe_avec_piece, payer_depuis_le_dossier

MESSAGE = "Le bon de commande n'est pas signé : déposez-le signé, en PDF."


def _connexion_admin(navigateur, page):
    page.goto(f"{navigateur.url}/admin/login/")
    page.get_by_label("Nom d’utilisateur").fill("gestionnaire")
    page.get_by_label("Mot de passe").fill("demo")
    page.get_by_role("button", name="Connexion").click()
    page.wait_for_url(f"{navigateur.url}/admin/")


@pytest.mark.browser
def test_complement_decision_et_paiement_de_bout_en_bout(
    navigateur, document_ttc, tmp_path, taches_immediates, settings
):
    from django.core import mail
    from playwright.sync_api import expect

    from demandes.models import Demande
    from demandes.valeurs import StatutDemande, StatutPaiement
    from tests.parcours import utilisateur

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.SEGUR_URL_PORTAIL = "https://segur.exemple.gouv.fr"
    relais = utilisateur("relais")
    relais.email = "contact@relais.example"
    relais.save()
    demande = _dossier_importe_avec_piece(document_ttc)
    lien = f"https://segur.exemple.gouv.fr/demandes/{demande.pk}/"
    mail.outbox = []

    def courriels() -> list[tuple[list[str], str]]:
        """(recipients, subject) of the mails sent since the last call, which then forgets them."""
        envoyes = [(m.to, m.subject) for m in mail.outbox]
        corps.extend(m.body for m in mail.outbox)
        mail.outbox = []
        return envoyes

    corps: list[str] = []
    gestion = navigateur.nouvelle_page()
    fournisseur = navigateur.nouvelle_page()

    # --- the manager: dashboard → list → dossier → « Demander des compléments » ---------------
    _connexion_admin(navigateur, gestion)
    tableau = gestion.locator("#tableau-de-bord")
    expect(tableau.get_by_role("heading", name="Demandes par statut (1 au total)")).to_be_visible()
    tableau.get_by_role("link", name=re.compile(r"^Déposée 1$")).click()
    gestion.wait_for_url(re.compile(r"/admin/demandes/demande/\?statut__exact=DEPOSEE$"))
    gestion.locator("#result_list").get_by_role("link", name=NUMERO).click()
    expect(gestion.get_by_role("heading", level=1)).to_have_text(f"Demande {NUMERO} — Déposée")
    gestion.get_by_role("button", name="Passer en instruction").click()
    expect(gestion.get_by_role("heading", level=1)).to_have_text(f"Demande {NUMERO} — En instruction")
    assert courriels() == []  # the instruction starting is not news for the supplier

    # The message is required: the page says so, nothing changes.
    complements = gestion.get_by_role("group", name="Demander des compléments")
    complements.get_by_role("button", name="Demander des compléments").click()
    expect(gestion.locator(".errorlist")).to_have_text(
        "Le message au fournisseur est obligatoire : indiquez les pièces à déposer."
    )
    expect(gestion.get_by_role("heading", level=1)).to_have_text(f"Demande {NUMERO} — En instruction")
    complements = gestion.get_by_role("group", name="Demander des compléments")
    complements.get_by_label("Message au fournisseur").fill(MESSAGE)
    complements.get_by_role("button", name="Demander des compléments").click()
    expect(gestion.locator(".messagelist")).to_have_text(f"Demande {NUMERO} mise en attente de compléments.")
    expect(gestion.get_by_role("heading", level=1)).to_have_text(f"Demande {NUMERO} — En attente de compléments")
    expect(gestion.get_by_role("complementary")).to_contain_text(MESSAGE)
    verifier_accessibilite(gestion, "Page du dossier (En attente de compléments)")
    assert courriels() == [
        (["contact@relais.example"], f"Ségur numérique : compléments demandés pour la demande {NUMERO}")
    ]
    assert f"Message du gestionnaire :\n{MESSAGE}" in corps[-1] and lien in corps[-1]

    # --- the supplier: Accueil → demande → « Déposer les compléments » -----------------------
    navigateur.se_connecter(fournisseur, "relais")
    bloc = fournisseur.locator("#a-faire-complements")
    expect(bloc).to_contain_text("1 demande en attente de compléments")
    expect(bloc).to_contain_text(MESSAGE)
    verifier_accessibilite(fournisseur, "Accueil (compléments demandés)")
    bloc.get_by_role("link", name=NUMERO).click()
    fournisseur.wait_for_url(re.compile(rf"/demandes/{demande.pk}/#complements$"))
    expect(fournisseur.locator("#suite-a-donner")).to_contain_text(MESSAGE)
    verifier_accessibilite(fournisseur, "Demande (compléments demandés)")
    signe = tmp_path / "BDC-signe.pdf"
    signe.write_bytes(PDF)
    fournisseur.get_by_label("Pièces demandées").set_input_files(str(signe))
    fournisseur.get_by_role("button", name="Déposer les compléments").click()
    expect(fournisseur.get_by_role("alert").first).to_have_text(
        f"1 pièce(s) déposée(s) : la demande {NUMERO} est de nouveau « En instruction » auprès des gestionnaires "
        "de l'ASP."
    )
    expect(fournisseur.locator("#complements")).to_contain_text("BDC-signe.pdf")
    expect(fournisseur.get_by_role("button", name="Déposer les compléments")).to_have_count(0)
    verifier_accessibilite(fournisseur, "Demande (compléments déposés)")

    # --- the manager: the piece beside the data, « Décider », the payment -------------------
    gestion.reload()
    expect(gestion.get_by_role("heading", level=1)).to_have_text(f"Demande {NUMERO} — En instruction")
    expect(gestion.get_by_role("complementary")).to_contain_text("BDC-signe.pdf")
    historique = gestion.get_by_role("table", name=re.compile("^Changements de statut")).locator("tbody tr")
    expect(historique.last).to_contain_text("1 pièce(s) déposée(s) en complément")
    assert courriels() == []  # the supplier's own deposit mails nobody
    gestion.get_by_role("button", name="Décider").click()
    expect(gestion.get_by_role("heading", level=1)).to_have_text(f"Demande {NUMERO} — Décidée")
    assert courriels() == [
        (["contact@relais.example"], f"Ségur numérique : décision favorable pour la demande {NUMERO}")
    ]
    assert NUMERO in corps[-1] and lien in corps[-1]

    fournisseur.reload()
    expect(fournisseur.get_by_role("heading", level=1)).to_contain_text(NUMERO)
    expect(fournisseur.locator(".fr-badge").first).to_have_text("Décidée")

    payer_depuis_le_dossier(gestion)
    assert courriels() == [
        (["contact@relais.example"], f"Ségur numérique : paiement effectué pour la demande {NUMERO}")
    ]
    assert "Montant : 10\u202f750,00\u00a0€" in corps[-1]  # written as on the pages
    assert "Date du paiement : 15/03/2024" in corps[-1] and "Le paiement a été versé." in corps[-1]

    fournisseur.reload()
    expect(fournisseur.locator(".fr-badge")).to_have_text(["Décidée", "Paiement effectué"])
    verifier_accessibilite(fournisseur, "Demande (décidée, payée)")
    # The same three messages in the portal, newest first.
    fournisseur.get_by_role("navigation", name="Menu principal").get_by_role("link", name="Notifications").click()
    expect(fournisseur.locator("#notifications").get_by_role("heading", level=2)).to_have_text(
        [
            f"Ségur numérique : paiement effectué pour la demande {NUMERO}",
            f"Ségur numérique : décision favorable pour la demande {NUMERO}",
            f"Ségur numérique : compléments demandés pour la demande {NUMERO}",
        ]
    )

    demande = Demande.objects.get(pk=demande.pk)
    assert (demande.statut, demande.statut_paiement) == (StatutDemande.DECIDEE, StatutPaiement.EFFECTUE)
    gestion.context.close()
    fournisseur.context.close()
