"""POST /api/v1/simulations: the screen « Importer les demandes » over HTTP. The guide's two model
files, a file with errors in its lines, a file that is not JSON and a file of another SIRET give the
API the same outcome as the screen (same result, counts, message, errors, output file but its impId);
a field the screen's form refuses is a 422 in the form's words, a file too big a 413, a request that
is not multipart a 415 — and none of them records an import."""

import pytest

from imports.documentation import message_fichier_trop_gros
from imports.models import Import
from tests.documents import SIRET_UNIKALO, document_de, en_octets, finess, ligne, sans_cle
from tests.pages import MESSAGE_ERREURS, MESSAGE_FORMAT, MESSAGE_SUCCES, normaliser

from .conftest import ClientAPI
from .ecran_et_api import (
    PROBLEME,
    erreurs_de,
    sans_imp_id,
    simuler_a_l_ecran,
    simuler_par_l_api,
    sortie_a_l_ecran,
)


@pytest.mark.parametrize(
    ("modele", "taux"), [("exemple_ttc", "20"), ("exemple_ht", "0")], ids=["modele-ttc", "modele-ht"]
)
def test_modeles_du_guide_comme_a_l_ecran(api_relais, client_relais, request, modele, taux):
    contenu = request.getfixturevalue(modele)
    reponse = simuler_par_l_api(api_relais, contenu, nom=f"{modele}.json", taux=taux)
    assert reponse.status_code == 201 and reponse["Content-Type"] == "application/json; charset=utf-8"
    corps = reponse.json()
    par_api = Import.objects.get(pk=corps["id"])
    assert corps["resultat"] == "OK" and corps["message"] == MESSAGE_SUCCES
    assert (corps["nbDemandes"], corps["nbValides"], corps["nbEnErreur"]) == (1, 1, 0)
    assert corps["erreurs"] == [] and corps["format"] == [] and corps["details"] == []
    assert corps["etat"] == "SIMULE" and corps["libelleEtat"] == "Simulé" and corps["importable"] is True
    assert (corps["nbRetenues"], corps["nbRejetees"], corps["dateImport"], corps["lignes"]) == (None, None, None, [])
    assert (corps["typeDemande"], corps["numeroANS"], corps["tauxTVA"]) == ("avance", "mlp525off1", taux)
    assert corps["nomFichier"] == f"{modele}.json" and corps["sortie"] == f"/api/v1/imports/{par_api.pk}/sortie"
    assert par_api.utilisateur.username == "relais" and par_api.simulation_reussie

    a_l_ecran, page = simuler_a_l_ecran(client_relais, contenu, nom=f"{modele}.json", taux=taux)
    assert a_l_ecran.resultat == par_api.resultat and a_l_ecran.etat == par_api.etat
    assert (a_l_ecran.nb_lignes, a_l_ecran.nb_valides, a_l_ecran.nb_invalides) == (1, 1, 0)
    assert corps["message"] in page
    # The output file: the API's download is the screen's, and both simulations wrote the same one.
    sortie = api_relais.get(corps["sortie"])
    assert sortie.status_code == 200 and sortie["Content-Disposition"] == (
        f'attachment; filename="{modele}_sortie.json"'
    )
    octets = b"".join(sortie.streaming_content)
    assert octets == sortie_a_l_ecran(client_relais, par_api)
    assert sans_imp_id(octets) == sans_imp_id(sortie_a_l_ecran(client_relais, a_l_ecran))
    assert f'"impId": {par_api.pk}'.encode() in octets


