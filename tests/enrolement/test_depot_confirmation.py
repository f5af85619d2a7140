"""The confirmation link of « Demander un accès »: expired, tampered with, already used; and a second
request for the SIRET confirmed after the first reached the managers (the database's constraint
refuses it: a message, never a 500)."""

import time
from unittest import mock

import pytest
from django.core import mail

from demandes.models import DemandeEnrolement
from tests.pages import page, texte

from .aides_depot import (
    action_du_bouton,
    courriels_de_confirmation,
    deposer,
    lien_du_courriel,
    referencer,
    vider_compteurs,
)

pytestmark = pytest.mark.django_db

Statut = DemandeEnrolement.Statut
LIEN_INVALIDE = (
    "Ce lien de confirmation n'est plus valable (il a expiré ou il est incomplet) : "
    "déposez une nouvelle demande d'accès."
)
DEJA_CONFIRMEE = "Votre adresse est déjà confirmée : votre demande est entre les mains de l'ASP."
BOUTON = "Confirmer mon adresse et transmettre ma demande"


@pytest.fixture(autouse=True)
def compteurs_a_zero():
    vider_compteurs()


def _deposee(client) -> str:
    """A request deposited through the form; the link of its e-mail."""
    mail.outbox.clear()
    assert deposer(client).status_code == 302
    (courriel,) = courriels_de_confirmation()
    return lien_du_courriel(courriel)


def test_lien_expire(client):
    referencer()
    il_y_a_49_heures = time.time() - 49 * 3600
    with mock.patch("django.core.signing.time.time", return_value=il_y_a_49_heures):
        lien = _deposee(client)

    for reponse in (client.get(lien), client.post(lien)):
        assert reponse.status_code == 200
        assert LIEN_INVALIDE in texte(reponse)
        assert page(reponse).lien("Déposer une nouvelle demande d'accès").attrs["href"] == "/demander-un-acces/"
    assert DemandeEnrolement.objects.get().statut == Statut.ADRESSE_A_CONFIRMER


def test_lien_encore_valable_a_47_heures(client):
    referencer()
    with mock.patch("django.core.signing.time.time", return_value=time.time() - 47 * 3600):
        lien = _deposee(client)

    assert client.post(lien).status_code == 302
    assert DemandeEnrolement.objects.get().statut == Statut.A_VERIFIER


@pytest.mark.parametrize(
    "alteration",
    [
        lambda lien: lien.replace("/confirmer/", "/confirmer/x"),
        lambda lien: lien[:-5] + "/",  # cut short, as a mail client may wrap it
        lambda lien: lien.replace("/confirmer/", "/confirmer/%00"),
    ],
    ids=["modifie", "tronque", "octet-nul"],
)
def test_lien_altere(client, alteration):
    referencer()
    lien = alteration(_deposee(client))

    reponse = client.post(lien)

    assert reponse.status_code in (200, 400)
    if reponse.status_code == 200:
        assert LIEN_INVALIDE in texte(reponse)
    assert DemandeEnrolement.objects.get().statut == Statut.ADRESSE_A_CONFIRMER


def test_lien_d_une_autre_adresse_apres_changement(client):
    """The link names the request and its address: signed for another address, it confirms nothing."""
    referencer()
    lien = _deposee(client)
    DemandeEnrolement.objects.update(contact_email="autre@nouvel-editeur.fr")

    assert LIEN_INVALIDE in texte(client.post(lien))
    assert DemandeEnrolement.objects.get().statut == Statut.ADRESSE_A_CONFIRMER


def test_lien_deja_utilise(client):
    referencer()
    lien = _deposee(client)
    assert client.post(action_du_bouton(client.get(lien), BOUTON)).status_code == 302
    historiques = DemandeEnrolement.history.count()

    deuxieme_visite = client.get(lien)
    deuxieme_clic = client.post(lien)

    for reponse in (deuxieme_visite, deuxieme_clic):
        assert reponse.status_code == 200
        assert DEJA_CONFIRMEE in texte(reponse)
        assert BOUTON not in [b.texte for b in page(reponse).boutons]
    assert DemandeEnrolement.history.count() == historiques  # nothing written again


def test_lien_d_une_demande_deja_instruite(client):
    referencer()
    lien = _deposee(client)
    client.post(lien)
    DemandeEnrolement.objects.update(statut=Statut.REFUSEE, motif="SIRET sans rapport avec l'éditeur.")

    assert "votre demande a été instruite par l'ASP : la décision vous a été envoyée par courriel." in texte(
        client.get(lien)
    )


def test_deux_demandes_non_confirmees_pour_un_siret(client):
    """Two requests deposited for one SIRET before any was confirmed (both allowed: unconfirmed, they
    reach nobody); the first confirmed, the second's confirmation is refused with a message."""
    referencer()
    premier = _deposee(client)
    second = _deposee(client)
    assert client.post(premier).status_code == 302

    reponse = client.post(second)

    assert reponse.status_code == 409
    assert "Une demande d'accès pour ce SIRET est déjà en cours d'instruction par l'ASP." in texte(reponse)
    assert sorted(DemandeEnrolement.objects.values_list("statut", flat=True)) == sorted(
        [Statut.A_VERIFIER, Statut.ADRESSE_A_CONFIRMER]
    )
    # The refused one is still there, unconfirmed: nothing written about it.
    refusee = DemandeEnrolement.objects.get(statut=Statut.ADRESSE_A_CONFIRMER)
    assert refusee.date_confirmation is None
    assert refusee.history.count() == 1
