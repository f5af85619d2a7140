"""Issue 15's « Done when », in a real browser, from a portal with no supplier yet: the manager
loads the référentiel ANS (dry run, confirmation) → a visitor asks for access from the login page →
confirms his address from the e-mail → the manager validates the request → the new user activates
his account from the e-mail, logs in, simulates and imports the guide's model → invites a colleague,
who activates his account, logs in and sees the import, and who made it.

Every step is clicked as its user clicks it; the links are read from the e-mails (locmem backend).
The public pages and the new screens have no serious or critical axe-core violation, and no page of
the journey has a script or style refused by the CSP or loads anything from outside the portal."""

import re

import pytest

from tests.documents import MODELES, SIRET_RELAIS
from tests.factories import PDF
from tests.gestion.referentiel import csv_de
from tests.navigateur.accessibilite import verifier_accessibilite
from tests.navigateur.parcours_fournisseur import importer, simuler

ANS = "mlp525off1"  # the guide's model is written for this numéro ANS and SIRET_RELAIS
REFERENTIEL = [
    [ANS, SIRET_RELAIS, "Cabinet Plus", "MDV", "LGC", "1", "01/09/2021", "12 000,00",
     "01/01/2021", "31/12/2035", "01/01/2021", "31/12/2035"],
]  # fmt: skip
MOT_DE_PASSE = "Cabinet-Plus-2026!"
LIEN = re.compile(r"https?://\S+")


def _champ(page, libelle: str):
    """The text field whose label is `libelle`, its hint apart (DSFR puts the hint inside the label,
    and it starts with a capital letter or a digit: « Adresse » is not « Adresse électronique »)."""
    return page.get_by_role("textbox", name=re.compile(rf"^{re.escape(libelle)}(?=$|\s+[A-Z0-9])"))


def _lien(courriel) -> str:
    """The one link of the portal in an e-mail's body."""
    (lien,) = [url for url in LIEN.findall(courriel.body) if "/connexion/" not in url]
    return lien


def _courriel_a(adresse: str):
    from django.core import mail

    (courriel,) = [m for m in mail.outbox if adresse in m.to]
    mail.outbox.remove(courriel)
    return courriel


def _activer(page, lien: str, identifiant: str, url: str, auditer) -> None:
    """Opens the activation link, chooses the password, then logs in with it."""
    from playwright.sync_api import expect

    page.goto(lien)
    expect(page.get_by_role("heading", level=1)).to_have_text("Activer votre compte")
    auditer(page, "Activer votre compte")
    # (« Nouveau mot de passe » is also found in « Confirmation du nouveau mot de passe ».)
    page.get_by_label("Nouveau mot de passe").first.fill(MOT_DE_PASSE)
    page.get_by_label("Confirmation du nouveau mot de passe").fill(MOT_DE_PASSE)
    page.get_by_role("button", name="Activer mon compte").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Compte activé")
    page.locator("#content").get_by_role("link", name="Se connecter").click()
    page.get_by_label("Identifiant").fill(identifiant)
    page.get_by_label("Mot de passe").fill(MOT_DE_PASSE)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url(f"{url}/")


