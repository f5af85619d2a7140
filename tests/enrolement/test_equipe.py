"""The supplier's team (/equipe/, issue 15 point 4): its administrator invites a colleague (e-mail,
account without a password, « Invitation envoyée »), the colleague activates his account through the
e-mailed link, logs in and sees every import of the structure and who made it; the administrator
removes an account (no more login, its API tokens revoked); and the refusals."""

import re
import smtplib
from unittest import mock

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from demandes import jetons
from demandes.comptes import creer_compte_fournisseur
from demandes.enrolement import equipe as services_equipe
from demandes.models import Utilisateur
from imports.models import Import
from tests.documents import SIRET_RELAIS, SIRET_UNIKALO
from tests.pages import COLONNES_IMPORTS, lignes_du_tableau, page, texte
from tests.parcours import import_de, se_connecter, simuler, utilisateur

COLONNES_EQUIPE = [
    "Nom",
    "Adresse électronique",
    "Identifiant",
    "Rôle",
    "État",
    "Dernière connexion",
    "Imports",
    "Actions",
]
COLONNES_EQUIPE_MEMBRE = COLONNES_EQUIPE[:-1]
MOT_DE_PASSE = "Un-mot-de-passe-solide-42"
REFUS_MEMBRE = "Seul l'administrateur de votre structure peut inviter, relancer ou retirer des comptes."


def aujourd_hui() -> str:
    return f"{timezone.localdate():%d/%m/%Y}"


def action_du_formulaire(reponse, identifiant: str) -> str:
    """The action of the page's form `identifiant`, as the browser posts it."""
    formulaire = re.search(rf'<form[^>]*id="{identifiant}"[^>]*>', reponse.content.decode())
    assert formulaire, f"formulaire {identifiant} absent"
    return re.search(r'action="([^"]*)"', formulaire.group(0)).group(1).split("#")[0]


def ligne_du_compte(reponse, compte) -> str:
    """The HTML of the account's row of « Équipe » (its buttons)."""
    ligne = re.search(rf'<tr id="compte-{compte.pk}">(.*?)</tr>', reponse.content.decode(), re.S)
    assert ligne, f"ligne du compte {compte.username} absente"
    return ligne.group(1)


def ligne_de(reponse, nom, entetes=COLONNES_EQUIPE) -> list[str]:
    (ligne,) = [ligne for ligne in lignes_du_tableau(reponse, entetes) if ligne[0] == nom]
    return ligne


def inviter(client, *, prenom="Claire", nom="Martin", email="claire.martin@relais.example"):
    """« Inviter un collègue », filled in and posted as the page's form says."""
    equipe = client.get("/equipe/")
    return client.post(
        action_du_formulaire(equipe, "inviter"), {"prenom": prenom, "nom": nom, "email": email}, follow=True
    )


def lien_du_courriel(message) -> str:
    lien = re.search(r"https?://[^/\s]+(/activation/\S+/)", message.body)
    assert lien, message.body
    return lien.group(1)


def membre(nom="membre", *, administrateur=False):
    """An active account of relais whose owner already chose his password."""
    compte = creer_compte_fournisseur(
        utilisateur("relais").fournisseur,
        email=f"{nom}@relais.example",
        prenom=nom.capitalize(),
        nom="Collègue",
        administrateur=administrateur,
        par=utilisateur("relais"),
    )
    compte.set_password(MOT_DE_PASSE)
    compte.save()
    return compte


# --- invite ----------------------------------------------------------------------------------------


