"""The documentation page of the import (imports/documentation.py, spec §3): the rule catalogue, the
published schemas and the guide's models to download, each model accepted by the simulator."""

import json

import pytest

from imports import documentation
from imports.moteur.regles import catalogue
from tests.documents import SCHEMAS
from tests.pages import MESSAGE_FORMAT, MESSAGE_SUCCES, contenu_telecharge, desactive, normaliser, page, texte
from tests.parcours import import_de, simuler

# --- documentation ------------------------------------------------------------------------


def test_page_de_documentation(client_relais):
    reponse = client_relais.get("/imports/documentation/")
    assert reponse.status_code == 200
    contenu = texte(reponse)
    doc = page(reponse)
    regles = catalogue()
    assert len(regles) >= 20
    lignes_regles = doc.table(["Code", "Champ", "Règle"])
    assert [l[0] for l in lignes_regles] == [r.code for r in regles]
    for regle, ligne in zip(regles, lignes_regles, strict=False):
        assert ligne[2] == normaliser(regle.description), regle.code
    for code in ("E101", "E206", "E302", "E406", "E502"):
        assert code in [r.code for r in regles]

    lignes_champs = doc.table(["Champ", "Type", "Description"])
    assert [l[0] for l in lignes_champs] == [normaliser(c[0]) for c in documentation.CHAMPS]
    for champ in ("impId", "numeroAns", "siret", "lignesImport[].commande.regimeTVA", "lignesImport[].codeTraitement"):
        assert champ in contenu

    nomenclature = doc.table(["typeFichier", "CODE dans le nom", "Pièce"])
    assert {l[0]: l[1] for l in nomenclature} == {
        "BON_COMMANDE": "BDC",
        "PRELVE_HT": "HT",
        "MANDAT": "MAN",
        "FACTURE": "FAC",
        "PV_VSR": "VSR",
        "AUTRE": "AUT",
    }
    assert "MDV-LGC-Va1-BDC-00001.pdf" in contenu
    assert MESSAGE_FORMAT in contenu
    liens = {a.attrs["href"] for a in doc.liens}
    for lien in (
        "/imports/documentation/schemas/avance.schema.json",
        "/imports/documentation/schemas/solde.schema.json",
        "/imports/documentation/modeles/avance-structure-ttc.json",
        "/imports/documentation/modeles/avance-structure-ht.json",
        "/imports/documentation/modeles/solde-structure-ttc.json",
    ):
        assert lien in liens


@pytest.mark.parametrize("type_demande", ["avance", "solde"])
def test_schemas_telechargeables(client_relais, type_demande):
    reponse = client_relais.get(f"/imports/documentation/schemas/{type_demande}.schema.json")
    assert reponse.status_code == 200
    assert reponse["Content-Disposition"].startswith("attachment")
    octets = contenu_telecharge(reponse)
    assert octets == (SCHEMAS / f"{type_demande}.schema.json").read_bytes()
    assert json.loads(octets)["$schema"].endswith("2020-12/schema")


@pytest.mark.parametrize(
    "nom_fichier, type_formulaire, taux",
    [
        ("avance-structure-ttc.json", "AVANCE", "20"),
        ("avance-structure-ttc.json", "AVANCE", "8.5"),
        ("avance-structure-ht.json", "AVANCE", "0"),
        ("solde-structure-ttc.json", "SOLDE", "20"),
    ],
)
def test_modeles_valides_par_le_simulateur(client_relais, nom_fichier, type_formulaire, taux):
    """Each model linked from the documentation page is the file shipped in schemas/modeles/ and
    simulates without error with the taux its description gives."""
    documentation_page = page(client_relais.get("/imports/documentation/"))
    reponse = client_relais.get(documentation_page.lien(nom_fichier).attrs["href"])
    assert reponse.status_code == 200
    assert reponse["Content-Disposition"] == f'attachment; filename="{nom_fichier}"'
    modele = contenu_telecharge(reponse)
    assert modele == (SCHEMAS / "modeles" / nom_fichier).read_bytes()
    nb_lignes = len(json.loads(modele)["lignesImport"])

    simulation = simuler(client_relais, modele, nom=nom_fichier, type_demande=type_formulaire, taux=taux)
    import_demandes = import_de(simulation)
    assert import_demandes.simulation_reussie, list(import_demandes.erreurs.values_list("code", "champ", "message"))
    assert import_demandes.nb_lignes == import_demandes.nb_valides == nb_lignes and import_demandes.nb_invalides == 0
    ecran = client_relais.get(simulation["Location"])
    assert MESSAGE_SUCCES in texte(ecran)
    assert not desactive(page(ecran).bouton("Importer"))


@pytest.mark.parametrize(
    "chemin",
    [
        "/imports/documentation/schemas/autre.schema.json",
        "/imports/documentation/modeles/autre.json",
        "/imports/documentation/schemas/AVANCE.schema.json",
        "/imports/documentation/modeles/..%2Fsettings.json",
    ],
)
def test_type_de_documentation_inconnu(client_relais, chemin):
    assert client_relais.get(chemin).status_code == 404
