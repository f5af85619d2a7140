"""Accounts in the admin, by role (the attack replayed: a manager POSTing the admin's password form of a
superuser took the account): a manager (group « Gestionnaires ASP », staff, not superuser) never lists,
opens, edits, deletes or reads the history of a superuser or another manager — 404 / 403, and a POST
changes nothing; nobody but a superuser sets a password: the admin's password view is refused to a
manager for every account, a supplier's included; the manager edits supplier accounts (e-mail, name,
active), the rights staying read-only."""

import pytest
from django.contrib.auth.models import Group

from tests.gestion.comptes import (
    ACTION_LIEN,
    LISTE_COMPTES,
    MOT_DE_PASSE_SUPER,
    PIRATE,
    comptes_listes,
    etat,
    formulaire,
)
from tests.pages import messages_de_la_page, page, texte, vers_la_connexion_admin
from tests.parcours import se_connecter, utilisateur

# --- 1. a manager never reaches an ASP account ------------------------------------------------


def test_la_liste_du_gestionnaire_ne_montre_que_les_comptes_fournisseurs(
    client_gestionnaire, superutilisateur, autre_gestionnaire
):
    assert comptes_listes(client_gestionnaire.get(LISTE_COMPTES)) == ["hopital", "relais", "unikalo"]
    for recherche in ("chef", "collegue", "gestionnaire", "asp.gouv.fr"):
        assert comptes_listes(client_gestionnaire.get(LISTE_COMPTES, {"q": recherche})) == [], recherche
    for filtre in ({"is_superuser__exact": "1"}, {"is_staff__exact": "1"}):
        assert comptes_listes(client_gestionnaire.get(LISTE_COMPTES, filtre)) == [], filtre
    contenu = client_gestionnaire.get(LISTE_COMPTES).content.decode()
    assert f"{LISTE_COMPTES}{superutilisateur.pk}/change/" not in contenu
    assert f"{LISTE_COMPTES}{autre_gestionnaire.pk}/change/" not in contenu


def test_le_superutilisateur_voit_tous_les_comptes(client_super, autre_gestionnaire):
    assert comptes_listes(client_super.get(LISTE_COMPTES)) == [
        "chef",
        "collegue",
        "gestionnaire",
        "hopital",
        "relais",
        "unikalo",
    ]


@pytest.mark.parametrize("cible", ["superutilisateur", "autre_gestionnaire", "gestionnaire"])
def test_le_gestionnaire_n_ouvre_aucune_page_d_un_compte_de_l_asp(client_gestionnaire, request, cible):
    compte = request.getfixturevalue(cible)
    for suffixe, attendu in (("change/", 404), ("password/", 403), ("delete/", 404), ("history/", 404)):
        reponse = client_gestionnaire.get(f"{LISTE_COMPTES}{compte.pk}/{suffixe}")
        assert reponse.status_code == attendu, (suffixe, reponse.status_code)
        assert compte.email not in reponse.content.decode(), suffixe


@pytest.mark.parametrize("cible", ["superutilisateur", "autre_gestionnaire"])
def test_l_attaque_du_gestionnaire_ne_change_rien(client_gestionnaire, compte_relais, request, cible, mailoutbox):
    """The attack as it happened (the admin's password form), then every other way in."""
    compte = request.getfixturevalue(cible)
    avant = etat(compte)
    base = f"{LISTE_COMPTES}{compte.pk}/"
    tentatives = [
        (
            f"{base}password/",
            {"usable_password": "true", "password1": PIRATE, "password2": PIRATE, "set-password": "1"},
        ),
        (f"{base}password/", {"password1": PIRATE, "password2": PIRATE}),
        (
            f"{base}change/",
            {
                "username": "pirate",
                "email": "pirate@example.com",
                "first_name": "",
                "last_name": "",
                "fournisseur": str(compte_relais.fournisseur_id),
                "password": PIRATE,
                "is_superuser": "on",
                "_save": "Enregistrer",
            },
        ),
        (f"{base}delete/", {"post": "yes"}),
        (f"{base}history/", {}),
        (f"{base}reinitialisation/", {}),
    ]
    for chemin, donnees in tentatives:
        reponse = client_gestionnaire.post(chemin, donnees)
        assert reponse.status_code in (403, 404), (chemin, reponse.status_code)
    for action in (ACTION_LIEN, "delete_selected"):
        client_gestionnaire.post(LISTE_COMPTES, {"action": action, "_selected_action": [str(compte.pk)], "post": "yes"})
    assert etat(compte) == avant
    assert mailoutbox == []
    # The account still opens with its own password, and only with it.
    assert se_connecter(client_gestionnaire, compte.username, MOT_DE_PASSE_SUPER)["Location"] == "/admin/"
    client_gestionnaire.logout()
    assert se_connecter(client_gestionnaire, compte.username, PIRATE).status_code == 200


