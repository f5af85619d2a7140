"""Accounts in the admin, continued: « Envoyer un lien de réinitialisation du mot de passe » (button of the
account's page, action of the list) e-mails the supplier a link to the portal's own pages, where he
chooses his password and then logs in at /connexion/; the manager creates supplier accounts without
a password and no ASP account; a superuser keeps full control, creating a manager included."""

import smtplib

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core import mail

from tests.gestion.comptes import (
    ACTION_LIEN,
    AJOUT_COMPTE,
    LIBELLE_LIEN,
    LIEN,
    LISTE_COMPTES,
    MOT_DE_PASSE_SUPER,
    NOUVEAU_MOT_DE_PASSE,
    PIRATE,
    bouton_du_lien,
    choisir_son_mot_de_passe,
    comptes_listes,
    etat,
    formulaire,
    lien_du_courriel,
)
from tests.pages import messages_de_la_page, options_d_action, page, texte
from tests.parcours import se_connecter, utilisateur

# --- 3. the reset link ------------------------------------------------------------------------


def test_lien_de_reinitialisation_depuis_la_fiche_du_fournisseur(
    client, client_gestionnaire, compte_relais, mailoutbox
):
    fiche = client_gestionnaire.get(f"{LISTE_COMPTES}{compte_relais.pk}/change/")
    reponse = client_gestionnaire.post(bouton_du_lien(fiche), follow=True)
    assert reponse.redirect_chain[-1][0] == f"{LISTE_COMPTES}{compte_relais.pk}/change/"
    assert messages_de_la_page(reponse) == [
        ("success", "Lien de réinitialisation du mot de passe envoyé à : relais (contact@relais.example).")
    ]
    assert len(mailoutbox) == 1
    courriel = mailoutbox[0]
    assert courriel.to == ["contact@relais.example"]
    assert courriel.subject == "Portail Ségur numérique : choisissez votre mot de passe"
    assert "Votre identifiant : relais" in courriel.body
    assert "RELAIS CAP FRANCE AU GAI LOGIS" in courriel.body
    # The history of the account says who sent it.
    historique = texte(client_gestionnaire.get(f"{LISTE_COMPTES}{compte_relais.pk}/history/"))
    assert "Lien de réinitialisation du mot de passe envoyé à contact@relais.example." in historique
    assert "gestionnaire" in historique

    # The supplier, not logged in, follows the link and chooses his password.
    client.logout()
    lien = lien_du_courriel(courriel)
    fin = choisir_son_mot_de_passe(client, lien)
    assert fin.redirect_chain[-1][0] == "/mot-de-passe/reinitialisation/terminee/"
    assert "Mot de passe enregistré" in texte(fin)
    connexion = page(fin).lien("Se connecter").attrs["href"]
    assert connexion == "/connexion/"
    assert se_connecter(client, "relais", "demo").status_code == 200  # the old password no longer opens it
    reponse = se_connecter(client, "relais", NOUVEAU_MOT_DE_PASSE)
    assert reponse.status_code == 302 and reponse["Location"] == "/"
    assert "relais" in texte(client.get("/"))

    # The link served once.
    client.logout()
    reponse = client.get(lien, follow=True)
    assert "Lien invalide ou expiré" in texte(reponse)
    assert "new_password1" not in reponse.content.decode()


def test_page_de_reinitialisation_refuse_deux_mots_de_passe_differents(
    client, client_gestionnaire, compte_relais, mailoutbox
):
    client_gestionnaire.post(f"{LISTE_COMPTES}{compte_relais.pk}/reinitialisation/")
    client.logout()
    reponse = client.get(lien_du_courriel(mailoutbox[0]), follow=True)
    ecran = reponse.redirect_chain[-1][0]
    assert "Nouveau mot de passe" in texte(reponse) and "Confirmation du nouveau mot de passe" in texte(reponse)
    avant = etat(compte_relais)
    reponse = client.post(ecran, {"new_password1": NOUVEAU_MOT_DE_PASSE, "new_password2": "autre-chose-123"})
    assert reponse.status_code == 200
    assert "Les deux mots de passe ne correspondent pas." in texte(reponse)
    reponse = client.post(ecran, {"new_password1": "court", "new_password2": "court"})
    assert "Ce mot de passe est trop court." in texte(reponse)
    assert etat(compte_relais) == avant


def test_un_lien_truque_est_invalide(client, compte_relais):
    reponse = client.get("/mot-de-passe/reinitialisation/MQ/abcdef-0123456789/", follow=True)
    assert reponse.status_code == 200
    assert "Lien invalide ou expiré" in texte(reponse)
    assert "new_password1" not in reponse.content.decode()


