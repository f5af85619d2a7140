"""GET /api/v1/demandes and /api/v1/demandes/{numeroASP}: the supplier's own demandes, filtered like
its screen; another supplier's dossier is a 404 (never 403: numbers leak nothing); refusals are
problem documents in French."""

import json

from demandes import services
from demandes.models import Demande
from demandes.valeurs import StatutDemande, StatutPaiement
from tests.factories import creer_demande
from tests.parcours import utilisateur

from .conftest import ClientAPI

PROBLEME = "application/problem+json"


def test_liste_filtree_comme_l_ecran(api_relais, client_relais):
    for n, statut in enumerate((StatutDemande.DEPOSEE, StatutDemande.REJETEE, StatutDemande.DECIDEE), start=1):
        creer_demande(n, statut, paiement=StatutPaiement.EN_COURS if statut == StatutDemande.DECIDEE else "")
    creer_demande(9, numero_ans="bnd52qq600")  # hopital's: never listed for relais
    reponse = api_relais.get("/api/v1/demandes")
    assert reponse.status_code == 200
    corps = reponse.json()
    assert corps["count"] == 3
    assert [d["numeroASP"] for d in corps["items"]] == ["FINMDV000003M0", "FINMDV000002M0", "FINMDV000001M0"]
    assert corps["items"][0]["libelleStatut"] == "Décidée" and corps["items"][0]["statutPaiement"] == "EN_COURS"
    rejetees = api_relais.get("/api/v1/demandes", {"statut": "REJETEE"}).json()
    assert [d["numeroASP"] for d in rejetees["items"]] == ["FINMDV000002M0"]
    # The screen with the same criterion shows the same dossiers.
    assert "FINMDV000002M0" in client_relais.get("/demandes/", {"statut": "REJETEE"}).content.decode()
    assert api_relais.get("/api/v1/demandes", {"numero_ans": "bnd52qq600"}).json()["count"] == 0


def test_critere_invalide_422(api_relais):
    reponse = api_relais.get("/api/v1/demandes", {"statut": "PAYEE"})
    assert reponse.status_code == 422 and reponse["Content-Type"] == PROBLEME
    assert reponse.json()["title"] == "Donnée invalide"


def test_une_demande_avec_historique_motif_et_paiements(api_relais, gestionnaire):
    demande = creer_demande(1, StatutDemande.DEPOSEE)
    services.changer_statut(
        Demande.objects.filter(pk=demande.pk), transition="rejet", utilisateur=gestionnaire, motif="BDC illisible"
    )
    corps = api_relais.get("/api/v1/demandes/FINMDV000001M0").json()
    assert corps["statut"] == "REJETEE" and corps["motifRejet"] == "BDC illisible"
    assert [e["statut"] for e in corps["historique"]] == ["En attente des pièces", "Déposée", "Rejetée"]
    assert corps["paiements"] == []
    assert api_relais.get("/api/v1/demandes/FINMDV000001").json()["numeroASP"] == "FINMDV000001M0"


def test_la_demande_d_un_autre_fournisseur_est_introuvable(api_unikalo):
    creer_demande(1, StatutDemande.DEPOSEE)  # relais's
    for chemin in ("/api/v1/demandes/FINMDV000001M0", "/api/v1/demandes/n-importe-quoi"):
        reponse = api_unikalo.get(chemin)
        assert reponse.status_code == 404 and reponse["Content-Type"] == PROBLEME
        assert reponse.json()["detail"] == "Aucune ressource ne porte cet identifiant pour votre compte."
    assert api_unikalo.get("/api/v1/demandes").json()["count"] == 0


def test_sans_jeton_ou_jeton_inconnu_401(demo):
    for client in (ClientAPI(None), ClientAPI("sgr_inconnu")):
        reponse = client.get("/api/v1/demandes")
        assert reponse.status_code == 401 and reponse["Content-Type"] == PROBLEME
        assert reponse["WWW-Authenticate"].startswith("Bearer")
    assert "Authorization: Bearer" in ClientAPI(None).get("/api/v1/demandes").json()["detail"]
    assert ClientAPI("sgr_inconnu").get("/api/v1/demandes").json()["detail"].startswith("Jeton d'API inconnu")


