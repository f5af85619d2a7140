"""POST /api/v1/imports/{id}/import and GET /api/v1/imports/{id}: the real import of « Importer »
over HTTP. The guide's two model files imported through the API and through the screen give the same
state, counts, dossier numbers and output file (but its impId); each line answers its numeroASP, or
its errors when the import rejects it; a second import, or one after a failed simulation, is a 409
with the screen's words and creates nothing; another supplier's import is a 404."""

import pytest
from django.db import transaction

from demandes.models import Demande
from imports.models import Import
from segur_portal.api.imports import ImportReel
from tests.documents import document_de, en_octets, finess, ligne
from tests.pages import MESSAGE_IMPORT_REFUSE, texte
from tests.parcours import import_de, simuler

from .ecran_et_api import PROBLEME, sans_imp_id, simuler_par_l_api, sortie_a_l_ecran


def _importer_a_l_ecran(client, contenu, *, nom, taux):
    """Simulate and import through the screens; what the supplier then sees and downloads."""
    import_demandes = import_de(simuler(client, contenu, nom=nom, taux=taux))
    reponse = client.post(f"/imports/{import_demandes.pk}/importer/", follow=True)
    import_demandes.refresh_from_db()
    numeros = sorted(
        (d.numero_editeur, d.numero_dossier) for d in Demande.objects.filter(import_demandes=import_demandes)
    )
    return import_demandes, texte(reponse), numeros, sortie_a_l_ecran(client, import_demandes)


@pytest.mark.parametrize(
    ("modele", "taux"), [("exemple_ttc", "20"), ("exemple_ht", "0")], ids=["modele-ttc", "modele-ht"]
)
def test_import_des_modeles_comme_a_l_ecran(api_relais, client_relais, request, modele, taux):
    contenu = request.getfixturevalue(modele)
    # The screen's import first, rolled back: the API then imports the same file from the same state.
    with transaction.atomic():
        a_l_ecran, page, numeros_ecran, sortie_ecran = _importer_a_l_ecran(
            client_relais, contenu, nom=f"{modele}.json", taux=taux
        )
        transaction.set_rollback(True)
    assert not Demande.objects.exists()

    simulation = simuler_par_l_api(api_relais, contenu, nom=f"{modele}.json", taux=taux).json()
    reponse = api_relais.post(f"/api/v1/imports/{simulation['id']}/import")
    assert reponse.status_code == 200
    corps = reponse.json()
    # Written without ninja's schema round trip: its shape is the declared schema all the same,
    # and exactly what the import's GET (through the schema) answers.
    assert ImportReel.model_validate(corps).model_dump(mode="json").keys() == corps.keys()
    assert {cle: valeur for cle, valeur in corps.items() if cle != "messageImport"} == api_relais.get(
        f"/api/v1/imports/{simulation['id']}"
    ).json()
    assert corps["etat"] == a_l_ecran.etat == "IMPORTE"
    assert corps["libelleEtat"] == "Importé — pièces jointes à déposer"
    assert (corps["nbRetenues"], corps["nbRejetees"]) == (a_l_ecran.nb_retenues, a_l_ecran.nb_rejetees) == (1, 0)
    assert corps["importable"] is False and corps["dateImport"] is not None and corps["erreurs"] == []
    assert corps["messageImport"] == (
        "L'import s'est déroulé correctement : 1 demande(s) retenue(s), 0 demande(s) rejetée(s). "
        "Déposez maintenant les pièces jointes."
    )
    assert corps["messageImport"] in page  # the screen's message after « Importer »
    (seule,) = corps["lignes"]
    assert seule == {
        "rang": 1,
        "numLigne": 1,
        "numeroEditeur": numeros_ecran[0][0],
        "codeTraitement": "OK",
        "libelleTraitement": "Demande créée : FINMDV000001M0",
        "numeroASP": "FINMDV000001M0",
        "erreurs": [],
    }
    assert [(seule["numeroEditeur"], seule["numeroASP"])] == numeros_ecran
    assert sorted((d.numero_editeur, d.numero_dossier) for d in Demande.objects.all()) == numeros_ecran

    sortie = b"".join(api_relais.get(corps["sortie"]).streaming_content)
    assert sortie == sortie_a_l_ecran(client_relais, Import.objects.get(pk=corps["id"]))
    assert sans_imp_id(sortie) == sans_imp_id(sortie_ecran)
    assert b'"numeroASP": "FINMDV000001M0"' in sortie

    etat = api_relais.get(f"/api/v1/imports/{corps['id']}").json()
    assert etat == {cle: valeur for cle, valeur in corps.items() if cle != "messageImport"}


