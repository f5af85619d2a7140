"""« Demander un accès » (issue 15, point 2): from the login page to the stored request and its
confirmation e-mail; every refusal with its message and nothing stored; the throttle; a mail server
that fails (the request kept, the e-mail sent again on request)."""

import smtplib
from unittest import mock

import pytest
from django.core import mail
from django.core.files.storage import default_storage

from demandes.models import DemandeEnrolement, SolutionReferencee
from tests.factories import PDF, PNG
from tests.pages import page, texte

from .aides_depot import (
    BIC,
    IBAN,
    NUMERO,
    NUMERO_2,
    SIRET_AUTRE,
    SIRET_NOUVEAU,
    URL_DEMANDE,
    action_du_bouton,
    champs,
    courriels_de_confirmation,
    deposer,
    lien_du_courriel,
    referencer,
    rib,
    vider_compteurs,
)

pytestmark = pytest.mark.django_db

Statut = DemandeEnrolement.Statut
MESSAGE_LIMITE = "Trop de demandes d'accès envoyées depuis votre connexion : réessayez dans une heure."


@pytest.fixture(autouse=True)
def compteurs_a_zero():
    vider_compteurs()


def test_la_page_de_connexion_mene_au_formulaire(client):
    connexion = client.get("/connexion/")
    assert "Vous êtes éditeur d'un logiciel référencé Ségur et n'avez pas encore de compte ?" in texte(connexion)

    formulaire = client.get(page(connexion).lien("Demander un accès").attrs["href"])

    assert formulaire.status_code == 200
    contenu = texte(formulaire)
    for libelle in (
        "Votre structure",
        "SIRET",
        "Dénomination sociale",
        "La personne à contacter",
        "Numéros ANS de vos solutions référencées",
        "Coordonnées bancaires pour les paiements",
        "IBAN",
        "RIB (relevé d'identité bancaire)",
        "J'accepte les conditions d'utilisation du portail",
    ):
        assert libelle in contenu
    assert page(formulaire).bouton("Envoyer ma demande d'accès")
    # The terms, from the link beside the box.
    conditions = client.get(page(formulaire).lien("Lire les conditions d'utilisation").attrs["href"])
    assert "Engagements de la structure" in texte(conditions)


def test_parcours_complet_du_depot_a_la_transmission(client):
    referencer(NUMERO)
    referencer(NUMERO_2)
    formulaire = client.get(page(client.get("/connexion/")).lien("Demander un accès").attrs["href"])
    assert formulaire.status_code == 200

    # Two numéros, one repeated, separated by a line and a comma.
    reponse = deposer(client, numeros_ans=f"{NUMERO}\n{NUMERO_2}, {NUMERO}\n")

    assert reponse.status_code == 302
    demande = DemandeEnrolement.objects.get()
    assert demande.statut == Statut.ADRESSE_A_CONFIRMER
    assert demande.siret == SIRET_NOUVEAU  # the spaces typed are dropped
    assert demande.numeros_ans == [NUMERO, NUMERO_2]
    assert (demande.iban, demande.bic) == (IBAN, BIC)
    assert demande.date_acceptation_conditions is not None
    with default_storage.open(demande.rib.name) as fichier:
        assert fichier.read() == PDF
    assert demande.history.get().history_change_reason == "Demande déposée"

    enregistree = client.get(reponse["Location"])
    assert "Demande enregistrée" in texte(enregistree)
    assert "Un courriel a été envoyé à claire.martin@nouvel-editeur.fr" in texte(enregistree, lu=True)
    assert "Le lien reste valable 48 heures." in texte(enregistree, lu=True)

    (courriel,) = courriels_de_confirmation()
    assert courriel.to == ["claire.martin@nouvel-editeur.fr"]
    lien = lien_du_courriel(courriel)

    confirmation = client.get(lien)
    contenu = texte(confirmation, lu=True)
    assert "Nouvel Éditeur SAS" in contenu and SIRET_NOUVEAU in contenu
    assert "no-store" in confirmation["Cache-Control"]
    demande.refresh_from_db()
    assert demande.statut == Statut.ADRESSE_A_CONFIRMER  # opening the link confirms nothing

    bouton = page(confirmation).bouton("Confirmer mon adresse et transmettre ma demande")
    assert bouton
    transmise = client.post(lien, follow=True)

    assert "Demande transmise à l'ASP" in texte(transmise)
    assert "Un gestionnaire de l'ASP vérifie votre demande au regard du référentiel ANS" in texte(transmise)
    demande.refresh_from_db()
    assert demande.statut == Statut.A_VERIFIER
    assert demande.date_confirmation is not None
    assert demande.history.first().history_change_reason == (
        "Adresse électronique confirmée : demande transmise à l'ASP"
    )


