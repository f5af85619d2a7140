"""The API tokens outside the supplier's page: the managers' admin (every supplier's tokens, read-only,
the action « Révoquer »; no add, no edit, no delete; a supplier never enters) and the command
`manage.py jeton_api` (prints a working token alone; French errors)."""

import io

import pytest
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone

from demandes import jetons
from demandes.models import JetonAPI
from tests.factories import nouveau_staff
from tests.gestion.outils import messages_de
from tests.pages import messages_de_la_page, options_d_action, page, texte, vers_la_connexion_admin
from tests.parcours import utilisateur

from .conftest import ClientAPI

LISTE = "/admin/demandes/jetonapi/"
COLONNES = [
    "",
    "Utilisateur",
    "Fournisseur",
    "Nom",
    "Début du jeton",
    "Créé le",
    "Expire le",
    "Dernière utilisation",
    "État",
]


def lignes(reponse) -> list[list[str]]:
    """The changelist's rows, the checkbox column first (empty when there is no action)."""
    assert reponse.status_code == 200, reponse.status_code
    table = next(t for t in page(reponse).tables if t and t[0][-8:] == COLONNES[1:])
    return [([""] if table[0] == COLONNES[1:] else []) + l for l in table[1:] if len(l) == len(table[0])]


def revoquer(client, *selection):
    reponse = client.post(LISTE, {"action": "revoquer", "_selected_action": [j.pk for j in selection], "index": "0"})
    reponse.messages_affiches = messages_de_la_page(client.get(LISTE)) if reponse.status_code == 302 else []
    return reponse


@pytest.fixture
def trois_jetons(demo):
    relais, _ = jetons.creer_jeton(utilisateur("relais"), nom="CI de relais")
    unikalo, clair = jetons.creer_jeton(utilisateur("unikalo"), nom="Production unikalo")
    ancien, _ = jetons.creer_jeton(utilisateur("hopital"), nom="Ancien hôpital")
    JetonAPI.objects.filter(pk=ancien.pk).update(date_expiration=timezone.now())
    return {"relais": relais, "unikalo": unikalo, "clair_unikalo": clair, "ancien": ancien}


# --- The admin -------------------------------------------------------------------------------------


def test_le_gestionnaire_voit_les_jetons_de_tous_les_fournisseurs(client_gestionnaire, trois_jetons):
    ClientAPI(trois_jetons["clair_unikalo"]).get("/api/v1/demandes")
    reponse = client_gestionnaire.get(LISTE)
    par_nom = {l[3]: l for l in lignes(reponse)}
    assert set(par_nom) == {"CI de relais", "Production unikalo", "Ancien hôpital"}
    unikalo = par_nom["Production unikalo"]
    assert unikalo[1:3] == ["unikalo", "NUANCES UNIKALO COTE D'AZUR"]
    assert unikalo[4] == f"{trois_jetons['unikalo'].prefixe}…"
    assert unikalo[7] != "jamais" and unikalo[8] == "Actif"
    assert par_nom["CI de relais"][7] == "jamais"
    assert par_nom["Ancien hôpital"][8] == "Expiré"
    # Nothing of the token itself: neither its digest nor anything beyond its first characters.
    contenu = reponse.content.decode()
    assert all(j.empreinte not in contenu for j in JetonAPI.objects.all())
    assert trois_jetons["clair_unikalo"] not in contenu
    assert list(options_d_action(reponse)) == ["revoquer"]  # no « supprimer »


def test_filtres_et_recherche(client_gestionnaire, trois_jetons):
    jetons.revoquer(trois_jetons["relais"], par=utilisateur("relais"))
    noms = lambda params: sorted(l[3] for l in lignes(client_gestionnaire.get(LISTE, params)))  # noqa: E731
    assert noms({"etat": "actif"}) == ["Production unikalo"]
    assert noms({"etat": "expire"}) == ["Ancien hôpital"]
    assert noms({"etat": "revoque"}) == ["CI de relais"]
    assert noms({"q": "unikalo"}) == ["Production unikalo"]
    assert noms({"q": "77625125800013"}) == ["CI de relais"]  # relais's SIRET
    assert noms({"utilisateur__fournisseur__id__exact": trois_jetons["ancien"].utilisateur.fournisseur_id}) == [
        "Ancien hôpital"
    ]