def test_ligne_rejetee_a_l_import_avec_ses_erreurs(api_relais, document_ttc):
    """Two files simulated before either is imported fund the same beneficiary: the second import
    retains its other line and rejects this one, with its errors."""
    commun = finess(500)
    premier = en_octets(document_de(document_ttc, ligne(document_ttc, 1, editeur="A1", geo=[commun])))
    second = en_octets(
        document_de(
            document_ttc,
            ligne(document_ttc, 1, editeur="B1", geo=[finess(2)]),
            ligne(document_ttc, 2, editeur="B2", geo=[commun]),
        )
    )
    id_premier = simuler_par_l_api(api_relais, premier).json()["id"]
    id_second = simuler_par_l_api(api_relais, second).json()["id"]
    assert api_relais.post(f"/api/v1/imports/{id_premier}/import").status_code == 200

    corps = api_relais.post(f"/api/v1/imports/{id_second}/import").json()
    assert (corps["nbDemandes"], corps["nbRetenues"], corps["nbRejetees"]) == (2, 1, 1)
    retenue, rejetee = corps["lignes"]
    assert (retenue["numeroEditeur"], retenue["numeroASP"], retenue["erreurs"]) == ("B1", "FINMDV000002M0", [])
    assert rejetee["numeroEditeur"] == "B2" and rejetee["numeroASP"] is None
    assert rejetee["erreurs"] and rejetee["codeTraitement"] == rejetee["erreurs"][0]["code"]
    # The flat list of anomalies holds the same errors, with the line's numLigne and numeroEditeur.
    assert [(e["numeroEditeur"], e["code"], e["message"]) for e in corps["erreurs"]] == [
        ("B2", e["code"], e["message"]) for e in rejetee["erreurs"]
    ]
    assert sorted(Demande.objects.values_list("numero_editeur", flat=True)) == ["A1", "B1"]


def test_importer_deux_fois_409(api_relais, client_relais, exemple_ttc):
    simulation = simuler_par_l_api(api_relais, exemple_ttc).json()
    assert api_relais.post(f"/api/v1/imports/{simulation['id']}/import").status_code == 200
    reponse = api_relais.post(f"/api/v1/imports/{simulation['id']}/import")
    assert reponse.status_code == 409 and reponse["Content-Type"] == PROBLEME
    assert reponse.json()["detail"] == "« Importer » n'est plus disponible : ce fichier a déjà été importé."
    assert reponse.json()["title"] == "Conflit avec l'état de la ressource"
    assert Demande.objects.count() == 1
    # The screen gives the same reason beside its disabled button.
    assert reponse.json()["detail"] in texte(client_relais.get(f"/imports/{simulation['id']}/"))


@pytest.mark.parametrize("contenu", [b"pas du json", None], ids=["fichier-rejete", "lignes-en-erreur"])
def test_importer_apres_une_simulation_en_echec_409(api_relais, client_relais, document_ttc, contenu):
    if contenu is None:
        contenu = en_octets(document_de(document_ttc, ligne(document_ttc, 1, geo=["020015112"])))
    simulation = simuler_par_l_api(api_relais, contenu).json()
    assert simulation["resultat"] != "OK"
    reponse = api_relais.post(f"/api/v1/imports/{simulation['id']}/import")
    assert reponse.status_code == 409 and reponse.json()["detail"] == MESSAGE_IMPORT_REFUSE
    assert Import.objects.get(pk=simulation["id"]).etat == Import.Etat.SIMULE and not Demande.objects.exists()
    # The screen refuses with the same message.
    ecran = client_relais.post(f"/imports/{simulation['id']}/importer/", follow=True)
    assert MESSAGE_IMPORT_REFUSE in texte(ecran)


def test_l_import_d_un_autre_fournisseur_est_introuvable_sur_chaque_route(api_relais, api_unikalo, exemple_ttc):
    simulation = simuler_par_l_api(api_relais, exemple_ttc).json()
    pk = simulation["id"]
    for reponse in (
        api_unikalo.get(f"/api/v1/imports/{pk}"),
        api_unikalo.get(f"/api/v1/imports/{pk}/sortie"),
        api_unikalo.post(f"/api/v1/imports/{pk}/import"),
    ):
        assert reponse.status_code == 404 and reponse["Content-Type"] == PROBLEME
        assert reponse.json()["detail"] == "Aucune ressource ne porte cet identifiant pour votre compte."
    assert not Demande.objects.exists() and Import.objects.get(pk=pk).etat == Import.Etat.SIMULE
    # Still importable by its owner.
    assert api_relais.post(f"/api/v1/imports/{pk}/import").json()["nbRetenues"] == 1


def test_modification_et_annulation_donnent_leur_numero(api_relais, document_ttc):
    """M gives its dossier its next version, A answers the dossier it cancels, C a new number."""
    premier = en_octets(
        document_de(document_ttc, ligne(document_ttc, 1, geo=[finess(1)]), ligne(document_ttc, 2, geo=[finess(2)]))
    )
    id_premier = simuler_par_l_api(api_relais, premier).json()["id"]
    assert [
        ligne["numeroASP"] for ligne in api_relais.post(f"/api/v1/imports/{id_premier}/import").json()["lignes"]
    ] == [
        "FINMDV000001M0",
        "FINMDV000002M0",
    ]
    second = en_octets(
        document_de(
            document_ttc,
            ligne(document_ttc, 1, action="M", numero_asp="FINMDV000001M0", geo=[finess(3)]),
            ligne(document_ttc, 2, action="A", numero_asp="FINMDV000002M0", geo=[finess(2)]),
            ligne(document_ttc, 3, geo=[finess(4)]),
        )
    )
    simulation = simuler_par_l_api(api_relais, second).json()
    assert simulation["resultat"] == "OK", simulation["erreurs"]
    corps = api_relais.post(f"/api/v1/imports/{simulation['id']}/import").json()
    assert [(ligne["numeroASP"], ligne["libelleTraitement"]) for ligne in corps["lignes"]] == [
        ("FINMDV000001M1", "Demande modifiée : FINMDV000001M1"),
        ("FINMDV000002M0", "Demande annulée : FINMDV000002M0"),
        ("FINMDV000003M0", "Demande créée : FINMDV000003M0"),
    ]
    assert (corps["nbRetenues"], corps["nbRejetees"]) == (3, 0)
