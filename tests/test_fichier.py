"""File checks (spec §2, §3.1): the whole file is refused with a message and the precise places;
the guide's examples and the published schemas are accepted."""

import codecs
import copy
import datetime
import json
from pathlib import Path

import jsonschema
import pytest
from django.utils import timezone

from demandes.models import Solution
from imports.moteur.anomalies import FichierRejete
from imports.moteur.simulation import simuler
from tests.conftest import MODELES, vers_octets

ANS = "mlp525off1"
FORMAT = "Le JSON chargé ne respecte pas le format attendu"
REGIME = "Le régime de TVA renseigné dans le JSON est différent de celui renseigné dans ce formulaire"
SCHEMAS = Path(__file__).resolve().parents[1] / "schemas"


def lancer(contenu: bytes, fournisseur, *, type_demande="AVANCE", taux="20", numero_ans=ANS):
    return simuler(contenu, fournisseur=fournisseur, numero_ans=numero_ans, type_demande=type_demande, taux_tva=taux)


def rejet(contenu: bytes, fournisseur, **options) -> FichierRejete:
    with pytest.raises(FichierRejete) as erreur:
        lancer(contenu, fournisseur, **options)
    return erreur.value


def rejet_format(contenu: bytes, fournisseur, **options) -> list[str]:
    erreur = rejet(contenu, fournisseur, **options)
    assert erreur.message == FORMAT
    assert erreur.details, "the supplier must be told where the problem is"
    return erreur.details


def ligne_de(contenu: bytes, fragment: bytes, occurrence: int = 1) -> int:
    """Line number (1-based) of the n-th occurrence of `fragment` in the file."""
    position = -1
    for _ in range(occurrence):
        position = contenu.index(fragment, position + 1)
    return contenu.count(b"\n", 0, position) + 1


def remplacer(contenu: bytes, avant: bytes, apres: bytes) -> bytes:
    assert contenu.count(avant) == 1, avant
    return contenu.replace(avant, apres)


def modifie(document: dict, action) -> bytes:
    document = copy.deepcopy(document)
    action(document)
    return vers_octets(document)


def toutes_valides(simulation):
    assert simulation.reussie, [ligne.libelle_traitement() for ligne in simulation.lignes]
    assert simulation.nb_lignes == simulation.nb_valides >= 1


# --- Encoding -----------------------------------------------------------------------------


def test_latin1_refuse_avec_la_ligne(exemple_ttc, relais):
    contenu = exemple_ttc.decode("utf-8").replace("DURAND", "DURAND ÉLOÏSE").encode("latin-1")
    details = rejet_format(contenu, relais)
    assert details[0].startswith(f"ligne {ligne_de(contenu, b'DURAND')} : le fichier n'est pas encodé en UTF-8")
    assert "0xC9" in details[0]


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-be", "utf-32"])
def test_utf16_ou_32_avec_bom_refuse(codec, exemple_ttc, relais):
    contenu = exemple_ttc.decode("utf-8").encode(codec)
    if codec == "utf-16-be":
        contenu = codecs.BOM_UTF16_BE + contenu
    details = rejet_format(contenu, relais)
    assert details == [f"le fichier est encodé en {codec[:6].upper()} : seul l'UTF-8 est accepté"]


def test_bom_utf8_accepte(exemple_ttc, relais):
    simulation = lancer(codecs.BOM_UTF8 + exemple_ttc, relais)
    toutes_valides(simulation)
    assert simulation.document.bom


def test_crlf_accepte(exemple_ttc, relais):
    toutes_valides(lancer(exemple_ttc.replace(b"\n", b"\r\n"), relais))


# --- Not JSON, not strict JSON ---------------------------------------------------------------


def test_pas_du_json(relais):
    details = rejet_format(b"numeroAns;siret\nmlp525off1;77625125800013\n", relais)
    assert details == ["ligne 1, colonne 1 : valeur attendue"]


def test_fichier_tronque(exemple_ttc, relais):
    coupe = exemple_ttc[: exemple_ttc.index(b'"typeFichier"')]
    derniere = coupe.count(b"\n") + 1
    details = rejet_format(coupe, relais)
    assert len(details) == 1 and details[0].startswith(f"ligne {derniere}, colonne")
    assert "(le fichier semble tronqué)" in details[0]