def test_l_administrateur_invite_un_collegue(client_relais):
    equipe = client_relais.get("/equipe/")
    assert equipe.status_code == 200
    assert page(equipe).lien("Équipe").attrs["href"] == "/equipe/"  # the menu entry
    ((*identite, connexion, imports, actions),) = lignes_du_tableau(equipe, COLONNES_EQUIPE)
    assert identite == ["Sophie Laurent", "relais@demo.invalid", "relais", "Administrateur", "Actif"]
    assert connexion.startswith(aujourd_hui()) and imports == "0" and actions == "—"

    reponse = inviter(client_relais)

    assert "Invitation envoyée à claire.martin@relais.example" in texte(reponse)
    compte = Utilisateur.objects.get(email="claire.martin@relais.example")
    assert compte.fournisseur.siret == SIRET_RELAIS
    assert compte.is_active and not compte.has_usable_password() and not compte.administrateur_fournisseur
    assert compte.invite_par == utilisateur("relais")
    (courriel,) = mail.outbox
    assert courriel.to == ["claire.martin@relais.example"]
    assert "Sophie Laurent vous invite à rejoindre l'équipe de RELAIS CAP FRANCE AU GAI LOGIS" in courriel.body
    assert "Votre identifiant : claire.martin@relais.example" in courriel.body
    assert ligne_de(reponse, "Claire Martin")[1:6] == [
        "claire.martin@relais.example",
        "claire.martin@relais.example",
        "Membre",
        f"Invitation envoyée le {aujourd_hui()}",
        "jamais",
    ]
    boutons = ligne_du_compte(reponse, compte)
    assert "Renvoyer l'invitation" in boutons and ">Retirer</a>" in boutons


def test_le_collegue_active_son_compte_et_voit_les_imports_de_la_structure(client, demo, exemple_ttc):
    administrateur = utilisateur("relais")
    administrateur.first_name, administrateur.last_name = "Alain", "Durand"
    administrateur.save()
    client.force_login(administrateur)
    import_admin = import_de(simuler(client, exemple_ttc, nom="de-l-administrateur.json"))
    inviter(client)
    client.post("/deconnexion/")

    # The colleague follows the e-mailed link, chooses his password and logs in.
    activation = client.get(lien_du_courriel(mail.outbox[0]), follow=True)
    assert activation.status_code == 200
    choix = client.post(
        activation.redirect_chain[-1][0],
        {"new_password1": "Portail-Segur-2026!", "new_password2": "Portail-Segur-2026!"},
    )
    assert choix.status_code == 302
    assert se_connecter(client, "claire.martin@relais.example", "Portail-Segur-2026!").status_code == 302
    collegue = Utilisateur.objects.get(username="claire.martin@relais.example")

    import_collegue = import_de(simuler(client, exemple_ttc, nom="de-la-collegue.json"))
    liste = client.get("/imports/")
    lignes = lignes_du_tableau(liste, COLONNES_IMPORTS)
    assert [(l[0], l[4], l[-1]) for l in lignes] == [
        (str(import_collegue.pk), "de-la-collegue.json", "Claire Martin"),
        (str(import_admin.pk), "de-l-administrateur.json", "Alain Durand"),
    ]
    # « Importé par » offers the structure's accounts only, and filters on one of them.
    options = {o.texte: o.attrs["value"] for o in page(liste).options["importe_par"]}
    assert options == {
        "Tous les comptes": "",
        "Alain Durand": str(administrateur.pk),
        "Claire Martin": str(collegue.pk),
    }
    filtree = client.get(f"/imports/?importe_par={administrateur.pk}")
    assert [l[0] for l in lignes_du_tableau(filtree, COLONNES_IMPORTS)] == [str(import_admin.pk)]
    autre = client.get(f"/imports/?importe_par={utilisateur('unikalo').pk}")
    assert "Importé par : choisissez l'un des comptes de votre structure." in texte(autre)

    # The member sees the team read-only, each one's imports linked to the filtered list.
    equipe = client.get("/equipe/")
    assert "Inviter un collègue" not in texte(equipe)
    lignes = lignes_du_tableau(equipe, COLONNES_EQUIPE_MEMBRE)
    assert [(l[0], l[3], l[4], l[6]) for l in lignes] == [
        ("Alain Durand", "Administrateur", "Actif", "1"),
        ("Claire Martin", "Membre", "Actif", "1"),
    ]
    lien = page(equipe).lien("1").attrs["href"]
    assert lien == f"/imports/?importe_par={administrateur.pk}&echecs=1"
    assert [l[0] for l in lignes_du_tableau(client.get(lien), COLONNES_IMPORTS)] == [str(import_admin.pk)]


