"""The format of a file against the published schemas (imports/moteur/format.py, spec §3.1): keys and
their case, JSON types, at most ten problems listed; the guide's examples and the schemas published in
schemas/ accept each other."""

import copy
import json

import jsonschema
import pytest

from tests.documents import MODELES, SCHEMAS, ligne_de
from tests.moteur.outils import lancer, modifie, rejet_format, remplacer, toutes_valides

# --- Keys and JSON types (the published schema) ----------------------------------------------


def test_casse_de_cle_au_premier_niveau(exemple_ttc, relais):
    contenu = remplacer(exemple_ttc, b'"numeroAns"', b'"NumeroAns"')
    details = rejet_format(contenu, relais)
    assert "NumeroAns (ligne 3) : clé(s) non prévue(s) : « NumeroAns » (attendu : « numeroAns »)" in details
    assert "(racine) (ligne 1) : clé(s) obligatoire(s) absente(s) : numeroAns" in details


def test_casse_de_cle_dans_une_ligne(exemple_ttc, relais):
    contenu = remplacer(exemple_ttc, b'"FINESSGeo"', b'"FINESSgeo"')
    details = rejet_format(contenu, relais)
    assert (
        f"lignesImport[0].beneficiaires.structure.FINESSgeo (ligne {ligne_de(contenu, b'FINESSgeo')}) : "
        f"clé(s) non prévue(s) : « FINESSgeo » (attendu : « FINESSGeo »)"
    ) in details
    assert any(
        d.startswith("lignesImport[0].beneficiaires.structure (ligne")
        and d.endswith("clé(s) obligatoire(s) absente(s) : FINESSGeo")
        for d in details
    )


def test_casse_de_cle_d_un_liberal(document_ttc, relais):
    def action(document):
        document["lignesImport"][0]["beneficiaires"]["liberal"] = [
            {
                "nomMedecin": "MARTIN",
                "emailMedecin": "m@cabinet.fr",
                "telephoneMedecin": "0612345678",
                "rpps": "10000000009",
            }
        ]

    details = rejet_format(modifie(document_ttc, action), relais)
    assert any(
        d.startswith("lignesImport[0].beneficiaires.liberal[0].rpps (ligne ")
        and d.endswith("« rpps » (attendu : « RPPS »)")
        for d in details
    ), details


def test_cle_absente(document_ttc, relais):
    contenu = modifie(document_ttc, lambda d: d["lignesImport"][0]["commande"].pop("regimeTVA"))
    ligne = ligne_de(contenu, b'"commande"')
    details = rejet_format(contenu, relais)
    assert details == [f"lignesImport[0].commande (ligne {ligne}) : clé(s) obligatoire(s) absente(s) : regimeTVA"]


def test_codetraitement_absent(document_ttc, relais):
    contenu = modifie(document_ttc, lambda d: d["lignesImport"][0].pop("codeTraitement"))
    details = rejet_format(contenu, relais)
    assert details == ["lignesImport[0] (ligne 6) : clé(s) obligatoire(s) absente(s) : codeTraitement"]


def test_cle_en_trop(document_ttc, relais):
    contenu = modifie(document_ttc, lambda d: d["lignesImport"][0].update(commentaire="urgent"))
    details = rejet_format(contenu, relais)
    assert details == [
        f"lignesImport[0].commentaire (ligne {ligne_de(contenu, b'commentaire')}) : "
        f"clé(s) non prévue(s) : « commentaire »"
    ]


def test_cle_en_trop_au_premier_niveau_type_solde(document_ttc, relais):
    contenu = modifie(document_ttc, lambda d: d.update(version=2))
    details = rejet_format(contenu, relais, type_demande="SOLDE")
    assert any(d.startswith("version (ligne ") and d.endswith("« version »") for d in details), details


