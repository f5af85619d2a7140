"""The step « 2 - Pièces jointes » over the API: a zip posted (202, the screen's message, its status
URL), its processing followed (progress, then each file's verdict), the missing pieces before and
after, « Terminer » refused while a piece is missing then done (the demandes « Déposée »); the same
results as the screen (its status JSON, its « Détail des fichiers », its missing pieces); the zip's
size limit (413), refusals (422, 409), another supplier's ids (404 on every endpoint); and, on
PostgreSQL + Redis, a zip processed by a real Celery worker, followed over the API."""

import hashlib
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import RequestFactory

from demandes.models import Demande
from demandes.valeurs import StatutDemande
from imports.models import Import
from imports.televersement import limite_televersement
from piecesjointes import services
from piecesjointes.models import PieceRecue, ZipDepose
from segur_portal.api import pieces as api_pieces
from tests.documents import fichier_deux_lignes
from tests.factories import ELF, NOM_PIECE, NOM_PIECE_2, PDF, PDF_BIS, zip_de, zip_de_taille
from tests.marques import postgres_seulement
from tests.pages import (
    DEMANDE_NOUVEAU_ZIP,
    MESSAGE_ARCHIVE_ILLISIBLE,
    MESSAGE_DEJA_TERMINE,
    MESSAGE_MANQUANTES,
    MESSAGE_PLUS_DE_DEPOT,
    MESSAGE_ZIP_EN_COURS,
    MOTIF_INCONNU,
    texte,
)
from tests.parcours import deposer, ecran, simuler_et_importer, simuler_service

from .conftest import ClientAPI, jeton_de

PROBLEME = "application/problem+json"
MOTIF_ELF = "le contenu (application/x-executable) n'est pas un fichier PDF"
INTROUVABLE = "Aucune ressource ne porte cet identifiant pour votre compte."
PAS_ENCORE_IMPORTE = "Les pièces jointes se déposent après l'import réel : importez d'abord ce fichier (« Importer »)."
CHAMPS_DU_STATUT = (
    "statut",
    "libelle",
    "termine",
    "nb_entrees",
    "nb_traitees",
    "nb_acceptees",
    "nb_refusees",
    "message",
)


def envoyer_zip(api: ClientAPI, import_id: int, contenu: bytes, nom: str = "pieces.zip"):
    return api.post(
        f"/api/v1/imports/{import_id}/zips",
        {"fichier": SimpleUploadedFile(nom, contenu, content_type="application/zip")},
    )


def probleme(reponse, status: int) -> str:
    """The problem document's detail, once its status and media type checked."""
    assert reponse.status_code == status, reponse.content
    assert reponse["Content-Type"] == PROBLEME
    corps = reponse.json()
    assert corps["status"] == status
    return corps["detail"]


def manquantes(api: ClientAPI, import_id: int) -> list[tuple[str, str, str, str, str]]:
    reponse = api.get(f"/api/v1/imports/{import_id}/pieces-manquantes")
    assert reponse.status_code == 200, reponse.content
    corps = reponse.json()
    assert corps["count"] == len(corps["items"])
    return [
        (p["numeroASP"], p["numeroEditeur"], p["nomFichier"], p["formatFichier"], p["typeFichier"])
        for p in corps["items"]
    ]


@pytest.fixture
def import_deux(demo, document_ttc) -> Import:
    """relais's two demandes imported for real (services), expecting NOM_PIECE and NOM_PIECE_2."""
    return simuler_et_importer("relais", fichier_deux_lignes(document_ttc), nom="deux-lignes.json")


