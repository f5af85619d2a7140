"""The page « Accès API » (/acces-api/) of a supplier's user: create a token (shown once, in clear,
right after its creation; never again), the list of his own tokens (never a colleague's or another
supplier's), revoke one (a confirmation, then a POST; anyone else's token is a 404), and the
documentation of the API on the same page: links, curl and httpx examples, the rate limit, and the
section of each problem status that the `type` of a problem document points to."""

import re

import pytest
from django.utils import timezone

from demandes import jetons
from demandes.models import JetonAPI
from tests.pages import page, texte
from tests.parcours import utilisateur

from .conftest import ClientAPI

PAGE = "/acces-api/"
COLONNES = ["Nom", "Début du jeton", "Créé le", "Expire le", "Dernière utilisation", "État", "Action"]


def lignes(reponse) -> list[list[str]]:
    return [l for l in page(reponse).table(COLONNES) if len(l) == len(COLONNES)]


def jeton_affiche(reponse) -> str | None:
    """The token in clear, as the page shows it (the read-only field to copy), if it does."""
    trouve = re.search(r'id="jeton-en-clair"[^>]*value="([^"]+)"', reponse.content.decode())
    return trouve.group(1) if trouve else None


def jours_de_validite(jeton) -> int:
    return round((jeton.date_expiration - jeton.date_creation).total_seconds() / 86400)


def creer(client, nom="Intégration continue", jours="90"):
    return client.post(PAGE, {"nom": nom, "jours": jours})


def test_creer_un_jeton_affiche_une_seule_fois_puis_liste(client_relais):
    reponse = creer(client_relais, jours="30")
    assert reponse.status_code == 302 and reponse["Location"] == "/acces-api/#jeton-cree"
    jeton = JetonAPI.objects.get()
    assert jeton.utilisateur == utilisateur("relais") and jeton.nom == "Intégration continue"
    assert jours_de_validite(jeton) == 30

    premiere = client_relais.get(PAGE)
    assert "no-store" in premiere["Cache-Control"]
    clair = jeton_affiche(premiere)
    assert clair and clair.startswith("sgr_") and clair.startswith(jeton.prefixe)
    assert jetons.empreinte(clair) == jeton.empreinte  # the one stored, only as its digest
    contenu = texte(premiere, lu=True)
    assert "Jeton « Intégration continue » créé" in contenu and "il ne sera plus jamais affiché" in contenu
    assert page(premiere).bouton("Copier")
    assert lignes(premiere) == [
        [
            "Intégration continue",
            f"{jeton.prefixe}…",
            timezone.localtime(jeton.date_creation).strftime("%d/%m/%Y %H:%M"),
            timezone.localtime(jeton.date_expiration).strftime("%d/%m/%Y %H:%M"),
            "jamais",
            "Actif",
            "Révoquer",
        ]
    ]
    # It works, as the token of relais.
    assert ClientAPI(clair).get("/api/v1/demandes").status_code == 200

    # Never shown again.
    seconde = client_relais.get(PAGE)
    assert jeton_affiche(seconde) is None and clair not in seconde.content.decode()
    assert [l[0] for l in lignes(seconde)] == ["Intégration continue"]


def test_derniere_utilisation_affichee(client_relais):
    creer(client_relais)
    clair = jeton_affiche(client_relais.get(PAGE))
    assert lignes(client_relais.get(PAGE))[0][4] == "jamais"
    ClientAPI(clair).get("/api/v1/demandes")
    utilise = JetonAPI.objects.get().date_derniere_utilisation
    assert utilise is not None
    assert lignes(client_relais.get(PAGE))[0][4] == timezone.localtime(utilise).strftime("%d/%m/%Y %H:%M")