def _refus(client, **changements):
    """The form posted with `changements`: the page again (200) with its text; nothing stored."""
    avant = DemandeEnrolement.objects.count()  # the demo suppliers' requests, when the demo is loaded
    reponse = deposer(client, **changements)
    assert reponse.status_code == 200
    assert DemandeEnrolement.objects.count() == avant
    assert not mail.outbox
    return texte(reponse)


def test_siret_a_la_cle_fausse(client):
    referencer()
    assert "SIRET invalide : 14 chiffres avec une clé de contrôle correcte." in _refus(
        client, siret="881 234 567 00018"
    )


def test_numero_ans_inconnu_et_numero_d_un_autre_siret(client):
    referencer(NUMERO)
    referencer(NUMERO_2, siret=SIRET_AUTRE)

    contenu = _refus(client, numeros_ans=f"{NUMERO}\ninconnu-42\n{NUMERO_2}")

    assert "Le numéro ANS « inconnu-42 » est inconnu du référentiel ANS." in contenu
    assert f"Le numéro ANS « {NUMERO_2} » est référencé pour un autre SIRET que {SIRET_NOUVEAU}." in contenu
    assert f"Le numéro ANS « {NUMERO} »" not in contenu  # the one of this SIRET is accepted


def test_numero_ans_deja_rattache_a_un_autre_fournisseur(client, demo):
    # mlp525off1 is relais's solution; a référentiel line wrongly giving it to the new SIRET
    SolutionReferencee.objects.filter(numero_ans="mlp525off1").delete()
    referencer("mlp525off1")

    assert "Le numéro ANS « mlp525off1 » est déjà rattaché à un autre fournisseur du portail." in _refus(
        client, numeros_ans="mlp525off1"
    )


def test_iban_et_bic_invalides(client):
    referencer()

    contenu = _refus(client, iban="FR76 3000 6000 0112 3456 7890 188", bic="AGRIXXPP")

    assert "IBAN invalide : vérifiez-le sur votre RIB" in contenu
    assert "BIC invalide : 8 ou 11 caractères, tels qu'ils figurent sur votre RIB" in contenu


@pytest.mark.parametrize(
    ("fichier", "message"),
    [
        (rib("rib.pdf", PNG), "RIB « rib.pdf » refusé : le contenu (image/png) n'est pas un fichier PDF."),
        (
            rib("rib.docx", b"PK\x03\x04" + b"\x00" * 64),
            "Le RIB doit être un fichier PDF (.pdf) : « rib.docx » n'en est pas un.",
        ),
    ],
    ids=["png-renomme-pdf", "docx"],
)
def test_rib_qui_n_est_pas_un_pdf(client, fichier, message):
    referencer()
    assert message in _refus(client, rib=fichier)


def test_conditions_non_acceptees(client):
    referencer()
    assert "Cochez « J'accepte les conditions d'utilisation du portail » pour envoyer votre demande." in _refus(
        client, conditions=None
    )


def test_siret_deja_enrole(client, demo):
    referencer(NUMERO, siret="77625125800013")
    assert (
        "Ce SIRET est déjà enrôlé sur le portail : demandez à l'administrateur de votre structure de vous inviter."
        in _refus(client, siret="77625125800013")
    )


def test_une_demande_deja_en_instruction(client):
    referencer()
    deposer(client)
    DemandeEnrolement.objects.update(statut=Statut.A_VERIFIER)
    mail.outbox.clear()

    reponse = deposer(client)

    assert reponse.status_code == 200
    assert "Une demande d'accès pour ce SIRET est déjà en cours d'instruction par l'ASP." in texte(reponse)
    assert DemandeEnrolement.objects.count() == 1
    assert not mail.outbox


