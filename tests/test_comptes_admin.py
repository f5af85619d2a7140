"""Accounts in the admin, by role, through Django's test client (the attack replayed: a manager
POSTing the admin's password form of a superuser took the account):

- a manager (group « Gestionnaires ASP », staff, not superuser) never lists, opens, edits, deletes
  or reads the history of a superuser or another manager: 404 / 403, and a POST changes nothing;
- nobody but a superuser sets a password: the admin's password view is refused to a manager for
  every account, a supplier's included; the manager creates supplier accounts without a password
  and edits them (e-mail, name, active), the rights staying read-only;
- instead, « Envoyer un lien de réinitialisation du mot de passe » (button of the account's page,
  action of the list) e-mails the supplier a link to the portal's own pages, where he chooses his
  password and then logs in at /connexion/;
- a superuser keeps full control, creating a manager included.
"""

import re
import smtplib
from html.parser import HTMLParser
from urllib.parse import quote

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core import mail

from .test_ecrans import page, texte, utilisateur

LISTE = "/admin/demandes/utilisateur/"
AJOUT = f"{LISTE}add/"
ACTION_LIEN = "envoyer_lien_reinitialisation"
LIBELLE_LIEN = "Envoyer un lien de réinitialisation du mot de passe"
MOT_DE_PASSE_SUPER = "Tres-Secret-Du-Chef-42"
NOUVEAU_MOT_DE_PASSE = "Ségur-Fournisseur-2024!"
PIRATE = "Pirate-Prend-Le-Compte-1"
LIEN = re.compile(r"https?://testserver(/mot-de-passe/reinitialisation/[^/\s]+/[^/\s]+/)")


@pytest.fixture(autouse=True)
def environnement(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "fichiers")


# --- helpers ------------------------------------------------------------------------------


class Formulaire(HTMLParser):
    """What a browser would send for the form `id`: its fields with their current values."""

    def __init__(self, contenu: str, identifiant: str):
        super().__init__(convert_charrefs=True)
        self.identifiant, self.dedans, self.action = identifiant, False, None
        self.valeurs: dict[str, list[str]] = {}
        self._select = self._textarea = None
        self.feed(contenu)
        self.close()

    def handle_starttag(self, tag, attrs):
        attributs = dict(attrs)
        if tag == "form" and attributs.get("id") == self.identifiant:
            self.dedans, self.action = True, attributs.get("action")
        if not self.dedans or "disabled" in attributs:
            return
        nom = attributs.get("name")
        if tag == "input" and nom:
            genre = attributs.get("type", "text")
            if genre in ("checkbox", "radio"):
                if "checked" in attributs:
                    self.valeurs.setdefault(nom, []).append(attributs.get("value", "on"))
            elif genre not in ("submit", "button", "file"):
                self.valeurs.setdefault(nom, []).append(attributs.get("value", ""))
        elif tag == "select" and nom:
            self._select = nom
            self.valeurs.setdefault(nom, [])
        elif tag == "option" and self._select and "selected" in attributs:
            self.valeurs[self._select].append(attributs.get("value", ""))
        elif tag == "textarea" and nom:
            self._textarea = nom
            self.valeurs[nom] = [""]

    def handle_endtag(self, tag):
        if tag == "form":
            self.dedans = False
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea:
            self.valeurs[self._textarea][0] += data

    def donnees(self, **changements) -> dict:
        donnees = {nom: valeurs if len(valeurs) != 1 else valeurs[0] for nom, valeurs in self.valeurs.items()}
        donnees.pop("csrfmiddlewaretoken", None)
        for nom, valeur in changements.items():
            if valeur is None:
                donnees.pop(nom, None)
            else:
                donnees[nom] = valeur
        return donnees


def formulaire(reponse, identifiant="utilisateur_form") -> Formulaire:
    assert reponse.status_code == 200, reponse.status_code
    trouve = Formulaire(reponse.content.decode(), identifiant)
    assert trouve.valeurs, f"formulaire « {identifiant} » absent de la page"
    return trouve


def comptes_listes(reponse) -> list[str]:
    """The usernames of the changelist's rows."""
    assert reponse.status_code == 200, reponse.status_code
    return re.findall(r'<th class="field-username"><a href="[^"]+">([^<]+)</a></th>', reponse.content.decode())