def test_fichier_tronque_au_milieu_d_une_chaine(exemple_ttc, relais):
    coupe = exemple_ttc[: exemple_ttc.index(b"durand@mail") + 6]
    details = rejet_format(coupe, relais)
    assert details[0].startswith(f"ligne {ligne_de(coupe, b'durand')}, colonne")
    assert "chaîne de caractères non terminée" in details[0]


def test_contenu_apres_la_fin(exemple_ttc, relais):
    contenu = exemple_ttc.rstrip() + b"\n}\n"
    ligne_en_trop = contenu.rstrip().count(b"\n") + 1
    details = rejet_format(contenu, relais)
    assert details == [f"ligne {ligne_en_trop}, colonne 1 : contenu en trop après la fin du JSON"]


def test_virgule_en_trop(exemple_ttc, relais):
    contenu = remplacer(exemple_ttc, b'"libelleTraitement": null', b'"libelleTraitement": null,')
    details = rejet_format(contenu, relais)
    assert details[0].startswith(f"ligne {ligne_de(contenu, b'libelleTraitement') + 1}, colonne")
    assert "nom de clé entre guillemets attendu" in details[0]


def test_cle_en_double_au_premier_niveau(exemple_ttc, relais):
    contenu = remplacer(
        exemple_ttc, b'  "siret": "77625125800013",\n', b'  "siret": "77625125800013",\n  "siret": "87950324100017",\n'
    )
    details = rejet_format(contenu, relais)
    assert details == [f"siret (ligne {ligne_de(contenu, b'siret', 2)}) : clé « siret » en double"]


def test_cle_en_double_dans_une_ligne(exemple_ttc, relais):
    contenu = remplacer(exemple_ttc, b'"regimeTVA": "TTC",', b'"regimeTVA": "TTC", "regimeTVA": "HT",')
    details = rejet_format(contenu, relais)
    assert details == [
        f"lignesImport[0].commande.regimeTVA (ligne {ligne_de(contenu, b'regimeTVA')}) : clé « regimeTVA » en double"
    ]


def test_cle_en_double_dans_la_deuxieme_ligne(document_ttc, relais):
    contenu = modifie(document_ttc, _deux_lignes)
    cle = b'"isCentreDeSante": true,\n'
    seconde = contenu.index(cle, contenu.index(cle) + 1)
    contenu = contenu[:seconde] + cle + b'        "isCentreDeSante": false,\n' + contenu[seconde + len(cle) :]
    details = rejet_format(contenu, relais)
    assert details == [
        f"lignesImport[1].scenarioInstallation.isCentreDeSante "
        f"(ligne {ligne_de(contenu, b'isCentreDeSante', 3)}) : clé « isCentreDeSante » en double"
    ]


@pytest.mark.parametrize("constante", ["NaN", "Infinity", "-Infinity"])
def test_nan_et_infini_refuses(constante, exemple_ttc, relais):
    contenu = remplacer(exemple_ttc, b"10750.00", constante.encode())
    details = rejet_format(contenu, relais)
    assert details == [
        f"lignesImport[0].commande.montantSegurHT (ligne {ligne_de(contenu, b'montantSegurHT')}) : "
        f"valeur {constante} interdite, un nombre fini est attendu"
    ]


@pytest.mark.parametrize("contenu", [b"[]", b'[{"numeroAns": "mlp525off1"}]', b'"mlp525off1"', b"42", b"null"])
def test_premier_niveau_pas_un_objet(contenu, relais):
    assert rejet_format(contenu, relais) == ["le fichier doit contenir un objet JSON ({ … }) au premier niveau"]


def test_tableau_autour_de_l_exemple(exemple_ttc, relais):
    details = rejet_format(b"[" + exemple_ttc + b"]", relais)
    assert "objet JSON" in details[0]


@pytest.mark.parametrize("contenu", [b"", b"   \n\t\r\n"])
def test_fichier_vide(contenu, relais):
    assert rejet_format(contenu, relais) == ["le fichier est vide"]