def test_l_adresse_deja_utilisee_est_refusee(client_relais):
    reponse = inviter(client_relais, email="unikalo@demo.invalid")
    assert "Un compte du portail utilise déjà l'adresse « unikalo@demo.invalid »." in texte(reponse)
    assert not mail.outbox
    assert Utilisateur.objects.filter(fournisseur__siret=SIRET_RELAIS).count() == 1


def test_formulaire_d_invitation_incomplet(client_relais):
    reponse = inviter(client_relais, prenom="", email="pas-une-adresse")
    assert "Saisissez le prénom de votre collègue." in texte(reponse)
    assert "Saisissez une adresse électronique valide, par exemple prenom.nom@editeur.fr." in texte(reponse)
    assert not mail.outbox


def test_envoi_en_echec_puis_renvoyer_l_invitation(client_relais):
    with mock.patch("demandes.comptes.EmailMultiAlternatives.send", side_effect=smtplib.SMTPException("panne")):
        reponse = inviter(client_relais)
    assert "l'envoi de l'invitation a échoué : réessayez plus tard avec « Renvoyer l'invitation »" in texte(reponse)
    compte = Utilisateur.objects.get(email="claire.martin@relais.example")  # kept
    assert ligne_de(reponse, "Claire Martin")[4] == "Invitation non envoyée"
    assert not mail.outbox

    action = re.search(r'<form method="post" action="([^"]+)">', ligne_du_compte(reponse, compte)).group(1)
    assert page(reponse).bouton("Renvoyer l'invitation")
    reponse = client_relais.post(action, follow=True)
    assert "Invitation envoyée de nouveau à claire.martin@relais.example." in texte(reponse)
    assert mail.outbox[0].to == ["claire.martin@relais.example"]
    assert ligne_de(reponse, "Claire Martin")[4] == f"Invitation envoyée le {aujourd_hui()}"


def test_un_compte_active_ne_se_reinvite_pas(client_relais):
    compte = membre()
    assert "Renvoyer l'invitation" not in ligne_du_compte(client_relais.get("/equipe/"), compte)
    reponse = client_relais.post(f"/equipe/{compte.pk}/renvoyer-l-invitation/", follow=True)
    assert f"Le compte {compte.username} est déjà activé" in texte(reponse)
    assert not mail.outbox


# --- remove ----------------------------------------------------------------------------------------


def test_retirer_un_collegue(client_relais):
    compte = membre()
    _, clair = jetons.creer_jeton(compte, nom="Intégration continue")
    Import.objects.create(
        fournisseur=compte.fournisseur,
        utilisateur=compte,
        numero_ans="mlp525off1",
        type_demande="AVANCE",
        taux_tva="20",
        nom_fichier="du-collegue.json",
        resultat=Import.Resultat.SIMULATION_OK,
    )

    equipe = client_relais.get("/equipe/")
    retirer = re.search(r'href="([^"]+)"[^>]*>Retirer</a>', ligne_du_compte(equipe, compte)).group(1)
    confirmation = client_relais.get(retirer)
    assert "Une fois retiré, ce compte ne peut plus se connecter au portail" in texte(confirmation)
    reponse = client_relais.post(retirer, follow=True)

    assert (
        f"Le compte {compte.username} est retiré de l'équipe : il ne peut plus se connecter ; "
        "1 jeton(s) d'API révoqué(s). Ses imports restent dans la liste." in texte(reponse)
    )
    ligne = ligne_de(reponse, "Membre Collègue")
    assert ligne[4] == f"Retiré le {aujourd_hui()}" and ligne[6] == "1" and ligne[7] == "—"
    compte.refresh_from_db()
    assert not compte.is_active
    with pytest.raises(jetons.JetonInvalide, match="révoqué"):
        jetons.authentifier(clair)
    navigateur = Client()
    refus = se_connecter(navigateur, compte.username, MOT_DE_PASSE)
    assert refus.status_code == 200 and "_auth_user_id" not in navigateur.session
    # Its import stays in the structure's list, with its author.
    liste = client_relais.get("/imports/")
    assert [(l[4], l[-1]) for l in lignes_du_tableau(liste, COLONNES_IMPORTS)] == [
        ("du-collegue.json", "Membre Collègue")
    ]


