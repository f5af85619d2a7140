"""Answering a manager's « Demander un complément » (the link of his e-mail): his message and the
form prefilled, the SIRET and the confirmed address fixed, the RIB kept unless a new one is sent,
back to « À vérifier »; a link for a request that no longer waits for a complément says so."""

import html
import time
from unittest import mock

import pytest
from django.core.files.storage import default_storage

from demandes.models import DemandeEnrolement
from tests.factories import PDF_BIS, PNG
from tests.pages import page, texte

from .aides_depot import (
    NUMERO,
    NUMERO_2,
    SIRET_NOUVEAU,
    action_du_bouton,
    champs,
    courriels_de_confirmation,
    deposer,
    en_complement,
    lien_du_courriel,
    referencer,
    rib,
    vider_compteurs,
)

pytestmark = pytest.mark.django_db

Statut = DemandeEnrolement.Statut
BOUTON = "Renvoyer ma demande complétée"
MOTIF = "Joignez le RIB du compte professionnel, pas celui du dirigeant."


@pytest.fixture(autouse=True)
def compteurs_a_zero():
    vider_compteurs()


@pytest.fixture
def demande(client) -> DemandeEnrolement:
    """A request deposited and confirmed through the pages, now « À vérifier »."""
    referencer(NUMERO)
    referencer(NUMERO_2)
    assert deposer(client).status_code == 302
    (courriel,) = courriels_de_confirmation()
    assert client.post(lien_du_courriel(courriel)).status_code == 302
    return DemandeEnrolement.objects.get(statut=Statut.A_VERIFIER)


def _balise(reponse, nom) -> str:
    """The opening tag of the field `nom`."""
    contenu = reponse.content.decode()
    debut = contenu.index(f'name="{nom}"')
    return contenu[contenu.rindex("<", 0, debut) : contenu.index(">", debut) + 1]


def _valeur(reponse, nom) -> str:
    contenu = reponse.content.decode()
    debut = contenu.index(f'name="{nom}"')
    balise = _balise(reponse, nom)
    if balise.startswith("<textarea"):
        return contenu[contenu.index(">", debut) + 1 : contenu.index("</textarea>", debut)].strip()
    valeur = balise.split('value="', 1)
    return html.unescape(valeur[1].split('"', 1)[0]) if len(valeur) > 1 else ""


def test_le_formulaire_prerempli_et_le_message_du_gestionnaire(client, demande):
    lien = en_complement(demande, MOTIF)

    reponse = client.get(lien)

    assert reponse.status_code == 200
    assert MOTIF in texte(reponse)
    assert _valeur(reponse, "siret") == SIRET_NOUVEAU
    assert _valeur(reponse, "denomination") == "Nouvel Éditeur SAS"
    assert _valeur(reponse, "contact_email") == "claire.martin@nouvel-editeur.fr"
    assert _valeur(reponse, "numeros_ans") == NUMERO
    assert _valeur(reponse, "iban") == demande.iban
    assert "no-store" in reponse["Cache-Control"]  # the IBAN in clear: never kept by a cache
    assert "Un RIB est déjà joint à votre demande." in texte(reponse)
    for nom in ("siret", "contact_email"):
        assert " disabled" in _balise(reponse, nom)
    assert " disabled" not in _balise(reponse, "denomination")
    assert " required" not in _balise(reponse, "rib")
    assert "checked" not in _balise(reponse, "conditions")  # accepted again, on purpose


def test_complement_apporte_avec_un_nouveau_rib(client, demande):
    lien = en_complement(demande, MOTIF)
    ancien_rib = demande.rib.name
    formulaire = client.get(lien)

    reponse = client.post(
        action_du_bouton(formulaire, BOUTON),
        champs(
            siret="55212345600014",  # ignored: the SIRET is fixed
            contact_email="pirate@example.org",  # ignored too: the confirmed address stays
            denomination="Nouvel Éditeur SA",
            numeros_ans=f"{NUMERO}\n{NUMERO_2}",
            rib=rib("rib-pro.pdf", PDF_BIS),
        ),
        follow=True,
    )

    assert "Demande transmise à l'ASP" in texte(reponse)
    assert "Votre complément est enregistré" in texte(reponse)
    demande.refresh_from_db()
    assert demande.statut == Statut.A_VERIFIER
    assert (demande.siret, demande.contact_email) == (SIRET_NOUVEAU, "claire.martin@nouvel-editeur.fr")
    assert demande.denomination == "Nouvel Éditeur SA"
    assert demande.numeros_ans == [NUMERO, NUMERO_2]
    assert demande.rib.name != ancien_rib
    with default_storage.open(demande.rib.name) as fichier:
        assert fichier.read() == PDF_BIS
    assert default_storage.exists(ancien_rib)  # the one the manager saw stays, for the history
    assert demande.history.first().history_change_reason == "Complément apporté"