def test_le_gestionnaire_revoque(client_gestionnaire, gestionnaire, trois_jetons):
    unikalo = trois_jetons["unikalo"]
    assert ClientAPI(trois_jetons["clair_unikalo"]).get("/api/v1/demandes").status_code == 200
    reponse = revoquer(client_gestionnaire, unikalo)
    assert messages_de(reponse) == [
        ("success", "1 jeton(s) révoqué(s) : « Production unikalo » de unikalo. Ils sont refusés dès maintenant.")
    ]
    unikalo.refresh_from_db()
    assert unikalo.revoque_par == gestionnaire and unikalo.date_revocation is not None
    refus = ClientAPI(trois_jetons["clair_unikalo"]).get("/api/v1/demandes")
    assert refus.status_code == 401 and "révoqué" in refus.json()["detail"]
    ligne = next(l for l in lignes(client_gestionnaire.get(LISTE)) if l[3] == "Production unikalo")
    assert ligne[8] == f"Révoqué le {timezone.localtime(unikalo.date_revocation):%d/%m/%Y}"
    # Its user sees it revoked on his page « Accès API ».
    fournisseur = Client()
    fournisseur.force_login(utilisateur("unikalo"))
    assert f"Révoqué le {timezone.localtime(unikalo.date_revocation):%d/%m/%Y}" in texte(
        fournisseur.get("/acces-api/"), lu=True
    )
    # Twice: said, nothing changes.
    date = unikalo.date_revocation
    reponse = revoquer(client_gestionnaire, unikalo, trois_jetons["relais"])
    assert messages_de(reponse) == [
        ("success", "1 jeton(s) révoqué(s) : « CI de relais » de relais. Ils sont refusés dès maintenant."),
        ("info", "Déjà révoqué(s) : « Production unikalo » de unikalo."),
    ]
    unikalo.refresh_from_db()
    assert unikalo.date_revocation == date


def test_rien_n_est_modifiable_ni_ajoutable_ni_supprimable(client_gestionnaire, trois_jetons):
    jeton = trois_jetons["relais"]
    avant = JetonAPI.objects.values().get(pk=jeton.pk)
    fiche = client_gestionnaire.get(f"{LISTE}{jeton.pk}/change/")
    assert fiche.status_code == 200
    contenu = fiche.content.decode()
    assert 'name="nom"' not in contenu and 'name="_save"' not in contenu and jeton.empreinte not in contenu
    assert "CI de relais" in texte(fiche, lu=True)
    reponse = client_gestionnaire.post(
        f"{LISTE}{jeton.pk}/change/", {"nom": "Autre", "date_expiration_0": "01/01/2099", "date_expiration_1": "00:00"}
    )
    assert reponse.status_code == 403
    assert client_gestionnaire.get(f"{LISTE}add/").status_code == 403
    assert client_gestionnaire.post(f"{LISTE}add/", {"nom": "x"}).status_code == 403
    assert client_gestionnaire.get(f"{LISTE}{jeton.pk}/delete/").status_code == 403
    assert client_gestionnaire.post(f"{LISTE}{jeton.pk}/delete/", {"post": "yes"}).status_code == 403
    client_gestionnaire.post(LISTE, {"action": "delete_selected", "_selected_action": [jeton.pk], "post": "yes"})
    assert JetonAPI.objects.values().get(pk=jeton.pk) == avant
    assert JetonAPI.objects.count() == 3


