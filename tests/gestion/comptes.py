"""Accounts in the admin (tests/gestion/test_comptes_*.py): the account changelist's URLs, the
passwords of the scenarios, what a browser would post for an admin form, the reset link e-mailed
to a supplier and the portal's page where he chooses his password."""

import re
from html.parser import HTMLParser

from django.contrib.auth import get_user_model

from tests.pages import texte

LISTE_COMPTES = "/admin/demandes/utilisateur/"


AJOUT_COMPTE = f"{LISTE_COMPTES}add/"


ACTION_LIEN = "envoyer_lien_reinitialisation"


LIBELLE_LIEN = "Envoyer un lien de réinitialisation du mot de passe"


MOT_DE_PASSE_SUPER = "Tres-Secret-Du-Chef-42"


NOUVEAU_MOT_DE_PASSE = "Ségur-Fournisseur-2024!"


PIRATE = "Pirate-Prend-Le-Compte-1"


LIEN = re.compile(r"https?://testserver(/mot-de-passe/reinitialisation/[^/\s]+/[^/\s]+/)")


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


def etat(compte) -> tuple:
    """What an attacker would want to change on an account, read again from the database."""
    return tuple(
        get_user_model()
        .objects.filter(pk=compte.pk)
        .values_list("password", "username", "email", "is_active", "is_staff", "is_superuser", "fournisseur_id")
        .get()
    )


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