@pytest.mark.browser
def test_enrolement_de_bout_en_bout(navigateur_portail_vierge, settings, tmp_path):
    from django.core import mail
    from django.core.cache import cache
    from playwright.sync_api import expect

    from demandes.models import Demande, DemandeEnrolement, Fournisseur
    from imports.models import Import

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mail.outbox = []
    # The throttle of « Demander un accès » counts the POSTs per address in the cache (Redis in CI):
    # the other tests' POSTs from 127.0.0.1 must not count against this visitor.
    cache.clear()
    navigateur = navigateur_portail_vierge
    url = navigateur.url
    refus_csp, exterieures = [], []

    def nouvelle_page():
        page = navigateur.nouvelle_page()
        page.on("console", lambda m: refus_csp.append(m.text) if "Content Security Policy" in m.text else None)
        page.on("request", lambda r: None if r.url.startswith((url, "data:")) else exterieures.append(r.url))
        return page

    def auditer(page, ecran: str) -> None:
        # The page as the portal served it refuses nothing; axe-core's own probes (inline styles it
        # sets while it runs) are not the portal's: forgotten after the audit.
        assert refus_csp == [], ecran
        verifier_accessibilite(page, ecran)
        refus_csp.clear()

    # --- the manager loads the référentiel ANS: dry run, then confirmation ------------------------
    gestion = nouvelle_page()
    navigateur.se_connecter(gestion, "gestionnaire")
    gestion.get_by_role("link", name="Référentiel ANS").first.click()
    gestion.get_by_role("link", name="Importer").click()
    referentiel = tmp_path / "referentiel.csv"
    referentiel.write_bytes(csv_de(REFERENTIEL))
    gestion.locator("input[name=import_file]").set_input_files(str(referentiel))
    gestion.locator("select[name=format]").select_option(label="csv")
    gestion.locator("input[type=submit]").click()
    expect(gestion.locator("table.import-preview tr.new")).to_have_count(1)
    gestion.locator("input[name=confirm]").click()
    expect(gestion.locator("#result_list tbody tr")).to_have_count(1)

    # --- a visitor asks for access from the login page ------------------------------------------
    visiteur = nouvelle_page()
    visiteur.goto(f"{url}/connexion/")
    visiteur.get_by_role("link", name="Demander un accès").click()
    auditer(visiteur, "Demander un accès")
    _champ(visiteur, "SIRET").fill(SIRET_RELAIS)
    visiteur.get_by_label("Dénomination sociale").fill("RELAIS CAP FRANCE AU GAI LOGIS")
    _champ(visiteur, "Adresse").fill("12 rue de la République")
    visiteur.get_by_label("Code postal").fill("69002")
    visiteur.get_by_label("Commune").fill("Lyon")
    _champ(visiteur, "Nom").fill("Martin")
    visiteur.get_by_label("Prénom").fill("Claire")
    visiteur.get_by_label("Fonction").fill("Directrice des opérations")
    visiteur.get_by_label("Adresse électronique").fill("claire.martin@relais.example")
    visiteur.get_by_label("Téléphone").fill("04 72 00 00 00")
    visiteur.get_by_label("Numéros ANS de vos solutions référencées").fill(ANS)
    _champ(visiteur, "IBAN").fill("FR76 3000 6000 0112 3456 7890 189")
    _champ(visiteur, "BIC").fill("AGRIFRPP882")
    rib = tmp_path / "rib.pdf"
    rib.write_bytes(PDF)
    visiteur.get_by_label("RIB (relevé d").set_input_files(str(rib))
    # The DSFR draws the box at the label's left edge (the input itself is hidden under the label).
    visiteur.locator("label[for=id_conditions]").click(position={"x": 8, "y": 8})
    expect(visiteur.get_by_label("J'accepte les conditions d'utilisation du portail")).to_be_checked()
    visiteur.get_by_role("button", name="Envoyer ma demande d'accès").click()
    expect(visiteur.get_by_role("heading", level=1)).to_have_text("Demande enregistrée")
    auditer(visiteur, "Demande enregistrée")

    # --- … and confirms his address from the e-mail ---------------------------------------------
    visiteur.goto(_lien(_courriel_a("claire.martin@relais.example")))
    auditer(visiteur, "Confirmer l'adresse")
    visiteur.get_by_role("button", name="Confirmer mon adresse et transmettre ma demande").click()
    expect(visiteur.get_by_role("heading", level=1)).to_contain_text("transmise")
    auditer(visiteur, "Demande transmise")
    assert DemandeEnrolement.objects.get().statut == DemandeEnrolement.Statut.A_VERIFIER

    # --- the manager checks it against the référentiel and validates it -------------------------
    gestion.goto(f"{url}/admin/")
    gestion.get_by_role("link", name="Demandes d'enrôlement").first.click()
    gestion.get_by_role("link", name="RELAIS CAP FRANCE AU GAI LOGIS").click()
    expect(gestion.get_by_text("Conforme").first).to_be_visible()
    gestion.get_by_text("Valider la demande").first.click()
    gestion.get_by_role("button", name="Confirmer la validation").click()
    expect(gestion.locator(".messagelist")).to_contain_text("Demande validée")
    fournisseur = Fournisseur.objects.get(siret=SIRET_RELAIS)

    # --- the first user activates his account, logs in, simulates and imports the guide's model ---
    premier = nouvelle_page()
    _activer(premier, _lien(_courriel_a("claire.martin@relais.example")), "claire.martin@relais.example", url, auditer)
    import_id = simuler(premier, url, MODELES / "avance-structure-ttc.json", numero_ans=ANS)
    expect(premier.get_by_role("alert")).to_contain_text("La simulation de l'import s'est déroulée correctement.")
    importer(premier, url, import_id)
    demande = Demande.objects.get(import_demandes_id=import_id)
    assert demande.fournisseur == fournisseur

    # --- … invites a colleague -------------------------------------------------------------------
    premier.get_by_role("link", name="Équipe").first.click()
    auditer(premier, "Équipe")
    invitation = premier.locator("#inviter")
    _champ(invitation, "Prénom").fill("Paul")
    _champ(invitation, "Nom").fill("Durand")
    _champ(invitation, "Adresse électronique").fill("paul.durand@relais.example")
    invitation.get_by_role("button", name="Inviter un collègue").click()
    expect(premier.locator("#equipe")).to_contain_text("paul.durand@relais.example")
    expect(premier.locator("#equipe")).to_contain_text("Invitation envoyée le")

    # --- who activates his account, logs in and sees the import, and who made it ------------------
    collegue = nouvelle_page()
    _activer(collegue, _lien(_courriel_a("paul.durand@relais.example")), "paul.durand@relais.example", url, auditer)
    collegue.get_by_role("link", name="Importation JSONs").first.click()
    ligne = collegue.locator("tbody tr", has_text=Import.objects.get(pk=import_id).nom_fichier)
    expect(ligne).to_have_count(1)
    expect(ligne).to_contain_text("Claire Martin")
    for page in (gestion, visiteur, premier, collegue):
        page.context.close()
    assert refus_csp == []
    assert exterieures == []