def test_lignes_en_erreur_comme_a_l_ecran(api_relais, client_relais, document_ttc):
    """Three lines: one valid, one with a wrong FINESS key, one with two errors."""
    deux_erreurs = ligne(document_ttc, 3, geo=["020015112"])
    deux_erreurs["commande"]["dateCommande"] = "31/02/2024"
    contenu = en_octets(
        document_de(
            document_ttc,
            ligne(document_ttc, 1),
            ligne(document_ttc, 2, geo=[sans_cle(finess(2))]),
            deux_erreurs,
        )
    )
    corps = simuler_par_l_api(api_relais, contenu).json()
    assert corps["resultat"] == "ERREUR_LIGNES" and corps["message"] == MESSAGE_ERREURS
    assert (corps["nbDemandes"], corps["nbValides"], corps["nbEnErreur"]) == (3, 1, 2)
    assert corps["importable"] is False and corps["format"] == []
    assert [(e["numLigne"], e["numeroEditeur"], e["code"], e["champ"]) for e in corps["erreurs"]] == [
        ("2", "00002", "E302", "beneficiaires.structure.FINESSGeo[0]"),
        ("3", "00003", "E201", "commande.dateCommande"),
        ("3", "00003", "E302", "beneficiaires.structure.FINESSGeo[0]"),
    ]

    a_l_ecran, page = simuler_a_l_ecran(client_relais, contenu)
    assert a_l_ecran.resultat == Import.Resultat.ERREURS
    assert (a_l_ecran.nb_lignes, a_l_ecran.nb_valides, a_l_ecran.nb_invalides) == (3, 1, 2)
    # The screen's table of errors, row for row.
    assert corps["erreurs"] == erreurs_de(a_l_ecran)
    assert normaliser(corps["message"]) in page
    for erreur in corps["erreurs"]:
        assert normaliser(erreur["message"]) in page
    par_api = Import.objects.get(pk=corps["id"])
    assert sans_imp_id(b"".join(api_relais.get(corps["sortie"]).streaming_content)) == sans_imp_id(
        sortie_a_l_ecran(client_relais, a_l_ecran)
    )
    # GET /imports/{id} says the same as the simulation's answer.
    assert api_relais.get(f"/api/v1/imports/{par_api.pk}").json() == corps


def test_pas_du_json_est_un_resultat_de_simulation(api_relais, client_relais):
    contenu = b'{"numeroAns": "mlp525off1", "lignesImport": [\n  {"numLigne": 1,,}\n'
    reponse = simuler_par_l_api(api_relais, contenu)
    assert reponse.status_code == 201
    corps = reponse.json()
    assert corps["resultat"] == "ERREUR_FORMAT" and corps["message"] == MESSAGE_FORMAT
    assert corps["format"] == corps["details"] and corps["format"][0].startswith("ligne 2, colonne ")
    assert corps["sortie"] is None and corps["erreurs"] == [] and corps["nbDemandes"] == 0
    assert api_relais.get(f"/api/v1/imports/{corps['id']}/sortie").status_code == 404

    a_l_ecran, page = simuler_a_l_ecran(client_relais, contenu)
    assert a_l_ecran.resultat == Import.Resultat.FICHIER_REJETE and a_l_ecran.rejet_de_format
    assert a_l_ecran.details == corps["format"]
    assert corps["message"] in page and normaliser(corps["format"][0]) in page


def test_fichier_d_un_autre_siret_est_rejete_pour_son_contenu(api_relais, client_relais, document_ttc):
    contenu = en_octets(document_de(document_ttc, ligne(document_ttc, 1), siret=SIRET_UNIKALO))
    corps = simuler_par_l_api(api_relais, contenu).json()
    assert corps["resultat"] == "ERREUR_FICHIER" and corps["format"] == []
    assert corps["message"] == (
        f"Le SIRET du fichier (siret : « {SIRET_UNIKALO} ») ne correspond pas au SIRET de votre structure "
        "(77625125800013)."
    )
    a_l_ecran, page = simuler_a_l_ecran(client_relais, contenu)
    assert a_l_ecran.resultat == Import.Resultat.FICHIER_REJETE and not a_l_ecran.rejet_de_format
    assert corps["message"] in page