def test_parcours_zip_progression_manquantes_terminer(api_relais, client_relais, import_deux):
    base = f"/api/v1/imports/{import_deux.pk}"
    attendues = [
        ("FINMDV000001M0", "00001", NOM_PIECE, "PDF", "BON_COMMANDE"),
        ("FINMDV000002M0", "00002", NOM_PIECE_2, "PDF", "BON_COMMANDE"),
    ]
    assert manquantes(api_relais, import_deux.pk) == attendues
    # The screen asks for the same pieces, before any zip.
    a_deposer = texte(ecran(client_relais, import_deux), lu=True).split("pièce(s) jointe(s) attendue(s)")[1]
    for numero, editeur, nom, _, _ in attendues:
        assert f"{numero} ({editeur}) : {nom}" in a_deposer.split("Importer un fichier zip")[0]
    assert probleme(api_relais.post(f"{base}/terminer"), 409) == MESSAGE_MANQUANTES

    archive = zip_de((NOM_PIECE, PDF), (NOM_PIECE_2, ELF), ("inconnu.pdf", PDF))
    reponse = envoyer_zip(api_relais, import_deux.pk, archive)
    assert reponse.status_code == 202, reponse.content
    depot = ZipDepose.objects.get()
    assert reponse.json() == {
        "id": depot.pk,
        "statut": "EN_ATTENTE",
        "libelle": "En attente de traitement",
        "message": "Le fichier « pieces.zip » est en cours de traitement.",
        "url": f"/api/v1/zips/{depot.pk}",
    }
    assert reponse["Location"] == f"/api/v1/zips/{depot.pk}"
    assert depot.import_demandes_id == import_deux.pk and depot.nom_fichier == "pieces.zip"
    with depot.fichier.open("rb") as flux:
        assert flux.read() == archive

    # Not processed yet: no verdict, and « Terminer » waits for the zip.
    etat = api_relais.get(f"/api/v1/zips/{depot.pk}").json()
    assert (etat["statut"], etat["termine"], etat["entrees"], etat["nb_pages"]) == ("EN_ATTENTE", False, [], 0)
    assert probleme(api_relais.post(f"{base}/terminer"), 409) == MESSAGE_ZIP_EN_COURS

    services.traiter_zip(depot.pk)  # the Celery task's body, as the worker runs it
    reponse = api_relais.get(f"/api/v1/zips/{depot.pk}")
    assert reponse.status_code == 200
    etat = reponse.json()
    assert etat == {
        "id": depot.pk,
        "import_id": import_deux.pk,
        "nom_fichier": "pieces.zip",
        "statut": "TRAITE",
        "libelle": "Traité",
        "termine": True,
        "nb_entrees": 3,
        "nb_traitees": 3,
        "nb_acceptees": 1,
        "nb_refusees": 2,
        "message": "",
        "entrees": [
            {"rang": 1, "nom": NOM_PIECE, "acceptee": True, "motif": ""},
            {"rang": 2, "nom": NOM_PIECE_2, "acceptee": False, "motif": MOTIF_ELF},
            {"rang": 3, "nom": "inconnu.pdf", "acceptee": False, "motif": MOTIF_INCONNU},
        ],
        "page": 1,
        "nb_pages": 1,
        "page_suivante": None,
    }
    # The screen agrees: its status JSON, its « Détail des fichiers », its missing pieces.
    statut_ecran = client_relais.get(f"/pieces-jointes/zip/{depot.pk}/statut/").json()
    assert statut_ecran == {champ: etat[champ] for champ in CHAMPS_DU_STATUT}
    page = texte(ecran(client_relais, import_deux), lu=True)
    assert f"{NOM_PIECE} — accepté" in page
    assert f"{NOM_PIECE_2} — refusé : {MOTIF_ELF}" in page
    assert f"inconnu.pdf — refusé : {MOTIF_INCONNU}" in page
    assert manquantes(api_relais, import_deux.pk) == attendues[1:]
    assert "FINMDV000002M0 (00002) : MDV-LGC-Va1-BDC-00002.pdf" in page.split(DEMANDE_NOUVEAU_ZIP)[1]
    assert NOM_PIECE not in page.split(DEMANDE_NOUVEAU_ZIP)[1].split("Pièces attendues par demande")[0]
    assert probleme(api_relais.post(f"{base}/terminer"), 409) == MESSAGE_MANQUANTES

    second = envoyer_zip(api_relais, import_deux.pk, zip_de((NOM_PIECE_2, PDF_BIS)), nom="complement.zip").json()
    services.traiter_zip(second["id"])
    assert api_relais.get(second["url"]).json()["nb_acceptees"] == 1
    assert manquantes(api_relais, import_deux.pk) == []
    recue = PieceRecue.objects.get(piece_attendue__nom_fichier=NOM_PIECE_2)
    assert recue.sha256 == hashlib.sha256(PDF_BIS).hexdigest()

    reponse = api_relais.post(f"{base}/terminer")
    assert reponse.status_code == 200
    assert reponse.json() == {
        "demandes_deposees": 2,
        "message": "Import terminé : 2 demande(s) déposée(s), transmise(s) aux gestionnaires de l'ASP.",
    }
    assert set(Demande.objects.values_list("statut", flat=True)) == {StatutDemande.DEPOSEE}
    import_deux.refresh_from_db()
    assert import_deux.etat == Import.Etat.TERMINE
    deposees = api_relais.get("/api/v1/demandes", {"statut": "DEPOSEE"}).json()
    assert sorted(d["numeroASP"] for d in deposees["items"]) == ["FINMDV000001M0", "FINMDV000002M0"]

    # Afterwards: no second « Terminer », no more zips, nothing missing.
    assert probleme(api_relais.post(f"{base}/terminer"), 409) == MESSAGE_DEJA_TERMINE
    assert probleme(envoyer_zip(api_relais, import_deux.pk, zip_de((NOM_PIECE, PDF))), 409) == MESSAGE_PLUS_DE_DEPOT
    assert ZipDepose.objects.count() == 2
    assert manquantes(api_relais, import_deux.pk) == []