TYPES = {
    # change, path in the message, expected / received type
    "montant en chaîne": (
        lambda l: l["commande"].update(montantSegurHT="10750.00"),
        "lignesImport[0].commande.montantSegurHT",
        "nombre (reçu : chaîne de caractères)",
    ),
    "numLigne décimal": (lambda l: l.update(numLigne=1.5), "lignesImport[0].numLigne", "entier (reçu : nombre)"),
    "numLigne en chaîne": (
        lambda l: l.update(numLigne="1"),
        "lignesImport[0].numLigne",
        "entier (reçu : chaîne de caractères)",
    ),
    "typeAction null": (
        lambda l: l.update(typeAction=None),
        "lignesImport[0].typeAction",
        "chaîne de caractères (reçu : null)",
    ),
    "numeroEditeur nombre": (
        lambda l: l.update(numeroEditeur=1),
        "lignesImport[0].numeroEditeur",
        "chaîne de caractères (reçu : entier)",
    ),
    "montant null": (
        lambda l: l["commande"].update(montantSegurHT=None),
        "lignesImport[0].commande.montantSegurHT",
        "nombre (reçu : null)",
    ),
    "isMandataire en chaîne": (
        lambda l: l["beneficiaires"].update(isMandataire="false"),
        "lignesImport[0].beneficiaires.isMandataire",
        "booléen (true/false) (reçu : chaîne",
    ),
    "isDirectToDMP null": (
        lambda l: l["scenarioInstallation"].update(isDirectToDMP=None),
        "lignesImport[0].scenarioInstallation.isDirectToDMP",
        "booléen (true/false) (reçu : null)",
    ),
    "FINESSGeo null": (
        lambda l: l["beneficiaires"]["structure"]["FINESSGeo"].append(None),
        "lignesImport[0].beneficiaires.structure.FINESSGeo[2]",
        "chaîne de caractères (reçu : null)",
    ),
    "FINESSGeo chaîne": (
        lambda l: l["beneficiaires"]["structure"].update(FINESSGeo="020015772"),
        "lignesImport[0].beneficiaires.structure.FINESSGeo",
        "tableau (reçu : chaîne de caractères)",
    ),
    "commande tableau": (lambda l: l.update(commande=[]), "lignesImport[0].commande", "objet (reçu : tableau)"),
    "pièces null": (
        lambda l: l.update(piecesJustificatives=None),
        "lignesImport[0].piecesJustificatives",
        "tableau (reçu : null)",
    ),
    "codeTraitement nombre": (
        lambda l: l.update(codeTraitement=0),
        "lignesImport[0].codeTraitement",
        "chaîne de caractères ou null (reçu : entier)",
    ),
}


@pytest.mark.parametrize("cas", list(TYPES), ids=list(TYPES))
def test_mauvais_type_json(cas, document_ttc, relais):
    action, chemin, attendu = TYPES[cas]
    contenu = modifie(document_ttc, lambda d: action(d["lignesImport"][0]))
    details = rejet_format(contenu, relais)
    assert len(details) == 1 and details[0].startswith(f"{chemin} (ligne ")
    assert f": type attendu : {attendu}" in details[0]


@pytest.mark.parametrize(
    "champ, valeur, attendu",
    [
        ("numeroAns", None, "chaîne de caractères (reçu : null)"),
        ("siret", 77625125800013, "chaîne de caractères (reçu : entier)"),
        ("impId", "1", "entier ou null (reçu : chaîne de caractères)"),
        ("lignesImport", {}, "tableau (reçu : objet)"),
    ],
)
def test_mauvais_type_au_premier_niveau(champ, valeur, attendu, document_ttc, relais):
    contenu = modifie(document_ttc, lambda d: d.update({champ: valeur}))
    details = rejet_format(contenu, relais)
    assert details == [f"{champ} (ligne {ligne_de(contenu, champ.encode())}) : type attendu : {attendu}"]


def test_lignes_import_vide(document_ttc, relais):
    contenu = modifie(document_ttc, lambda d: d.update(lignesImport=[]))
    assert rejet_format(contenu, relais) == ["lignesImport (ligne 5) : au moins une demande est attendue"]


def test_les_dix_premiers_problemes_seulement(document_ttc, relais):
    def action(document):
        for _ in range(11):
            document["lignesImport"].append(copy.deepcopy(document["lignesImport"][0]))
        for ligne in document["lignesImport"]:
            ligne["commande"]["montantSegurHT"] = "10750.00"

    details = rejet_format(modifie(document_ttc, action), relais)
    assert len(details) == 11
    assert details[0].startswith("lignesImport[0].commande.montantSegurHT (ligne 14)")
    assert details[-1] == "… et 2 autre(s) problème(s)"


# --- The examples and the published schemas ---------------------------------------------------


@pytest.mark.parametrize("taux", ["20", "8.5"])
def test_exemple_ttc_valide(taux, exemple_ttc, relais):
    toutes_valides(lancer(exemple_ttc, relais, taux=taux))


def test_exemple_ht_valide(exemple_ht, relais):
    toutes_valides(lancer(exemple_ht, relais, taux="0"))


def test_exemple_reserialise_valide(document_ttc, relais):
    """The same example re-serialised by a tool (10750.0, other spacing) is still valid."""
    toutes_valides(lancer(json.dumps(document_ttc).encode(), relais))


MODELES_FICHIERS = sorted(MODELES.glob("*.json"))


@pytest.mark.parametrize("type_demande", ["avance", "solde"])
def test_schemas_publies_valides_et_acceptent_les_exemples(type_demande):
    schema = json.loads((SCHEMAS / f"{type_demande}.schema.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    validateur = jsonschema.Draft202012Validator(schema)
    assert len(MODELES_FICHIERS) == 3
    for exemple in MODELES_FICHIERS:
        erreurs = [e.message for e in validateur.iter_errors(json.loads(exemple.read_bytes()))]
        assert erreurs == [], exemple.name


@pytest.mark.parametrize("type_demande", ["avance", "solde"])
def test_schemas_publies_refusent_une_cle_en_trop(type_demande, document_ttc):
    schema = json.loads((SCHEMAS / f"{type_demande}.schema.json").read_text(encoding="utf-8"))
    document_ttc["lignesImport"][0]["commande"]["tva"] = 20
    assert not jsonschema.Draft202012Validator(schema).is_valid(document_ttc)