def test_jeton_revoque_ou_expire_401(demo):
    from django.utils import timezone

    from demandes import jetons
    from demandes.models import JetonAPI

    jeton, clair = jetons.creer_jeton(utilisateur("relais"), nom="CI", jours=1)
    assert ClientAPI(clair).get("/api/v1/demandes").status_code == 200
    JetonAPI.objects.filter(pk=jeton.pk).update(date_expiration=timezone.now())
    assert ClientAPI(clair).get("/api/v1/demandes").json()["detail"].startswith("Ce jeton d'API a expiré le ")
    jeton2, clair2 = jetons.creer_jeton(utilisateur("relais"), nom="CI 2", jours=1)
    jetons.revoquer(jeton2, par=utilisateur("relais"))
    reponse = ClientAPI(clair2).get("/api/v1/demandes")
    assert reponse.status_code == 401 and "révoqué" in reponse.json()["detail"]


def test_limite_de_requetes_par_jeton_429(api_relais, api_unikalo, settings):
    settings.SEGUR_API_LIMITE = "3/min"
    assert [api_relais.get("/api/v1/demandes").status_code for _ in range(3)] == [200, 200, 200]
    reponse = api_relais.get("/api/v1/demandes")
    assert reponse.status_code == 429 and reponse["Content-Type"] == PROBLEME
    assert 0 < int(reponse["Retry-After"]) <= 60
    assert api_unikalo.get("/api/v1/demandes").status_code == 200  # per token


def test_document_openapi_valide_et_documentation_sans_cdn(client, db):
    from openapi_spec_validator import validate

    reponse = client.get("/api/v1/openapi.json")
    doublons = []

    def sans_doublon(paires):
        cles = [cle for cle, _ in paires]
        doublons.extend(cle for cle in set(cles) if cles.count(cle) > 1)
        return dict(paires)

    document = json.loads(reponse.content, object_pairs_hook=sans_doublon)
    assert doublons == []  # a key written twice: Swagger UI refuses the whole document
    assert document["openapi"].startswith("3.1")
    validate(document)
    page = client.get("/api/v1/docs").content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in page and "cdn" not in page.lower()


def test_chaque_appel_est_journalise_avec_le_nom_du_jeton(api_relais, caplog):
    from tests.portail.test_exploitation import evenements

    with caplog.at_level("INFO"):
        api_relais.get("/api/v1/demandes", {"statut": "DEPOSEE"})
        api_relais.get("/api/v1/demandes/FINMDV000009M0")  # a 404 is logged too
    appels = evenements(caplog, "appel_api")
    assert [(a["methode"], a["chemin"], a["jeton_api"]) for a in appels] == [
        ("GET", "/api/v1/demandes", "logiciel de test"),
        ("GET", "/api/v1/demandes/FINMDV000009M0", "logiciel de test"),
    ]


def test_parametres_refuses_en_francais(api_relais):
    for parametres, attendu in (
        ({"page": "0"}, {"champ": "page", "message": "Doit être supérieur ou égal à 1."}),
        ({"page": "deux"}, {"champ": "page", "message": "Doit être un nombre entier (chiffres de 0 à 9)."}),
        (
            {"depose_apres": "31/12/2024"},
            {"champ": "depose_apres", "message": "Doit être une date au format AAAA-MM-JJ."},
        ),
    ):
        reponse = api_relais.get("/api/v1/demandes", parametres)
        assert reponse.status_code == 422 and reponse["Content-Type"] == PROBLEME
        assert reponse.json()["erreurs"] == [attendu], parametres
    statut = api_relais.get("/api/v1/demandes", {"statut": "PAYEE"}).json()["erreurs"]
    assert statut[0]["champ"] == "statut" and statut[0]["message"].startswith("Valeur non permise : valeurs possibles")