def test_complement_sans_nouveau_rib_garde_le_rib(client, demande):
    lien = en_complement(demande)
    ancien_rib = demande.rib.name

    reponse = client.post(lien, champs(contact_telephone="06 12 34 56 78", rib=None))

    assert reponse.status_code == 302
    demande.refresh_from_db()
    assert demande.statut == Statut.A_VERIFIER
    assert demande.contact_telephone == "06 12 34 56 78"
    assert demande.rib.name == ancien_rib


def test_complement_refuse_garde_la_demande_en_attente(client, demande):
    lien = en_complement(demande)

    reponse = client.post(lien, champs(numeros_ans="inconnu-7", rib=rib("rib.pdf", PNG), conditions=None))

    assert reponse.status_code == 200
    contenu = texte(reponse)
    assert "Le numéro ANS « inconnu-7 » est inconnu du référentiel ANS." in contenu
    assert "RIB « rib.pdf » refusé : le contenu (image/png) n'est pas un fichier PDF." in contenu
    assert "Cochez « J'accepte les conditions d'utilisation du portail » pour envoyer votre demande." in contenu
    demande.refresh_from_db()
    assert demande.statut == Statut.COMPLEMENT_DEMANDE
    assert demande.numeros_ans == [NUMERO]


@pytest.mark.parametrize(
    ("statut", "message"),
    [
        (
            Statut.A_VERIFIER,
            "Votre demande d'accès n'attend pas de complément : son statut est « À vérifier ».",
        ),
        (
            Statut.VALIDEE,
            "Votre demande d'accès est déjà instruite (« Validée ») : la décision de l'ASP vous a été envoyée "
            "par courriel.",
        ),
    ],
)
def test_lien_d_une_demande_qui_n_attend_pas_de_complement(client, demande, statut, message):
    lien = en_complement(demande)
    DemandeEnrolement.objects.filter(pk=demande.pk).update(statut=statut)

    for reponse in (client.get(lien), client.post(lien, champs(denomination="Autre"))):
        assert reponse.status_code == 200
        assert message in texte(reponse)
        assert BOUTON not in [b.texte for b in page(reponse).boutons]
    demande.refresh_from_db()
    assert (demande.statut, demande.denomination) == (statut, "Nouvel Éditeur SAS")


def test_lien_de_complement_expire_ou_altere(client, demande):
    with mock.patch("django.core.signing.time.time", return_value=time.time() - 31 * 24 * 3600):
        expire = en_complement(demande)
    altere = en_complement(demande).replace("/completer/", "/completer/x")

    for lien in (expire, altere):
        reponse = client.post(lien, champs())
        assert "Ce lien de complément n'est plus valable (il a expiré ou il est incomplet)" in texte(reponse)
    demande.refresh_from_db()
    assert demande.statut == Statut.COMPLEMENT_DEMANDE


def test_le_lien_de_confirmation_ne_sert_pas_de_lien_de_complement(client, demande):
    """Each link for its own purpose: the confirmation's signature does not open the complément."""
    en_complement(demande)
    (courriel,) = courriels_de_confirmation()
    lien = lien_du_courriel(courriel).replace("/confirmer/", "/completer/")

    assert "Ce lien de complément n'est plus valable" in texte(client.get(lien))


def test_complement_limite_par_connexion(client, demande, settings):
    settings.SEGUR_LIMITE_DEMANDES_ACCES = "1/h"
    vider_compteurs()  # the deposit and the confirmation of the fixture counted
    lien = en_complement(demande)
    assert client.post(lien, champs(conditions=None)).status_code == 200

    reponse = client.post(lien, champs(siret="55212345600014", denomination="Nouvel Éditeur SA"))

    assert reponse.status_code == 429
    assert "Trop de demandes d'accès envoyées depuis votre connexion : réessayez dans une heure." in texte(reponse)
    assert _valeur(reponse, "denomination") == "Nouvel Éditeur SA"  # as typed
    assert _valeur(reponse, "siret") == SIRET_NOUVEAU  # the request's, whatever was posted
    demande.refresh_from_db()
    assert (demande.statut, demande.denomination) == (Statut.COMPLEMENT_DEMANDE, "Nouvel Éditeur SAS")
