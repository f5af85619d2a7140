"""Issue 14's « Done when »: the whole journey over HTTP only, as a vendor's software runs it with its
token, on PostgreSQL + Redis with a real Celery worker — a file with errors simulated (its errors
listed), the guide's TTC model simulated OK, its output file fetched, imported for real, the zip of
its piece posted and followed until processed, the missing pieces read, « Terminer », then the
demande found in the list and read with its history."""

import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.documents import document_de, en_octets, finess, ligne, sans_cle
from tests.factories import NOM_PIECE, PDF, zip_de
from tests.marques import postgres_seulement

from .conftest import ClientAPI, jeton_de
from .ecran_et_api import simuler_par_l_api


@postgres_seulement("un vrai worker Celery sur PostgreSQL + Redis (CI)")
@pytest.mark.django_db(transaction=True)
def test_tout_le_parcours_par_l_api(worker_celery, demo_transactionnel, document_ttc, exemple_ttc, settings):
    settings.SEGUR_API_LIMITE = "100000/min"  # the polling below is not what this test limits
    api = ClientAPI(jeton_de("relais", nom="CI du logiciel"))

    # 1. A file whose line has an invalid FINESS: ERREUR_LIGNES, the error listed with its line.
    erronee = en_octets(document_de(document_ttc, ligne(document_ttc, 1, geo=[sans_cle(finess(7))])))
    reponse = simuler_par_l_api(api, erronee, nom="erreurs.json")
    assert reponse.status_code == 201, reponse.content
    simulation = reponse.json()
    assert simulation["resultat"] == "ERREUR_LIGNES" and simulation["nbEnErreur"] == 1
    assert simulation["erreurs"] and all(e["code"].startswith("E") for e in simulation["erreurs"])
    assert api.post(f"/api/v1/imports/{simulation['id']}/import").status_code == 409

    # 2. The guide's model: OK, its output file, the real import.
    simulation = simuler_par_l_api(api, exemple_ttc, nom="avance-structure-ttc.json").json()
    assert (simulation["resultat"], simulation["nbValides"], simulation["erreurs"]) == ("OK", 1, [])
    sortie = api.get(simulation["sortie"])
    assert sortie.status_code == 200 and b"codeTraitement" in b"".join(sortie.streaming_content)
    reponse = api.post(f"/api/v1/imports/{simulation['id']}/import")
    assert reponse.status_code == 200, reponse.content
    lignes = reponse.json()["lignes"]
    assert [(l["codeTraitement"], l["numeroASP"]) for l in lignes] == [("OK", "FINMDV000001M0")]
    import_id = simulation["id"]

    # 3. Its piece is missing; the zip goes to the real worker; progress followed until done.
    manquantes = api.get(f"/api/v1/imports/{import_id}/pieces-manquantes").json()
    assert [p["nomFichier"] for p in manquantes["items"]] == [NOM_PIECE]
    assert api.post(f"/api/v1/imports/{import_id}/terminer").status_code == 409
    reponse = api.post(
        f"/api/v1/imports/{import_id}/zips",
        {"fichier": SimpleUploadedFile("pieces.zip", zip_de((NOM_PIECE, PDF)), content_type="application/zip")},
    )
    assert reponse.status_code == 202, reponse.content
    for _ in range(600):  # bounded polling: at most 600 reads, 0.1 s apart
        etat = api.get(reponse.json()["url"]).json()
        if etat["termine"]:
            break
        time.sleep(0.1)
    assert (etat["statut"], etat["nb_acceptees"], etat["nb_refusees"]) == ("TRAITE", 1, 0), etat
    assert api.get(f"/api/v1/imports/{import_id}/pieces-manquantes").json()["count"] == 0

    # 4. « Terminer », then the demande as the supplier's software follows it.
    reponse = api.post(f"/api/v1/imports/{import_id}/terminer")
    assert reponse.status_code == 200 and reponse.json()["demandes_deposees"] == 1
    assert api.get(f"/api/v1/imports/{import_id}").json()["etat"] == "TERMINE"
    demandes = api.get("/api/v1/demandes", {"statut": "DEPOSEE"}).json()
    assert [d["numeroASP"] for d in demandes["items"]] == ["FINMDV000001M0"]
    demande = api.get("/api/v1/demandes/FINMDV000001M0").json()
    assert [e["statut"] for e in demande["historique"]] == ["En attente des pièces", "Déposée"]