def test_action_de_la_liste_envoie_un_lien_a_chaque_fournisseur(client_gestionnaire, compte_relais, mailoutbox):
    unikalo = utilisateur("unikalo")
    unikalo.email = "contact@unikalo.example"
    unikalo.save()
    hopital = utilisateur("hopital")
    hopital.email = ""  # no e-mail address
    hopital.save()
    liste = client_gestionnaire.get(LISTE_COMPTES)
    assert options_d_action(liste) == {ACTION_LIEN: LIBELLE_LIEN}  # no deletion for a manager
    reponse = client_gestionnaire.post(
        LISTE_COMPTES,
        {
            "action": ACTION_LIEN,
            "_selected_action": [str(c.pk) for c in (compte_relais, unikalo, hopital)],
            "index": "0",
        },
        follow=True,
    )
    assert messages_de_la_page(reponse) == [
        (
            "success",
            "Lien de réinitialisation du mot de passe envoyé à : relais (contact@relais.example), "
            "unikalo (contact@unikalo.example).",
        ),
        ("error", "Aucun lien envoyé à hopital : le compte n'a pas d'adresse e-mail."),
    ]
    assert sorted(m.to[0] for m in mailoutbox) == ["contact@relais.example", "contact@unikalo.example"]
    assert all(LIEN.search(m.body) for m in mailoutbox)


def test_envoi_impossible_dit_pourquoi_sans_erreur_serveur(client_gestionnaire, compte_relais, mailoutbox, monkeypatch):
    def panne(self, *args, **kwargs):
        raise smtplib.SMTPServerDisconnected("serveur injoignable")

    monkeypatch.setattr(mail.EmailMultiAlternatives, "send", panne)
    reponse = client_gestionnaire.post(f"{LISTE_COMPTES}{compte_relais.pk}/reinitialisation/", follow=True)
    assert reponse.status_code == 200
    assert messages_de_la_page(reponse) == [
        ("error", "Aucun lien envoyé à relais : l'envoi du courriel a échoué, réessayez plus tard.")
    ]
    compte_relais.is_active = False
    compte_relais.save()
    monkeypatch.undo()
    reponse = client_gestionnaire.post(f"{LISTE_COMPTES}{compte_relais.pk}/reinitialisation/", follow=True)
    assert messages_de_la_page(reponse) == [("error", "Aucun lien envoyé à relais : le compte est désactivé.")]
    assert mailoutbox == []
    assert client_gestionnaire.get(f"{LISTE_COMPTES}{compte_relais.pk}/reinitialisation/").status_code == 405


# --- 4. creating accounts ---------------------------------------------------------------------


def test_le_gestionnaire_cree_un_compte_fournisseur_sans_mot_de_passe(
    client, client_gestionnaire, compte_relais, mailoutbox
):
    liste = client_gestionnaire.get(LISTE_COMPTES)
    ajout = page(liste).lien("Ajouter utilisateur").attrs["href"]
    assert ajout == AJOUT_COMPTE
    ecran = client_gestionnaire.get(ajout)
    assert "un lien pour choisir son mot de passe est envoyé" in texte(ecran)
    champs = formulaire(ecran).valeurs
    assert not {"password1", "password2", "usable_password", "is_staff", "is_superuser", "groups"} & set(champs)
    groupe = Group.objects.get(name="Gestionnaires ASP")
    reponse = client_gestionnaire.post(
        ajout,
        {
            "username": "relais2",
            "email": "second@relais.example",
            "first_name": "Camille",
            "last_name": "Martin",
            "fournisseur": str(compte_relais.fournisseur_id),
            # What a manager could add by hand: all ignored.
            "password1": PIRATE,
            "password2": PIRATE,
            "usable_password": "true",
            "is_staff": "on",
            "is_superuser": "on",
            "groups": [str(groupe.pk)],
            "_save": "Enregistrer",
        },
        follow=True,
    )
    assert reponse.status_code == 200
    nouveau = utilisateur("relais2")
    assert reponse.redirect_chain[-1][0] == f"{LISTE_COMPTES}{nouveau.pk}/change/"
    assert ("success", "Lien de réinitialisation du mot de passe envoyé à : relais2 (second@relais.example).") in (
        messages_de_la_page(reponse)
    )
    assert nouveau.fournisseur_id == compte_relais.fournisseur_id
    assert not nouveau.is_staff and not nouveau.is_superuser and not nouveau.groups.exists()
    assert not nouveau.has_usable_password()
    client.logout()
    assert se_connecter(client, "relais2", PIRATE).status_code == 200
    assert [m.to for m in mailoutbox] == [["second@relais.example"]]
    choisir_son_mot_de_passe(client, lien_du_courriel(mailoutbox[0]))
    reponse = se_connecter(client, "relais2", NOUVEAU_MOT_DE_PASSE)
    assert reponse.status_code == 302 and reponse["Location"] == "/"
    assert client.get("/demandes/").status_code == 200