def test_champ_refuse_422_avec_les_mots_du_formulaire(api_relais, client_relais, exemple_ttc):
    # cpiPFI0001 is unikalo's solution: not among relais's choices.
    reponse = simuler_par_l_api(api_relais, exemple_ttc, ans="cpiPFI0001", taux="")
    assert reponse.status_code == 422 and reponse["Content-Type"] == PROBLEME
    corps = reponse.json()
    assert corps["detail"] == "La simulation n'a pas été lancée." and corps["title"] == "Donnée invalide"
    erreurs = {e["champ"]: e["message"] for e in corps["erreurs"]}
    assert erreurs == {
        "numero_ans": "Sélectionnez un choix valide. cpiPFI0001 n’en fait pas partie.",
        "taux_tva": "Sélectionnez le taux de TVA applicable à la solution logicielle.",
    }
    sans_fichier = api_relais.post(
        "/api/v1/simulations", {"type_demande": "solde", "numero_ans": "mlp525off1", "taux_tva": "20"}
    )
    assert sans_fichier.status_code == 422
    assert sans_fichier.json()["erreurs"] == [{"champ": "fichier", "message": "Choisissez le fichier JSON à simuler."}]
    inconnu = simuler_par_l_api(api_relais, exemple_ttc, type_demande="acompte").json()["erreurs"]
    assert inconnu == [
        {"champ": "type_demande", "message": "Sélectionnez un choix valide. ACOMPTE n’en fait pas partie."}
    ]
    assert not Import.objects.exists()
    # The screen says the same to a person.
    ecran = client_relais.post(
        "/imports/simulation/", {"type_demande": "AVANCE", "numero_ans": "cpiPFI0001", "taux_tva": ""}
    )
    assert ecran.status_code == 400
    for message in erreurs.values():
        assert message in ecran.content.decode().replace("&#x27;", "'")


def test_fichier_trop_volumineux_413(api_relais, settings, exemple_ttc):
    settings.SEGUR_MAX_JSON_BYTES = 1000
    assert len(exemple_ttc) > 1000
    reponse = simuler_par_l_api(api_relais, exemple_ttc)
    assert reponse.status_code == 413 and reponse["Content-Type"] == PROBLEME
    assert reponse.json()["detail"] == message_fichier_trop_gros()
    assert reponse.json()["detail"].startswith("Le fichier dépasse la taille maximale autorisée")
    assert not Import.objects.exists()
    settings.SEGUR_MAX_JSON_BYTES = len(exemple_ttc)  # at the limit: simulated
    assert simuler_par_l_api(api_relais, exemple_ttc).json()["resultat"] == "OK"


def test_requete_qui_n_est_pas_multipart_415(api_relais, exemple_ttc):
    reponse = api_relais.post(
        "/api/v1/simulations",
        {"fichier": exemple_ttc.decode(), "type_demande": "avance", "numero_ans": "mlp525off1", "taux_tva": "20"},
        content_type="application/json",
    )
    assert reponse.status_code == 415 and reponse["Content-Type"] == PROBLEME
    assert "multipart/form-data" in reponse.json()["detail"]
    assert not Import.objects.exists()


def test_sans_jeton_401_rien_d_enregistre(demo, exemple_ttc):
    reponse = simuler_par_l_api(ClientAPI(None), exemple_ttc)
    assert reponse.status_code == 401 and reponse["Content-Type"] == PROBLEME
    assert not Import.objects.exists()


def test_un_import_d_un_autre_fournisseur_est_introuvable(api_relais, api_unikalo, exemple_ttc):
    corps = simuler_par_l_api(api_relais, exemple_ttc).json()
    for chemin in (f"/api/v1/imports/{corps['id']}", corps["sortie"], f"/api/v1/imports/{corps['id'] + 999}"):
        reponse = api_unikalo.get(chemin)
        assert reponse.status_code == 404 and reponse["Content-Type"] == PROBLEME
        assert reponse.json()["detail"] == "Aucune ressource ne porte cet identifiant pour votre compte."
    assert api_relais.get(f"/api/v1/imports/{corps['id']}").json() == corps