@pytest.mark.parametrize(
    "nom, jours, champ, message",
    [
        ("", "90", "nom", "Donnez un nom au jeton (par exemple le logiciel ou le serveur qui l'utilisera)."),
        ("   ", "90", "nom", "Donnez un nom au jeton (par exemple le logiciel ou le serveur qui l'utilisera)."),
        ("x" * 101, "90", "nom", "Le nom du jeton fait 101 caractères : 100 au plus."),
        ("CI", "0", "jours", "La durée de validité va de 1 à 365 jours."),
        ("CI", "366", "jours", "La durée de validité va de 1 à 365 jours."),
        ("CI", "", "jours", "Indiquez la durée de validité du jeton, en jours."),
        ("CI", "dix", "jours", "La durée de validité est un nombre entier de jours."),
    ],
)
def test_nom_et_duree_refuses(client_relais, nom, jours, champ, message):
    reponse = creer(client_relais, nom=nom, jours=jours)
    assert reponse.status_code == 200
    assert message in texte(reponse, lu=True)
    assert f'id="id_{champ}"' in reponse.content.decode() and 'aria-invalid="true"' in reponse.content.decode()
    assert not JetonAPI.objects.exists()
    assert jeton_affiche(reponse) is None


@pytest.mark.parametrize("jours", ["1", "365"])
def test_durees_limites_acceptees(client_relais, jours):
    assert creer(client_relais, nom="CI", jours=jours).status_code == 302
    jeton = JetonAPI.objects.get()
    assert jours_de_validite(jeton) == int(jours)


def test_duree_par_defaut_90_jours(client_relais):
    reponse = client_relais.get(PAGE)
    assert re.search(r'<input[^>]*name="jours"[^>]*value="90"', reponse.content.decode())


def test_seulement_ses_propres_jetons(client, demo):
    jetons.creer_jeton(utilisateur("unikalo"), nom="Jeton d'unikalo")
    jetons.creer_jeton(utilisateur("relais"), nom="Jeton de relais")
    client.force_login(utilisateur("relais"))
    assert [l[0] for l in lignes(client.get(PAGE))] == ["Jeton de relais"]
    client.force_login(utilisateur("unikalo"))
    assert [l[0] for l in lignes(client.get(PAGE))] == ["Jeton d'unikalo"]


def test_revoquer_avec_confirmation_puis_401(client_relais):
    jeton, clair = jetons.creer_jeton(utilisateur("relais"), nom="Serveur de production")
    assert ClientAPI(clair).get("/api/v1/demandes").status_code == 200
    liste = client_relais.get(PAGE)
    assert page(liste).lien("Révoquer").attrs["href"] == f"/acces-api/jetons/{jeton.pk}/revoquer/"

    confirmation = client_relais.get(f"/acces-api/jetons/{jeton.pk}/revoquer/")
    assert confirmation.status_code == 200
    assert "Révoquer le jeton « Serveur de production »" in texte(confirmation, lu=True)
    assert "La révocation est définitive" in texte(confirmation, lu=True)
    assert JetonAPI.objects.get(pk=jeton.pk).date_revocation is None  # a GET revokes nothing

    reponse = client_relais.post(f"/acces-api/jetons/{jeton.pk}/revoquer/", follow=True)
    assert reponse.redirect_chain == [("/acces-api/", 302)]
    assert "Le jeton « Serveur de production » est révoqué" in texte(reponse, lu=True)
    jeton.refresh_from_db()
    assert jeton.revoque_par == utilisateur("relais")
    etat = lignes(reponse)[0]
    assert etat[5] == f"Révoqué le {timezone.localtime(jeton.date_revocation):%d/%m/%Y}" and etat[6] == "—"
    refus = ClientAPI(clair).get("/api/v1/demandes")
    assert refus.status_code == 401 and "révoqué" in refus.json()["detail"]

    # Again: nothing changes, and the page says so.
    date = jeton.date_revocation
    reponse = client_relais.post(f"/acces-api/jetons/{jeton.pk}/revoquer/", follow=True)
    assert "Le jeton « Serveur de production » était déjà révoqué." in texte(reponse, lu=True)
    jeton.refresh_from_db()
    assert jeton.date_revocation == date


def test_revoquer_le_jeton_d_un_autre_404(client_relais):
    jeton, clair = jetons.creer_jeton(utilisateur("unikalo"), nom="Jeton d'unikalo")
    assert client_relais.get(f"/acces-api/jetons/{jeton.pk}/revoquer/").status_code == 404
    assert client_relais.post(f"/acces-api/jetons/{jeton.pk}/revoquer/").status_code == 404
    assert client_relais.post("/acces-api/jetons/999999/revoquer/").status_code == 404
    jeton.refresh_from_db()
    assert jeton.date_revocation is None
    assert ClientAPI(clair).get("/api/v1/demandes").status_code == 200