# --- Size limits -----------------------------------------------------------------------------


def _taille(octets: int) -> str:
    return f"{octets:,}".replace(",", " ")


def test_fichier_trop_gros(exemple_ttc, relais, settings):
    settings.SEGUR_MAX_JSON_BYTES = len(exemple_ttc) - 1
    details = rejet_format(exemple_ttc, relais)
    assert len(details) == 1
    assert details[0].startswith(f"le fichier fait {_taille(len(exemple_ttc))} octets")
    assert details[0].endswith(f"au-delà du maximum autorisé de {_taille(len(exemple_ttc) - 1)} octets")


def test_fichier_trop_gros_message_lisible(exemple_ttc, relais, settings):
    settings.SEGUR_MAX_JSON_BYTES = len(exemple_ttc) - 1
    assert rejet_format(exemple_ttc, relais) == [
        f"le fichier fait {_taille(len(exemple_ttc))} octets, au-delà du maximum autorisé de "
        f"{_taille(len(exemple_ttc) - 1)} octets"
    ]


def test_fichier_a_la_taille_maximale(exemple_ttc, relais, settings):
    settings.SEGUR_MAX_JSON_BYTES = len(exemple_ttc)
    toutes_valides(lancer(exemple_ttc, relais))


def test_taille_par_defaut_20_mo(settings):
    assert settings.SEGUR_MAX_JSON_BYTES == 20 * 1024 * 1024
    assert settings.SEGUR_MAX_LIGNES == 10_000


def _deux_lignes(document):
    seconde = copy.deepcopy(document["lignesImport"][0])
    seconde.update(numLigne=2, numeroEditeur="00002")
    seconde["beneficiaires"]["structure"]["FINESSGeo"] = ["020015764"]
    seconde["piecesJustificatives"][0]["nomFichier"] = "MDV-LGC-Va1-BDC-00002.pdf"
    document["lignesImport"].append(seconde)


def test_trop_de_lignes(document_ttc, relais, settings):
    settings.SEGUR_MAX_LIGNES = 1
    details = rejet_format(modifie(document_ttc, _deux_lignes), relais)
    assert details == ["lignesImport contient 2 demandes, au-delà du maximum autorisé de 1"]


def test_nombre_maximal_de_lignes(document_ttc, relais, settings):
    settings.SEGUR_MAX_LIGNES = 2
    simulation = lancer(modifie(document_ttc, _deux_lignes), relais)
    toutes_valides(simulation)
    assert simulation.nb_lignes == 2


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


# --- numeroAns, siret ------------------------------------------------------------------------


def test_numero_ans_d_un_autre_fournisseur(document_ttc, relais):
    contenu = modifie(document_ttc, lambda d: d.update(numeroAns="cpiPFI0001"))
    erreur = rejet(contenu, relais)
    assert erreur.message == (
        "Le numéro ANS du fichier (numeroAns : « cpiPFI0001 ») n'est pas une solution de votre "
        "structure ou diffère de celui choisi dans le formulaire (mlp525off1)."
    )


def test_numero_ans_inconnu(document_ttc, relais):
    erreur = rejet(modifie(document_ttc, lambda d: d.update(numeroAns="zzz000")), relais)
    assert "numeroAns : « zzz000 »" in erreur.message


def test_numero_ans_different_du_formulaire(document_ttc, relais, demo):
    autre = Solution.objects.get(numero_ans=ANS)
    autre.pk, autre.numero_ans = None, "mlp525off2"
    autre.save()
    erreur = rejet(modifie(document_ttc, lambda d: d.update(numeroAns="mlp525off2")), relais)
    assert erreur.message == (
        "Le numéro ANS du fichier (numeroAns : « mlp525off2 ») est différent de celui choisi "
        "dans le formulaire (mlp525off1)."
    )


def test_numero_ans_du_formulaire_d_un_autre_fournisseur(document_ttc, relais):
    contenu = modifie(document_ttc, lambda d: d.update(numeroAns="cpiPFI0001"))
    erreur = rejet(contenu, relais, numero_ans="cpiPFI0001")
    assert erreur.message == "Le numéro ANS « cpiPFI0001 » ne correspond à aucune solution de votre structure."