@pytest.mark.parametrize(
    "donnees, erreur",
    [
        ({"email": "x@example.com"}, "Ce champ est obligatoire."),  # no fournisseur: an ASP account
        ({"fournisseur": "RELAIS"}, "Ce champ est obligatoire."),  # no e-mail: no way to a password
        (
            {"email": "x@example.com", "fournisseur": "RELAIS", "username": "RELAIS"},
            "Un compte porte déjà cet identifiant.",
        ),
    ],
)
def test_le_gestionnaire_ne_cree_pas_de_compte_de_l_asp(
    client_gestionnaire, compte_relais, mailoutbox, donnees, erreur
):
    formulaire_ = {"username": "agent", "is_staff": "on", "_save": "Enregistrer", **donnees}
    if formulaire_.get("fournisseur") == "RELAIS":
        formulaire_["fournisseur"] = str(compte_relais.fournisseur_id)
    nombre = get_user_model().objects.count()
    reponse = client_gestionnaire.post(AJOUT_COMPTE, formulaire_)
    assert reponse.status_code == 200
    assert erreur in texte(reponse)
    assert get_user_model().objects.count() == nombre
    assert mailoutbox == []


# --- 5. the superuser keeps full control ------------------------------------------------------


def test_le_superutilisateur_cree_un_gestionnaire(client, client_super, mailoutbox):
    ecran = client_super.get(AJOUT_COMPTE)
    reponse = client_super.post(
        AJOUT_COMPTE,
        formulaire(ecran).donnees(
            username="nouveau_gestionnaire",
            usable_password="true",
            password1=MOT_DE_PASSE_SUPER,
            password2=MOT_DE_PASSE_SUPER,
            _save="Enregistrer",
        ),
        follow=True,
    )
    nouveau = utilisateur("nouveau_gestionnaire")
    fiche_url = f"{LISTE_COMPTES}{nouveau.pk}/change/"
    assert reponse.redirect_chain[-1][0] == fiche_url
    assert mailoutbox == []  # the superuser chose the password
    # Then grants the rights on the account's page.
    groupe = Group.objects.get(name="Gestionnaires ASP")
    reponse = client_super.post(
        fiche_url,
        formulaire(reponse).donnees(
            email="nouveau@asp.gouv.fr", is_staff="on", groups=[str(groupe.pk)], _save="Enregistrer"
        ),
        follow=True,
    )
    assert reponse.status_code == 200
    nouveau.refresh_from_db()
    assert nouveau.is_staff and not nouveau.is_superuser and list(nouveau.groups.all()) == [groupe]
    # The new manager logs in and works in the admin, on supplier accounts only.
    client.logout()
    reponse = se_connecter(client, "nouveau_gestionnaire", MOT_DE_PASSE_SUPER)
    assert reponse["Location"] == "/admin/"
    assert comptes_listes(client.get(LISTE_COMPTES)) == ["hopital", "relais", "unikalo"]
    assert client.get(f"{LISTE_COMPTES}{utilisateur('chef').pk}/password/").status_code == 403


def test_le_superutilisateur_gere_les_comptes_de_l_asp(client, client_super, autre_gestionnaire, mailoutbox):
    base = f"{LISTE_COMPTES}{autre_gestionnaire.pk}/"
    for suffixe in ("change/", "password/", "history/", "delete/"):
        assert client_super.get(base + suffixe).status_code == 200, suffixe
    fiche = client_super.get(base + "change/")
    assert "../password/" in fiche.content.decode()  # Django's « Réinitialiser le mot de passe »
    ecran = client_super.get(base + "password/")
    reponse = client_super.post(
        base + "password/",
        formulaire(ecran).donnees(
            password1=NOUVEAU_MOT_DE_PASSE, password2=NOUVEAU_MOT_DE_PASSE, **{"set-password": "1"}
        ),
        follow=True,
    )
    assert reponse.redirect_chain[-1][0] == base + "change/"
    autre_gestionnaire.refresh_from_db()
    assert autre_gestionnaire.check_password(NOUVEAU_MOT_DE_PASSE)
    # A link to a manager too, and the deletion of an account.
    client_super.post(bouton_du_lien(fiche))
    assert [m.to for m in mailoutbox] == [["collegue@asp.gouv.fr"]]
    options = options_d_action(client_super.get(LISTE_COMPTES))
    assert set(options) == {"delete_selected", ACTION_LIEN}
    reponse = client_super.post(base + "delete/", {"post": "yes"})
    assert reponse.status_code == 302
    assert not get_user_model().objects.filter(pk=autre_gestionnaire.pk).exists()


def test_le_superutilisateur_donne_les_droits_et_le_gestionnaire_ne_les_reprend_pas(client_super, compte_relais):
    """The superuser may turn any account into anything; a manager then loses sight of it."""
    fiche = client_super.get(f"{LISTE_COMPTES}{compte_relais.pk}/change/")
    client_super.post(
        f"{LISTE_COMPTES}{compte_relais.pk}/change/", formulaire(fiche).donnees(is_superuser="on", _save="Enregistrer")
    )
    compte_relais.refresh_from_db()
    assert compte_relais.is_superuser
    client_super.force_login(utilisateur("gestionnaire"))
    assert "relais" not in comptes_listes(client_super.get(LISTE_COMPTES))
    assert client_super.get(f"{LISTE_COMPTES}{compte_relais.pk}/change/").status_code == 404