def test_verdicts_par_pages(api_relais, import_deux, monkeypatch):
    monkeypatch.setattr(api_pieces, "ENTREES_PAR_PAGE", 2)
    entrees = [(NOM_PIECE, PDF)] + [(f"inconnu-{n}.pdf", PDF) for n in range(4)]
    depot = envoyer_zip(api_relais, import_deux.pk, zip_de(*entrees)).json()
    services.traiter_zip(depot["id"])
    url = depot["url"]
    pages, suivante = [], url
    while suivante:
        corps = api_relais.get(suivante).json()
        pages.append([e["nom"] for e in corps["entrees"]])
        assert corps["nb_pages"] == 3 and corps["nb_entrees"] == 5
        suivante = corps["page_suivante"]
    assert pages == [[NOM_PIECE, "inconnu-0.pdf"], ["inconnu-1.pdf", "inconnu-2.pdf"], ["inconnu-3.pdf"]]
    assert api_relais.get(url, {"page": 4}).json()["entrees"] == []
    assert probleme(api_relais.get(url, {"page": 0}), 422) == "Une donnée de la requête est invalide."


def test_archive_illisible_refusee_comme_a_l_ecran(api_relais, client_relais, import_deux):
    depot = envoyer_zip(api_relais, import_deux.pk, PDF, nom="pas-un-zip.zip").json()
    services.traiter_zip(depot["id"])
    etat = api_relais.get(depot["url"]).json()
    assert (etat["statut"], etat["libelle"], etat["termine"], etat["message"]) == (
        "REFUSE",
        "Refusé",
        True,
        MESSAGE_ARCHIVE_ILLISIBLE,
    )
    assert etat["entrees"] == [] and etat["nb_pages"] == 0
    statut_ecran = client_relais.get(f"/pieces-jointes/zip/{depot['id']}/statut/").json()
    assert statut_ecran == {champ: etat[champ] for champ in CHAMPS_DU_STATUT}
    assert len(manquantes(api_relais, import_deux.pk)) == 2


def test_zip_trop_volumineux_413_et_limite_du_json_pour_le_reste(api_relais, import_deux, settings):
    settings.SEGUR_MAX_ZIP_BYTES = 2000
    settings.SEGUR_MAX_JSON_BYTES = 1000
    detail = probleme(envoyer_zip(api_relais, import_deux.pk, zip_de_taille(2001)), 413)
    assert detail == "Le fichier zip dépasse la taille maximale autorisée (2 000 octets)."
    assert not ZipDepose.objects.exists()
    # Exactly the zip's limit (twice the JSON file's) is taken: this endpoint has the zip's limit.
    juste = zip_de_taille(2000)
    assert envoyer_zip(api_relais, import_deux.pk, juste, nom="juste.zip").status_code == 202
    depot = ZipDepose.objects.get()
    with depot.fichier.open("rb") as flux:
        assert flux.read() == juste
    # Every other upload, the rest of the API included, keeps the JSON file's limit.
    requetes = RequestFactory()
    assert limite_televersement(requetes.post(f"/api/v1/imports/{import_deux.pk}/zips")) == 2000
    assert limite_televersement(requetes.post(f"/pieces-jointes/{import_deux.pk}/zip/")) == 2000
    for chemin in ("/api/v1/simulations", f"/api/v1/imports/{import_deux.pk}/terminer", "/imports/simulation/"):
        assert limite_televersement(requetes.post(chemin)) == 1000