def test_jeton_expire_affiche_expire(client_relais):
    jeton, _ = jetons.creer_jeton(utilisateur("relais"), nom="Ancien")
    JetonAPI.objects.filter(pk=jeton.pk).update(date_expiration=timezone.now())
    assert lignes(client_relais.get(PAGE))[0][5:] == ["Expiré", "—"]


def test_reserve_aux_fournisseurs(client, gestionnaire, demo):
    assert client.get(PAGE)["Location"].startswith("/connexion/")
    client.force_login(gestionnaire)
    assert client.get(PAGE).status_code == 403
    assert client.post(PAGE, {"nom": "CI", "jours": "90"}).status_code == 403
    assert not JetonAPI.objects.exists()


def test_dans_le_menu(client_relais):
    reponse = client_relais.get(PAGE)
    menu = [(a.texte, a.attrs["href"]) for a in page(reponse).liens if "fr-nav__link" in a.attrs.get("class", "")]
    assert menu.index(("Accès API", "/acces-api/")) == menu.index(("Notifications", "/notifications/")) + 1
    assert [a.texte for a in page(reponse).liens if a.attrs.get("aria-current") == "page"] == ["Accès API"]


# --- The documentation -------------------------------------------------------------------------


def test_documentation_de_l_api(client_relais, settings):
    settings.SEGUR_API_LIMITE = "45/min"
    reponse = client_relais.get(PAGE)
    contenu = texte(reponse, lu=True)
    hrefs = {a.attrs["href"] for a in page(reponse).liens}
    assert {"/api/v1/docs", "/api/v1/openapi.json", "/imports/documentation/"} <= hrefs
    assert "45/min" in contenu and "Retry-After" in contenu
    assert "Authorization: Bearer" in contenu
    # Every endpoint of the issue, and the whole journey in the curl example.
    for point in (
        "POST /api/v1/simulations",
        "GET /api/v1/imports/{id}",
        "GET /api/v1/imports/{id}/sortie",
        "POST /api/v1/imports/{id}/import",
        "POST /api/v1/imports/{id}/zips",
        "GET /api/v1/zips/{id}",
        "GET /api/v1/imports/{id}/pieces-manquantes",
        "POST /api/v1/imports/{id}/terminer",
        "GET /api/v1/demandes",
        "GET /api/v1/demandes/{numeroASP}",
    ):
        assert point in contenu, point
    curl = re.search(r'id="exemple-curl-code"[^>]*><code>(.*?)</code>', reponse.content.decode(), re.S).group(1)
    etapes = [
        "/simulations",
        "/sortie",
        '/import"',
        '/zips"',
        "/zips/$ZIP",
        "/pieces-manquantes",
        "/terminer",
        "/demandes",
    ]
    positions = [curl.index(etape) for etape in etapes]
    assert positions == sorted(positions)
    python = re.search(r'id="exemple-python-code"[^>]*><code>(.*?)</code>', reponse.content.decode(), re.S).group(1)
    assert "import httpx" in python and "Authorization" in python
    assert "http://localhost:8000/api/v1" in curl  # SEGUR_URL_PORTAIL


def test_exemple_python_compile(client_relais):
    import html

    reponse = client_relais.get(PAGE)
    python = re.search(r'id="exemple-python-code"[^>]*><code>(.*?)</code>', reponse.content.decode(), re.S).group(1)
    compile(html.unescape(python), "exemple.py", "exec")


def test_chaque_probleme_renvoie_a_sa_section(client_relais, api_relais):
    """The `type` of a problem document is the address of its section on this page, for every
    status the API answers with; the section's title is the problem's `title`."""
    from segur_portal.api.problemes import TITRES

    reponse = client_relais.get(PAGE)
    contenu = reponse.content.decode()
    for status in (401, 403, 404, 409, 413, 415, 422, 429, 500):
        assert f'id="probleme-{status}"' in contenu, status
        titre = re.search(rf'id="titre-probleme-{status}">([^<]+)<', contenu).group(1)
        assert titre == f"{status} — {TITRES[status]}", titre
    probleme = api_relais.get("/api/v1/demandes/FINMDV999999M0").json()
    chemin, ancre = probleme["type"].split("#")
    assert chemin == PAGE and f'id="{ancre}"' in contenu