def test_l_anonyme_est_renvoye_vers_la_connexion(client, superutilisateur):
    avant = etat(superutilisateur)
    for suffixe in ("change/", "password/", "reinitialisation/"):
        chemin = f"{LISTE_COMPTES}{superutilisateur.pk}/{suffixe}"
        assert vers_la_connexion_admin(client.post(chemin, {"password1": PIRATE, "password2": PIRATE}), chemin)
    assert etat(superutilisateur) == avant


# --- 2. no password set by a manager, even a supplier's ---------------------------------------


def test_le_gestionnaire_ne_definit_pas_le_mot_de_passe_d_un_fournisseur(client, client_gestionnaire, compte_relais):
    avant = etat(compte_relais)
    chemin = f"{LISTE_COMPTES}{compte_relais.pk}/password/"
    assert client_gestionnaire.get(chemin).status_code == 403
    reponse = client_gestionnaire.post(
        chemin, {"usable_password": "true", "password1": PIRATE, "password2": PIRATE, "set-password": "1"}
    )
    assert reponse.status_code == 403
    # The account's page has neither the password nor a way to it.
    fiche = client_gestionnaire.get(f"{LISTE_COMPTES}{compte_relais.pk}/change/")
    assert "../password/" not in fiche.content.decode()
    assert "password" not in formulaire(fiche).valeurs
    client_gestionnaire.post(
        f"{LISTE_COMPTES}{compte_relais.pk}/change/",
        formulaire(fiche).donnees(password=PIRATE, password1=PIRATE, password2=PIRATE, _save="Enregistrer"),
    )
    assert etat(compte_relais) == avant
    client.logout()
    assert se_connecter(client, "relais", "demo")["Location"] == "/"


def test_l_ancienne_adresse_est_prevenue_d_un_changement(client_gestionnaire, compte_relais, mailoutbox):
    """A manager who puts his own address on a supplier account to receive its reset link is seen:
    the old address is told at once."""
    ancienne = compte_relais.email
    assert ancienne
    lien = page(client_gestionnaire.get(LISTE_COMPTES, {"q": "relais"})).lien("relais").attrs["href"]
    donnees = formulaire(client_gestionnaire.get(lien)).donnees(email="moi@gestionnaire.example", _save="Enregistrer")
    assert client_gestionnaire.post(lien, donnees).status_code == 302
    (message,) = mailoutbox
    assert message.to == [ancienne]
    assert "l'adresse électronique de votre compte a changé" in message.subject
    assert "a été remplacée" in message.body and "contactez sans attendre l'assistance de l'ASP" in message.body

    # a save that keeps the address sends nothing
    donnees = formulaire(client_gestionnaire.get(lien)).donnees(last_name="Durand", _save="Enregistrer")
    assert client_gestionnaire.post(lien, donnees).status_code == 302
    assert len(mailoutbox) == 1


def test_le_gestionnaire_modifie_un_compte_fournisseur_sans_ses_droits(client_gestionnaire, compte_relais):
    liste = client_gestionnaire.get(LISTE_COMPTES, {"q": "relais"})
    lien = page(liste).lien("relais").attrs["href"]
    fiche = client_gestionnaire.get(lien)
    donnees = formulaire(fiche).donnees(
        email="nouvelle.adresse@relais.example",
        last_name="Durand",
        is_staff="on",
        is_superuser="on",
        groups=[str(Group.objects.get(name="Gestionnaires ASP").pk)],
        _save="Enregistrer",
    )
    reponse = client_gestionnaire.post(lien, donnees, follow=True)
    assert reponse.status_code == 200
    assert any(niveau == "success" for niveau, _ in messages_de_la_page(reponse)), messages_de_la_page(reponse)
    compte_relais.refresh_from_db()
    assert (compte_relais.email, compte_relais.last_name) == ("nouvelle.adresse@relais.example", "Durand")
    assert not compte_relais.is_staff and not compte_relais.is_superuser and not compte_relais.groups.exists()

    # Detaching the account from its fournisseur would make it an ASP account: refused.
    fiche = client_gestionnaire.get(lien)
    reponse = client_gestionnaire.post(lien, formulaire(fiche).donnees(fournisseur="", _save="Enregistrer"))
    assert reponse.status_code == 200 and "Ce champ est obligatoire." in texte(reponse)
    compte_relais.refresh_from_db()
    assert compte_relais.fournisseur_id is not None


def test_le_gestionnaire_desactive_puis_reactive_un_fournisseur(client, client_gestionnaire, compte_relais):
    lien = f"{LISTE_COMPTES}{compte_relais.pk}/change/"
    fiche = client_gestionnaire.get(lien)
    client_gestionnaire.post(lien, formulaire(fiche).donnees(is_active=None, _save="Enregistrer"))
    compte_relais.refresh_from_db()
    assert not compte_relais.is_active
    client.logout()
    assert se_connecter(client, "relais", "demo").status_code == 200  # refused
    client.force_login(utilisateur("gestionnaire"))
    fiche = client.get(lien)
    client.post(lien, formulaire(fiche).donnees(is_active="on", _save="Enregistrer"))
    client.logout()
    assert se_connecter(client, "relais", "demo")["Location"] == "/"