def test_ne_pas_se_retirer_soi_meme(client_relais):
    relais = utilisateur("relais")
    assert ">Retirer</a>" not in ligne_du_compte(client_relais.get("/equipe/"), relais)
    # Alone: the last administrator.
    reponse = client_relais.post(f"/equipe/{relais.pk}/retirer/", follow=True)
    assert "Vous êtes le dernier administrateur de la structure : son compte ne peut pas être retiré" in texte(reponse)
    # With a second administrator: still not himself.
    membre("second", administrateur=True)
    reponse = client_relais.post(f"/equipe/{relais.pk}/retirer/", follow=True)
    assert "Vous ne pouvez pas retirer votre propre compte : demandez-le à un autre administrateur" in texte(reponse)
    relais.refresh_from_db()
    assert relais.is_active


def test_deux_administrateurs_qui_se_retirent_l_un_l_autre(client, demo):
    """The second administrator removes the first; the first's page, still open, can then remove nobody,
    and the one left is the last administrator."""
    premier = utilisateur("relais")
    second = membre("second", administrateur=True)
    client.force_login(second)
    client.post(f"/equipe/{premier.pk}/retirer/")
    premier.refresh_from_db()
    assert not premier.is_active
    with pytest.raises(services_equipe.RefusEquipe, match="Seul l'administrateur de votre structure peut retirer"):
        services_equipe.retirer(second, par=premier)
    with pytest.raises(services_equipe.RefusEquipe, match="dernier administrateur"):
        services_equipe.retirer(second, par=second)
    second.refresh_from_db()
    assert second.is_active


def test_un_compte_d_une_autre_structure_est_introuvable(client_relais):
    autre = utilisateur("unikalo")
    assert autre.fournisseur.siret == SIRET_UNIKALO
    assert client_relais.get(f"/equipe/{autre.pk}/retirer/").status_code == 404
    assert client_relais.post(f"/equipe/{autre.pk}/retirer/").status_code == 404
    assert client_relais.post(f"/equipe/{autre.pk}/renvoyer-l-invitation/").status_code == 404
    autre.refresh_from_db()
    assert autre.is_active


def test_un_membre_ne_peut_rien_changer(client, demo):
    compte = membre()
    relais = utilisateur("relais")
    client.force_login(compte)
    equipe = client.get("/equipe/")
    assert "Inviter un collègue" not in texte(equipe) and ">Retirer</a>" not in equipe.content.decode()
    for url, donnees in (
        ("/equipe/", {"prenom": "Paul", "nom": "Leroy", "email": "paul@relais.example"}),
        (f"/equipe/{relais.pk}/retirer/", {}),
        (f"/equipe/{relais.pk}/renvoyer-l-invitation/", {}),
    ):
        reponse = client.post(url, donnees)
        assert reponse.status_code == 403, url
        assert REFUS_MEMBRE in texte(reponse)
    assert client.get(f"/equipe/{relais.pk}/retirer/").status_code == 403
    relais.refresh_from_db()
    assert relais.is_active and not Utilisateur.objects.filter(email="paul@relais.example").exists()
    assert not mail.outbox


def test_un_gestionnaire_n_a_pas_d_equipe(client_gestionnaire):
    assert client_gestionnaire.get("/equipe/").status_code == 403