def test_refus_422_et_409(api_relais, client_relais, import_deux, demo, document_ttc, settings):
    base = f"/api/v1/imports/{import_deux.pk}"
    reponse = api_relais.post(f"{base}/zips")
    assert probleme(reponse, 422) == "Choisissez le fichier zip à importer."
    assert reponse.json()["erreurs"] == [{"champ": "fichier", "message": "Choisissez le fichier zip à importer."}]
    assert probleme(envoyer_zip(api_relais, import_deux.pk, b""), 422) == "Le fichier choisi est vide."
    reponse = api_relais.post(f"{base}/zips", {"fichier": "pieces.zip"}, content_type="application/json")
    assert probleme(reponse, 415) == "Envoyez le fichier zip en multipart/form-data, dans le champ « fichier »."

    settings.SEGUR_QUOTA_STOCKAGE_OCTETS = 100
    detail = probleme(envoyer_zip(api_relais, import_deux.pk, zip_de((NOM_PIECE, PDF))), 409)
    assert detail.startswith("Votre espace de stockage est plein (") and detail.endswith("contactez l'ASP.")
    assert not ZipDepose.objects.exists()

    # Simulated, not imported: not at the step « pièces jointes » yet.
    simule = simuler_service("relais", fichier_deux_lignes(document_ttc), nom="simule.json")
    assert simule.etat == Import.Etat.SIMULE
    settings.SEGUR_QUOTA_STOCKAGE_OCTETS = 10**9
    assert probleme(envoyer_zip(api_relais, simule.pk, zip_de((NOM_PIECE, PDF))), 409) == PAS_ENCORE_IMPORTE
    assert probleme(api_relais.get(f"/api/v1/imports/{simule.pk}/pieces-manquantes"), 409) == PAS_ENCORE_IMPORTE
    assert probleme(api_relais.post(f"/api/v1/imports/{simule.pk}/terminer"), 409) == PAS_ENCORE_IMPORTE
    # The screen refuses it with the same words.
    reponse = deposer(client_relais, simule, zip_de((NOM_PIECE, PDF)), en_json=True)
    assert reponse.status_code == 400 and reponse.json() == {"erreur": PAS_ENCORE_IMPORTE}
    assert not ZipDepose.objects.exists()
    simule.refresh_from_db()
    assert simule.etat == Import.Etat.SIMULE


def test_import_et_zip_d_un_autre_fournisseur_introuvables(api_relais, api_unikalo, import_deux):
    depot = envoyer_zip(api_relais, import_deux.pk, zip_de((NOM_PIECE, PDF))).json()
    services.traiter_zip(depot["id"])
    base = f"/api/v1/imports/{import_deux.pk}"
    appels = [
        ("post", f"{base}/zips", {"fichier": SimpleUploadedFile("p.zip", zip_de((NOM_PIECE_2, PDF)))}),
        ("get", f"/api/v1/zips/{depot['id']}", None),
        ("get", f"{base}/pieces-manquantes", None),
        ("post", f"{base}/terminer", None),
        ("get", "/api/v1/zips/999999", None),
        ("get", "/api/v1/imports/999999/pieces-manquantes", None),
        ("post", "/api/v1/imports/999999/terminer", None),
    ]
    for methode, chemin, donnees in appels:
        assert probleme(getattr(api_unikalo, methode)(chemin, donnees), 404) == INTROUVABLE, chemin
    # Nothing happened to relais's import.
    assert ZipDepose.objects.count() == 1
    import_deux.refresh_from_db()
    assert import_deux.etat == Import.Etat.IMPORTE
    assert len(manquantes(api_relais, import_deux.pk)) == 1


@postgres_seulement("un vrai worker Celery sur PostgreSQL + Redis (CI)")
@pytest.mark.django_db(transaction=True)
def test_worker_reel_zip_suivi_par_l_api(worker_celery, demo_transactionnel, exemple_ttc, settings):
    settings.SEGUR_API_LIMITE = "100000/min"  # the polling below is not what this test limits
    api = ClientAPI(jeton_de("relais"))
    import_demandes = simuler_et_importer("relais", exemple_ttc, nom="avance-structure-ttc.json")
    reponse = envoyer_zip(api, import_demandes.pk, zip_de((NOM_PIECE, PDF), ("en-trop.pdf", PDF)))
    assert reponse.status_code == 202, reponse.content
    url = reponse.json()["url"]
    # Bounded polling: at most 600 reads, 0.1 s apart (the worker takes milliseconds).
    for _ in range(600):
        etat = api.get(url).json()
        if etat["termine"]:
            break
        time.sleep(0.1)
    assert etat["termine"], etat
    assert (etat["statut"], etat["nb_acceptees"], etat["nb_refusees"]) == ("TRAITE", 1, 1)
    assert [(e["nom"], e["acceptee"], e["motif"]) for e in etat["entrees"]] == [
        (NOM_PIECE, True, ""),
        ("en-trop.pdf", False, MOTIF_INCONNU),
    ]
    assert api.get(f"/api/v1/imports/{import_demandes.pk}/pieces-manquantes").json()["count"] == 0
    reponse = api.post(f"/api/v1/imports/{import_demandes.pk}/terminer")
    assert reponse.status_code == 200 and reponse.json()["demandes_deposees"] == 1
    assert Demande.objects.get(import_demandes=import_demandes).statut == StatutDemande.DEPOSEE
