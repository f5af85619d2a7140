"""The first account of an enrolled supplier, from the e-mail on: the manager validates the request,
the contact opens the activation link of the e-mail, chooses a password (« Compte activé »), logs in
at /connexion/ and finds his structure on the home page. The link works three days and once."""

import datetime
from unittest import mock

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.test import Client

from tests.pages import texte
from tests.parcours import se_connecter

from .outils_instruction import (
    CONTACT,
    SIRET_NOUVEAU,
    VALIDER,
    decider,
    demande_enrolement,
    lien_d_activation,
    ligne_referentiel,
)

MOT_DE_PASSE = "Éditions-du-Sud-2024!"
INVALIDE = "Lien d'activation invalide ou expiré"


@pytest.fixture
def courriel(client_gestionnaire, demo, mailoutbox):
    """The activation e-mail the contact receives once the manager validated his request."""
    ligne_referentiel("ans0000001")
    decider(client_gestionnaire, demande_enrolement(["ans0000001"]), VALIDER)
    (message,) = mailoutbox
    return message


def ouvrir(lien):
    """The contact's own browser (not the manager's session) opens the link."""
    navigateur = Client()
    return navigateur, navigateur.get(lien, follow=True)


def activer(navigateur, page_du_lien, mot_de_passe=MOT_DE_PASSE):
    assert page_du_lien.status_code == 200
    assert "Activer votre compte" in texte(page_du_lien)
    # The token leaves the address before the form is shown (Django's « set-password » step).
    (adresse, _), *_ = page_du_lien.redirect_chain
    assert adresse.endswith("/set-password/")
    return navigateur.post(adresse, {"new_password1": mot_de_passe, "new_password2": mot_de_passe}, follow=True)


def test_du_courriel_d_activation_a_l_accueil_du_fournisseur(courriel):
    assert courriel.to == [CONTACT]
    assert courriel.subject == "Portail Ségur numérique : activez votre compte"
    assert "La demande d'accès de ÉDITIONS LOGICIELLES DU SUD au portail Ségur numérique est validée" in courriel.body
    assert f"Votre identifiant : {CONTACT}" in courriel.body
    assert "reste valable 3 jours" in courriel.body

    navigateur, page_du_lien = ouvrir(lien_d_activation(courriel))
    assert f"Compte {CONTACT} — ÉDITIONS LOGICIELLES DU SUD" in texte(page_du_lien, lu=True)
    fin = activer(navigateur, page_du_lien)
    assert fin.redirect_chain[-1][0] == "/activation/terminee/"
    assert "Compte activé" in texte(fin)
    assert get_user_model().objects.get(email=CONTACT).has_usable_password()

    connexion = se_connecter(navigateur, CONTACT, MOT_DE_PASSE)
    assert connexion.status_code == 302 and connexion["Location"] == "/"
    accueil = navigateur.get("/")
    assert accueil.status_code == 200
    assert f"ÉDITIONS LOGICIELLES DU SUD — SIRET {SIRET_NOUVEAU}" in texte(accueil)


def test_un_lien_de_plus_de_trois_jours_est_refuse(courriel):
    lien = lien_d_activation(courriel)
    dans_quatre_jours = datetime.datetime.now() + datetime.timedelta(days=4)
    with mock.patch.object(PasswordResetTokenGenerator, "_now", return_value=dans_quatre_jours):
        _, reponse = ouvrir(lien)
    assert reponse.status_code == 200
    assert INVALIDE in texte(reponse)
    assert "il reste valable 3 jours" in texte(reponse)
    assert not get_user_model().objects.get(email=CONTACT).has_usable_password()


def test_un_lien_de_deux_jours_sert_encore(courriel):
    dans_deux_jours = datetime.datetime.now() + datetime.timedelta(days=2)
    with mock.patch.object(PasswordResetTokenGenerator, "_now", return_value=dans_deux_jours):
        navigateur, page_du_lien = ouvrir(lien_d_activation(courriel))
        fin = activer(navigateur, page_du_lien)
    assert "Compte activé" in texte(fin)


def test_un_lien_deja_utilise_est_refuse(courriel):
    lien = lien_d_activation(courriel)
    navigateur, page_du_lien = ouvrir(lien)
    assert "Compte activé" in texte(activer(navigateur, page_du_lien))

    # The same link again (the e-mail kept, or forwarded): it cannot set another password.
    autre, reponse = ouvrir(lien)
    assert INVALIDE in texte(reponse)
    assert "Activer mon compte" not in texte(reponse)
    assert se_connecter(autre, CONTACT, MOT_DE_PASSE)["Location"] == "/"