def messages_de_la_page(reponse) -> list[tuple[str, str]]:
    liste = re.search(r'<ul class="messagelist">(.*?)</ul>', reponse.content.decode(), re.S)
    if not liste:
        return []
    return [
        (niveau, " ".join(texte_brut(message).split()))
        for niveau, message in re.findall(r'<li class="(\w+)">(.*?)</li>', liste.group(1), re.S)
    ]


def texte_brut(fragment: str) -> str:
    import html

    return html.unescape(re.sub(r"<[^>]+>", "", fragment))


def options_d_action(reponse) -> dict[str, str]:
    return {o.attrs["value"]: o.texte for o in page(reponse).options.get("action", []) if o.attrs.get("value")}


def bouton_du_lien(reponse) -> str:
    """The action of the form holding the button « Envoyer un lien … » of an account's page."""
    contenu = reponse.content.decode()
    formulaires = re.findall(
        r'<form method="post" action="([^"]+)">\s*<input[^>]+csrfmiddlewaretoken[^>]+>\s*<button[^>]*>([^<]+)</button>',
        contenu,
    )
    actions = [action for action, libelle in formulaires if libelle.strip() == LIBELLE_LIEN]
    assert len(actions) == 1, formulaires
    return actions[0]


def vers_la_connexion_admin(reponse, chemin) -> bool:
    return reponse.status_code == 302 and reponse["Location"] == f"/admin/login/?next={quote(chemin)}"


def etat(compte) -> tuple:
    """What an attacker would want to change on an account, read again from the database."""
    return tuple(
        get_user_model()
        .objects.filter(pk=compte.pk)
        .values_list("password", "username", "email", "is_active", "is_staff", "is_superuser", "fournisseur_id")
        .get()
    )


def se_connecter(client, identifiant, mot_de_passe):
    return client.post("/connexion/", {"username": identifiant, "password": mot_de_passe})


def lien_du_courriel(message) -> str:
    trouves = LIEN.findall(message.body)
    assert len(trouves) == 1, message.body
    return trouves[0]


def choisir_son_mot_de_passe(client, lien, mot_de_passe=NOUVEAU_MOT_DE_PASSE):
    """The supplier opens the e-mailed link and submits the form of the page it leads to."""
    reponse = client.get(lien, follow=True)
    assert reponse.status_code == 200
    assert "Choisir votre mot de passe" in texte(reponse)
    assert reponse.redirect_chain and reponse.redirect_chain[-1][0].endswith("/set-password/")  # token out of the URL
    return client.post(
        reponse.redirect_chain[-1][0],
        {"new_password1": mot_de_passe, "new_password2": mot_de_passe},
        follow=True,
    )


# --- the accounts ---------------------------------------------------------------------------


@pytest.fixture
def gestionnaire(demo):
    compte = utilisateur("gestionnaire")
    compte.email = "gestionnaire@asp.gouv.fr"
    compte.save()
    return compte


@pytest.fixture
def superutilisateur(demo):
    return get_user_model().objects.create_superuser("chef", "chef@asp.gouv.fr", MOT_DE_PASSE_SUPER)


@pytest.fixture
def autre_gestionnaire(demo):
    compte = get_user_model().objects.create_user("collegue", "collegue@asp.gouv.fr", MOT_DE_PASSE_SUPER, is_staff=True)
    compte.groups.add(Group.objects.get(name="Gestionnaires ASP"))
    return compte


@pytest.fixture
def client_gestionnaire(client, gestionnaire):
    client.force_login(gestionnaire)
    return client


@pytest.fixture
def client_super(client, superutilisateur):
    client.force_login(superutilisateur)
    return client


@pytest.fixture
def relais(demo):
    compte = utilisateur("relais")
    compte.email = "contact@relais.example"
    compte.save()
    return compte


# --- 1. a manager never reaches an ASP account ------------------------------------------------


