"""The supplier's access to the portal through Django's test client: login, logout, `next`, anonymous
users sent to the login page, an ASP manager sent to the admin, the header's menu, and the pages
« Enrôlement » and « Besoin d'aide ». The French labels are those of the ASP guide (spec §2)."""

from urllib.parse import quote

import pytest

from imports.models import Import
from tests.pages import page, texte
from tests.parcours import simuler, utilisateur

# --- login, logout, access ----------------------------------------------------------------


def test_page_de_connexion(client, demo):
    reponse = client.get("/connexion/")
    assert reponse.status_code == 200
    contenu = texte(reponse)
    assert "Identifiant" in contenu and "Mot de passe" in contenu
    assert page(reponse).bouton("Se connecter")


def test_mauvais_mot_de_passe(client, demo):
    reponse = client.post("/connexion/", {"username": "relais", "password": "faux"})
    assert reponse.status_code == 200
    assert "Identifiant ou mot de passe incorrect." in texte(reponse)
    assert "_auth_user_id" not in client.session


def test_connexion_reussie_puis_deconnexion(client, demo):
    reponse = client.post("/connexion/", {"username": "relais", "password": "demo"})
    assert reponse.status_code == 302 and reponse["Location"] == "/"
    accueil = client.get("/")
    assert accueil.status_code == 200
    assert "relais" in texte(accueil)

    reponse = client.post("/deconnexion/")
    assert reponse.status_code == 302 and reponse["Location"] == "/connexion/"
    assert "_auth_user_id" not in client.session
    assert client.get("/imports/")["Location"] == "/connexion/?next=/imports/"


def test_connexion_suit_next(client, demo):
    reponse = client.post("/connexion/", {"username": "relais", "password": "demo", "next": "/imports/simulation/"})
    assert reponse.status_code == 302 and reponse["Location"] == "/imports/simulation/"


PAGES_FOURNISSEUR = [
    "/",
    "/enrolement/",
    "/demandes/",
    "/aide/",
    "/imports/",
    "/imports/simulation/",
    "/imports/1/",
    "/imports/1/sortie/",
    "/imports/1/fichier/",
    "/imports/documentation/",
    "/imports/documentation/schemas/avance.schema.json",
    "/imports/documentation/modeles/solde-structure-ttc.json",
]


@pytest.mark.parametrize("chemin", PAGES_FOURNISSEUR)
def test_acces_anonyme_renvoie_vers_la_connexion(client, db, chemin):
    reponse = client.get(chemin)
    assert reponse.status_code == 302
    assert reponse["Location"] == f"/connexion/?next={quote(chemin)}"


def test_acces_anonyme_au_post_importer(client, db):
    reponse = client.post("/imports/1/importer/")
    assert reponse.status_code == 302 and reponse["Location"].startswith("/connexion/?next=")


def test_gestionnaire_va_dans_l_admin_et_n_a_pas_l_espace_fournisseur(client, demo):
    reponse = client.post("/connexion/", {"username": "gestionnaire", "password": "demo"})
    assert reponse.status_code == 302 and reponse["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200
    assert client.get("/")["Location"] == "/admin/"
    for chemin in (
        "/imports/",
        "/imports/simulation/",
        "/imports/documentation/",
        "/enrolement/",
        "/demandes/",
        "/aide/",
        "/acces-api/",
    ):
        reponse = client.get(chemin)
        assert reponse.status_code == 403, chemin
        assert "Cet espace est réservé aux fournisseurs." in texte(reponse), chemin
    reponse = simuler(client, b"{}")
    assert reponse.status_code == 403
    assert not Import.objects.exists()


def test_menu_de_l_en_tete(client_relais):
    reponse = client_relais.get("/imports/")
    menu = [(a.texte, a.attrs["href"]) for a in page(reponse).liens if "fr-nav__link" in a.attrs.get("class", "")]
    assert menu == [
        ("Accueil", "/"),
        ("Enrôlement", "/enrolement/"),
        ("Équipe", "/equipe/"),
        ("Importation JSONs", "/imports/"),
        ("Demandes financement", "/demandes/"),
        ("Notifications", "/notifications/"),
        ("Accès API", "/acces-api/"),
        ("Besoin d'aide ?", "/aide/"),
    ]
    courant = [a.texte for a in page(reponse).liens if a.attrs.get("aria-current") == "page"]
    assert courant == ["Importation JSONs"]


# --- list of imports, enrôlement, aide ----------------------------------------------------


def test_enrolement(client, demo):
    client.force_login(utilisateur("relais"))
    reponse = client.get("/enrolement/")
    assert reponse.status_code == 200
    contenu = texte(reponse)
    assert "77625125800013" in contenu and "RELAIS CAP FRANCE AU GAI LOGIS" in contenu
    assert "mlp525off1" in contenu
    for autre in ("cpiPFI0001", "bnd52qq600", "2021k052a"):
        assert autre not in contenu

    client.force_login(utilisateur("hopital"))
    contenu = texte(client.get("/enrolement/"))
    assert "bnd52qq600" in contenu and "2021k052a" in contenu
    assert "mlp525off1" not in contenu and "cpiPFI0001" not in contenu


def test_besoin_d_aide(client_relais):
    reponse = client_relais.get("/aide/")
    assert reponse.status_code == 200
    assert "Besoin d'aide ?" in texte(reponse)
    assert "/imports/documentation/" in {a.attrs["href"] for a in page(reponse).liens}