def test_champs_obligatoires_et_formats(client):
    contenu = _refus(
        client,
        denomination="",
        code_postal="7501",
        contact_email="claire.martin",
        contact_telephone="12 34",
        numeros_ans=" , \n",
        rib=None,
    )
    assert "Saisissez la dénomination sociale de votre structure." in contenu
    assert "Code postal invalide : 5 chiffres, par exemple 75012." in contenu
    assert "Adresse électronique invalide : par exemple prenom.nom@editeur.fr." in contenu
    assert "Numéro de téléphone invalide" in contenu
    assert "Saisissez au moins un numéro ANS." in contenu
    assert "Joignez le RIB du compte, au format PDF." in contenu


def test_le_sixieme_envoi_de_l_heure_est_refuse(client):
    referencer()
    for _ in range(5):
        assert deposer(client, conditions=None).status_code == 200  # refused by the form, counted

    reponse = deposer(client, denomination="Nouvel Éditeur & Fils")

    assert reponse.status_code == 429
    assert MESSAGE_LIMITE in texte(reponse)
    assert not DemandeEnrolement.objects.exists()
    # What was typed is shown again, not judged: the form was not validated.
    assert 'value="Nouvel Éditeur &amp; Fils"' in reponse.content.decode()
    assert "Votre demande n'est pas envoyée" not in texte(reponse)
    # Another connection is not concerned.
    assert client.post(URL_DEMANDE, champs(), REMOTE_ADDR="203.0.113.9").status_code == 302


def test_courriel_en_echec_puis_renvoye(client):
    referencer()
    with mock.patch(
        "demandes.enrolement.depot.EmailMultiAlternatives.send",
        side_effect=smtplib.SMTPServerDisconnected("Connection unexpectedly closed"),
    ):
        reponse = deposer(client)
        enregistree = client.get(reponse["Location"])

    demande = DemandeEnrolement.objects.get()  # kept
    assert demande.statut == Statut.ADRESSE_A_CONFIRMER
    contenu = texte(enregistree, lu=True)
    assert "Le courriel de confirmation n'a pas pu être envoyé à claire.martin@nouvel-editeur.fr" in contenu
    assert not mail.outbox

    renvoi = client.post(action_du_bouton(enregistree, "Renvoyer le courriel de confirmation"), follow=True)

    assert "Un courriel vient d'être renvoyé à claire.martin@nouvel-editeur.fr" in texte(renvoi, lu=True)
    (courriel,) = courriels_de_confirmation()
    assert client.post(lien_du_courriel(courriel)).status_code == 302
    demande.refresh_from_db()
    assert demande.statut == Statut.A_VERIFIER


def test_renvoyer_sans_demande_dans_la_session(client):
    referencer()
    deposer(client)
    autre = client.__class__()

    reponse = autre.post("/demander-un-acces/renvoyer/")

    assert reponse.status_code == 302 and reponse["Location"] == URL_DEMANDE
    assert len(courriels_de_confirmation()) == 1


def test_depot_confirmation_et_limite_journalises_sans_donnee_personnelle(client, settings, caplog):
    from tests.portail.test_exploitation import evenements

    settings.SEGUR_LIMITE_DEMANDES_ACCES = "2/h"
    referencer()
    with caplog.at_level("INFO"):
        deposer(client)
        (courriel,) = courriels_de_confirmation()
        client.post(lien_du_courriel(courriel))
        client.post(URL_DEMANDE, champs())

    demande = DemandeEnrolement.objects.get()
    (depot,) = evenements(caplog, "demande_acces_deposee")
    (envoi,) = evenements(caplog, "confirmation_demande_acces")
    (confirmation,) = evenements(caplog, "demande_acces_confirmee")
    (limite,) = evenements(caplog, "demande_acces_limitee")
    assert depot["demande_enrolement_id"] == envoi["demande_enrolement_id"] == demande.pk
    assert confirmation["demande_enrolement_id"] == demande.pk
    assert limite["page"] == "depot"
    lignes = str([depot, envoi, confirmation, limite])
    for donnee in (SIRET_NOUVEAU, "claire.martin", "Martin", IBAN, "Nouvel Éditeur"):
        assert donnee not in lignes


def test_rib_trop_lourd_pour_le_portail(client, settings):
    """A file past the portal's upload limit is dropped while it arrives: the page says why."""
    settings.SEGUR_MAX_JSON_BYTES = 10_000  # the limit of every upload but a zip's
    referencer()

    contenu = _refus(client, rib=rib("rib.pdf", PDF + b"%" + b"0" * 20_000))

    assert "Le RIB dépasse 3 Mo : joignez un PDF plus léger." in contenu
    assert "Joignez le RIB du compte, au format PDF." not in contenu