def test_un_staff_sans_droit_n_y_entre_pas_et_un_lecteur_ne_revoque_pas(client, trois_jetons):
    client.force_login(nouveau_staff())
    assert client.get(LISTE).status_code == 403
    client.force_login(nouveau_staff("auditeur", "demandes.view_jetonapi"))
    reponse = client.get(LISTE)
    assert len(lignes(reponse)) == 3 and options_d_action(reponse) == {}
    client.post(LISTE, {"action": "revoquer", "_selected_action": [trois_jetons["unikalo"].pk], "index": "0"})
    assert JetonAPI.objects.get(pk=trois_jetons["unikalo"].pk).date_revocation is None


@pytest.mark.parametrize("drapeaux", ["", "staff", "staff+groupe"])
def test_un_fournisseur_n_entre_pas(client, trois_jetons, drapeaux):
    relais = utilisateur("relais")
    relais.is_staff = "staff" in drapeaux
    relais.save()
    if "groupe" in drapeaux:
        relais.groups.add(Group.objects.get(name="Gestionnaires ASP"))
    client.force_login(relais)
    for chemin in (LISTE, f"{LISTE}{trois_jetons['unikalo'].pk}/change/"):
        assert vers_la_connexion_admin(client.get(chemin), chemin), chemin
    reponse = client.post(LISTE, {"action": "revoquer", "_selected_action": [trois_jetons["unikalo"].pk], "index": "0"})
    assert vers_la_connexion_admin(reponse, LISTE)
    assert JetonAPI.objects.get(pk=trois_jetons["unikalo"].pk).date_revocation is None


# --- The command ----------------------------------------------------------------------------------


def test_commande_imprime_un_jeton_qui_fonctionne(demo):
    sortie = io.StringIO()
    call_command("jeton_api", "relais", "--nom", "CI nocturne", "--jours", "7", stdout=sortie)
    clair = sortie.getvalue().strip()
    assert sortie.getvalue() == f"{clair}\n" and clair.startswith("sgr_")  # the token alone
    jeton = JetonAPI.objects.get()
    assert jeton.nom == "CI nocturne" and jeton.utilisateur == utilisateur("relais")
    assert round((jeton.date_expiration - jeton.date_creation).total_seconds() / 86400) == 7
    assert ClientAPI(clair).get("/api/v1/demandes").status_code == 200


def test_commande_duree_par_defaut(demo):
    call_command("jeton_api", "unikalo", "--nom", "CI", stdout=io.StringIO())
    jeton = JetonAPI.objects.get()
    assert round((jeton.date_expiration - jeton.date_creation).total_seconds() / 86400) == 90


@pytest.mark.parametrize(
    "arguments, message",
    [
        (["inconnu", "--nom", "CI"], "Aucun compte ne porte l'identifiant « inconnu »."),
        (
            ["gestionnaire", "--nom", "CI"],
            "Le compte « gestionnaire » n'est pas un compte fournisseur : seuls les comptes des fournisseurs "
            "reçoivent un jeton d'API.",
        ),
        (["relais", "--nom", "CI", "--jours", "0"], "La durée de validité va de 1 à 365 jours."),
        (["relais", "--nom", "CI", "--jours", "366"], "La durée de validité va de 1 à 365 jours."),
        (["relais", "--nom", "  "], "Donnez un nom au jeton (par exemple le logiciel ou le serveur qui l'utilisera)."),
    ],
)
def test_commande_erreurs(demo, arguments, message):
    sortie = io.StringIO()
    with pytest.raises(CommandError) as erreur:
        call_command("jeton_api", *arguments, stdout=sortie)
    assert str(erreur.value) == message
    assert sortie.getvalue() == "" and not JetonAPI.objects.exists()


def test_commande_compte_desactive(demo):
    relais = utilisateur("relais")
    relais.is_active = False
    relais.save()
    with pytest.raises(CommandError, match="Le compte « relais » est désactivé."):
        call_command("jeton_api", "relais", "--nom", "CI", stdout=io.StringIO())
    assert not JetonAPI.objects.exists()


def test_commande_jours_non_entier(demo):
    with pytest.raises(CommandError, match="--jours"):
        call_command("jeton_api", "relais", "--nom", "CI", "--jours", "dix", stdout=io.StringIO())