def test_la_liste_du_gestionnaire_ne_montre_que_les_comptes_fournisseurs(
    client_gestionnaire, superutilisateur, autre_gestionnaire
):
    assert comptes_listes(client_gestionnaire.get(LISTE)) == ["hopital", "relais", "unikalo"]
    for recherche in ("chef", "collegue", "gestionnaire", "asp.gouv.fr"):
        assert comptes_listes(client_gestionnaire.get(LISTE, {"q": recherche})) == [], recherche
    for filtre in ({"is_superuser__exact": "1"}, {"is_staff__exact": "1"}):
        assert comptes_listes(client_gestionnaire.get(LISTE, filtre)) == [], filtre
    contenu = client_gestionnaire.get(LISTE).content.decode()
    assert f"{LISTE}{superutilisateur.pk}/change/" not in contenu
    assert f"{LISTE}{autre_gestionnaire.pk}/change/" not in contenu


def test_le_superutilisateur_voit_tous_les_comptes(client_super, autre_gestionnaire):
    assert comptes_listes(client_super.get(LISTE)) == [
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
        reponse = client_gestionnaire.get(f"{LISTE}{compte.pk}/{suffixe}")
        assert reponse.status_code == attendu, (suffixe, reponse.status_code)
        assert compte.email not in reponse.content.decode(), suffixe


@pytest.mark.parametrize("cible", ["superutilisateur", "autre_gestionnaire"])
def test_l_attaque_du_gestionnaire_ne_change_rien(client_gestionnaire, relais, request, cible, mailoutbox):
    """The attack as it happened (the admin's password form), then every other way in."""
    compte = request.getfixturevalue(cible)
    avant = etat(compte)
    base = f"{LISTE}{compte.pk}/"
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
                "fournisseur": str(relais.fournisseur_id),
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
        client_gestionnaire.post(LISTE, {"action": action, "_selected_action": [str(compte.pk)], "post": "yes"})
    assert etat(compte) == avant
    assert mailoutbox == []
    # The account still opens with its own password, and only with it.
    assert se_connecter(client_gestionnaire, compte.username, MOT_DE_PASSE_SUPER)["Location"] == "/admin/"
    client_gestionnaire.logout()
    assert se_connecter(client_gestionnaire, compte.username, PIRATE).status_code == 200


def test_l_anonyme_est_renvoye_vers_la_connexion(client, superutilisateur):
    avant = etat(superutilisateur)
    for suffixe in ("change/", "password/", "reinitialisation/"):
        chemin = f"{LISTE}{superutilisateur.pk}/{suffixe}"
        assert vers_la_connexion_admin(client.post(chemin, {"password1": PIRATE, "password2": PIRATE}), chemin)
    assert etat(superutilisateur) == avant


# --- 2. no password set by a manager, even a supplier's ---------------------------------------


def test_le_gestionnaire_ne_definit_pas_le_mot_de_passe_d_un_fournisseur(client, client_gestionnaire, relais):
    avant = etat(relais)
    chemin = f"{LISTE}{relais.pk}/password/"
    assert client_gestionnaire.get(chemin).status_code == 403
    reponse = client_gestionnaire.post(
        chemin, {"usable_password": "true", "password1": PIRATE, "password2": PIRATE, "set-password": "1"}
    )
    assert reponse.status_code == 403
    # The account's page has neither the password nor a way to it.
    fiche = client_gestionnaire.get(f"{LISTE}{relais.pk}/change/")
    assert "../password/" not in fiche.content.decode()
    assert "password" not in formulaire(fiche).valeurs
    client_gestionnaire.post(
        f"{LISTE}{relais.pk}/change/",
        formulaire(fiche).donnees(password=PIRATE, password1=PIRATE, password2=PIRATE, _save="Enregistrer"),
    )
    assert etat(relais) == avant
    client.logout()
    assert se_connecter(client, "relais", "demo")["Location"] == "/"


def test_l_ancienne_adresse_est_prevenue_d_un_changement(client_gestionnaire, relais, mailoutbox):
    """A manager who puts his own address on a supplier account to receive its reset link is seen:
    the old address is told at once."""
    ancienne = relais.email
    assert ancienne
    lien = page(client_gestionnaire.get(LISTE, {"q": "relais"})).lien("relais").attrs["href"]
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


def test_le_gestionnaire_modifie_un_compte_fournisseur_sans_ses_droits(client_gestionnaire, relais):
    liste = client_gestionnaire.get(LISTE, {"q": "relais"})
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
    relais.refresh_from_db()
    assert (relais.email, relais.last_name) == ("nouvelle.adresse@relais.example", "Durand")
    assert not relais.is_staff and not relais.is_superuser and not relais.groups.exists()

    # Detaching the account from its fournisseur would make it an ASP account: refused.
    fiche = client_gestionnaire.get(lien)
    reponse = client_gestionnaire.post(lien, formulaire(fiche).donnees(fournisseur="", _save="Enregistrer"))
    assert reponse.status_code == 200 and "Ce champ est obligatoire." in texte(reponse)
    relais.refresh_from_db()
    assert relais.fournisseur_id is not None


def test_le_gestionnaire_desactive_puis_reactive_un_fournisseur(client, client_gestionnaire, relais):
    lien = f"{LISTE}{relais.pk}/change/"
    fiche = client_gestionnaire.get(lien)
    client_gestionnaire.post(lien, formulaire(fiche).donnees(is_active=None, _save="Enregistrer"))
    relais.refresh_from_db()
    assert not relais.is_active
    client.logout()
    assert se_connecter(client, "relais", "demo").status_code == 200  # refused
    client.force_login(utilisateur("gestionnaire"))
    fiche = client.get(lien)
    client.post(lien, formulaire(fiche).donnees(is_active="on", _save="Enregistrer"))
    client.logout()
    assert se_connecter(client, "relais", "demo")["Location"] == "/"


# --- 3. the reset link ------------------------------------------------------------------------


def test_lien_de_reinitialisation_depuis_la_fiche_du_fournisseur(client, client_gestionnaire, relais, mailoutbox):
    fiche = client_gestionnaire.get(f"{LISTE}{relais.pk}/change/")
    reponse = client_gestionnaire.post(bouton_du_lien(fiche), follow=True)
    assert reponse.redirect_chain[-1][0] == f"{LISTE}{relais.pk}/change/"
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
    historique = texte(client_gestionnaire.get(f"{LISTE}{relais.pk}/history/"))
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


def test_page_de_reinitialisation_refuse_deux_mots_de_passe_differents(client, client_gestionnaire, relais, mailoutbox):
    client_gestionnaire.post(f"{LISTE}{relais.pk}/reinitialisation/")
    client.logout()
    reponse = client.get(lien_du_courriel(mailoutbox[0]), follow=True)
    ecran = reponse.redirect_chain[-1][0]
    assert "Nouveau mot de passe" in texte(reponse) and "Confirmation du nouveau mot de passe" in texte(reponse)
    avant = etat(relais)
    reponse = client.post(ecran, {"new_password1": NOUVEAU_MOT_DE_PASSE, "new_password2": "autre-chose-123"})
    assert reponse.status_code == 200
    assert "Les deux mots de passe ne correspondent pas." in texte(reponse)
    reponse = client.post(ecran, {"new_password1": "court", "new_password2": "court"})
    assert "Ce mot de passe est trop court." in texte(reponse)
    assert etat(relais) == avant


def test_un_lien_truque_est_invalide(client, relais):
    reponse = client.get("/mot-de-passe/reinitialisation/MQ/abcdef-0123456789/", follow=True)
    assert reponse.status_code == 200
    assert "Lien invalide ou expiré" in texte(reponse)
    assert "new_password1" not in reponse.content.decode()


def test_action_de_la_liste_envoie_un_lien_a_chaque_fournisseur(client_gestionnaire, relais, mailoutbox):
    unikalo = utilisateur("unikalo")
    unikalo.email = "contact@unikalo.example"
    unikalo.save()
    hopital = utilisateur("hopital")  # no e-mail address
    liste = client_gestionnaire.get(LISTE)
    assert options_d_action(liste) == {ACTION_LIEN: LIBELLE_LIEN}  # no deletion for a manager
    reponse = client_gestionnaire.post(
        LISTE,
        {"action": ACTION_LIEN, "_selected_action": [str(c.pk) for c in (relais, unikalo, hopital)], "index": "0"},
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


def test_envoi_impossible_dit_pourquoi_sans_erreur_serveur(client_gestionnaire, relais, mailoutbox, monkeypatch):
    def panne(self, *args, **kwargs):
        raise smtplib.SMTPServerDisconnected("serveur injoignable")

    monkeypatch.setattr(mail.EmailMultiAlternatives, "send", panne)
    reponse = client_gestionnaire.post(f"{LISTE}{relais.pk}/reinitialisation/", follow=True)
    assert reponse.status_code == 200
    assert messages_de_la_page(reponse) == [
        ("error", "Aucun lien envoyé à relais : l'envoi du courriel a échoué, réessayez plus tard.")
    ]
    relais.is_active = False
    relais.save()
    monkeypatch.undo()
    reponse = client_gestionnaire.post(f"{LISTE}{relais.pk}/reinitialisation/", follow=True)
    assert messages_de_la_page(reponse) == [("error", "Aucun lien envoyé à relais : le compte est désactivé.")]
    assert mailoutbox == []
    assert client_gestionnaire.get(f"{LISTE}{relais.pk}/reinitialisation/").status_code == 405


# --- 4. creating accounts ---------------------------------------------------------------------


def test_le_gestionnaire_cree_un_compte_fournisseur_sans_mot_de_passe(client, client_gestionnaire, relais, mailoutbox):
    liste = client_gestionnaire.get(LISTE)
    ajout = page(liste).lien("Ajouter utilisateur").attrs["href"]
    assert ajout == AJOUT
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
            "fournisseur": str(relais.fournisseur_id),
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
    assert reponse.redirect_chain[-1][0] == f"{LISTE}{nouveau.pk}/change/"
    assert ("success", "Lien de réinitialisation du mot de passe envoyé à : relais2 (second@relais.example).") in (
        messages_de_la_page(reponse)
    )
    assert nouveau.fournisseur_id == relais.fournisseur_id
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
def test_le_gestionnaire_ne_cree_pas_de_compte_de_l_asp(client_gestionnaire, relais, mailoutbox, donnees, erreur):
    formulaire_ = {"username": "agent", "is_staff": "on", "_save": "Enregistrer", **donnees}
    if formulaire_.get("fournisseur") == "RELAIS":
        formulaire_["fournisseur"] = str(relais.fournisseur_id)
    nombre = get_user_model().objects.count()
    reponse = client_gestionnaire.post(AJOUT, formulaire_)
    assert reponse.status_code == 200
    assert erreur in texte(reponse)
    assert get_user_model().objects.count() == nombre
    assert mailoutbox == []


# --- 5. the superuser keeps full control ------------------------------------------------------


def test_le_superutilisateur_cree_un_gestionnaire(client, client_super, mailoutbox):
    ecran = client_super.get(AJOUT)
    reponse = client_super.post(
        AJOUT,
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
    fiche_url = f"{LISTE}{nouveau.pk}/change/"
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
    assert comptes_listes(client.get(LISTE)) == ["hopital", "relais", "unikalo"]
    assert client.get(f"{LISTE}{utilisateur('chef').pk}/password/").status_code == 403


def test_le_superutilisateur_gere_les_comptes_de_l_asp(client, client_super, autre_gestionnaire, mailoutbox):
    base = f"{LISTE}{autre_gestionnaire.pk}/"
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
    options = options_d_action(client_super.get(LISTE))
    assert set(options) == {"delete_selected", ACTION_LIEN}
    reponse = client_super.post(base + "delete/", {"post": "yes"})
    assert reponse.status_code == 302
    assert not get_user_model().objects.filter(pk=autre_gestionnaire.pk).exists()


def test_le_superutilisateur_donne_les_droits_et_le_gestionnaire_ne_les_reprend_pas(client_super, relais):
    """The superuser may turn any account into anything; a manager then loses sight of it."""
    fiche = client_super.get(f"{LISTE}{relais.pk}/change/")
    client_super.post(f"{LISTE}{relais.pk}/change/", formulaire(fiche).donnees(is_superuser="on", _save="Enregistrer"))
    relais.refresh_from_db()
    assert relais.is_superuser
    client_super.force_login(utilisateur("gestionnaire"))
    assert "relais" not in comptes_listes(client_super.get(LISTE))
    assert client_super.get(f"{LISTE}{relais.pk}/change/").status_code == 404