def test_siret_different(document_ttc, relais):
    erreur = rejet(modifie(document_ttc, lambda d: d.update(siret="87950324100017")), relais)
    assert erreur.message == (
        "Le SIRET du fichier (siret : « 87950324100017 ») ne correspond pas au SIRET de votre "
        "structure (77625125800013)."
    )


# --- VAT regime against the form's taux ------------------------------------------------------


def test_fichier_ttc_avec_taux_zero(exemple_ttc, relais):
    erreur = rejet(exemple_ttc, relais, taux="0")
    assert erreur.message == REGIME
    assert erreur.details == [
        "lignesImport[0].commande.regimeTVA : « TTC » alors que le taux choisi impose le régime HT"
    ]


@pytest.mark.parametrize("taux", ["20", "8.5"])
def test_fichier_ht_avec_taux_ttc(taux, exemple_ht, relais):
    erreur = rejet(exemple_ht, relais, taux=taux)
    assert erreur.message == REGIME
    assert erreur.details == [
        "lignesImport[0].commande.regimeTVA : « HT » alors que le taux choisi impose le régime TTC"
    ]


def test_regimes_melanges(document_ttc, relais):
    def action(document):
        _deux_lignes(document)
        document["lignesImport"][1]["commande"]["regimeTVA"] = "HT"

    erreur = rejet(modifie(document_ttc, action), relais, taux="20")
    assert erreur.message == REGIME
    assert [d.split(" :")[0] for d in erreur.details] == ["lignesImport[1].commande.regimeTVA"]


# --- Deposit window ----------------------------------------------------------------------------


def _fenetre(champ, valeur):
    Solution.objects.filter(numero_ans=ANS).update(**{champ: valeur})


def test_fenetre_des_avances_fermee(exemple_ttc, relais):
    _fenetre("avance_fermeture", timezone.now() - datetime.timedelta(days=1))
    erreur = rejet(exemple_ttc, relais)
    assert erreur.message.startswith(f"La période de dépôt des demandes d'avance de la solution {ANS} est fermée")
    assert "elle est ouverte du 01/01/2021 à 00:00 au " in erreur.message


def test_fenetre_des_avances_pas_encore_ouverte(exemple_ttc, relais):
    _fenetre("avance_ouverture", timezone.now() + datetime.timedelta(days=1))
    assert "est fermée" in rejet(exemple_ttc, relais).message


def test_fenetre_des_soldes_fermee_n_empeche_pas_les_avances(exemple_ttc, relais):
    _fenetre("solde_fermeture", timezone.now() - datetime.timedelta(days=1))
    toutes_valides(lancer(exemple_ttc, relais))


def test_fenetre_des_soldes_fermee(document_ttc, relais):
    _fenetre("solde_fermeture", timezone.now() - datetime.timedelta(minutes=1))
    erreur = rejet(vers_octets(document_ttc), relais, type_demande="SOLDE")
    assert erreur.message.startswith(f"La période de dépôt des demandes de solde de la solution {ANS} est fermée")


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


# --- Hostile files are refused, never crash the portal ----------------------------------------


@pytest.mark.parametrize(
    "champ, nombre", [(b'"numLigne": 1', b'"numLigne": 1' + b"0" * 5000), (b"10750.00", b"1" + b"0" * 5000)]
)
def test_nombre_demesure_refuse(champ, nombre, exemple_ttc, relais):
    rejet_format(remplacer(exemple_ttc, champ, nombre), relais)


def test_imbrication_profonde_toujours_refusee(exemple_ttc, relais):
    plantages = []
    for profondeur in range(600, 1001):
        contenu = remplacer(
            exemple_ttc, b'"typeAction": "C"', b'"typeAction": ' + b"[" * profondeur + b"]" * profondeur
        )
        try:
            lancer(contenu, relais)
        except FichierRejete as erreur:
            assert erreur.message == FORMAT and erreur.details
        except RecursionError:
            plantages.append(profondeur)
        else:
            pytest.fail(f"typeAction imbriqué sur {profondeur} niveaux accepté")
    assert plantages == []
