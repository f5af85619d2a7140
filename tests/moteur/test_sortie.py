"""The output file (spec §4): the uploaded bytes with only impId / codeTraitement /
libelleTraitement rewritten, so the supplier can diff both files and fix theirs."""

import codecs
import copy
import difflib
import json

import pytest

from imports.moteur.anomalies import FichierRejete
from imports.moteur.simulation import simuler
from imports.moteur.sortie import fichier_de_sortie
from tests.documents import ANS, vers_octets

CHAMPS_REECRITS = ('"impId"', '"codeTraitement"', '"libelleTraitement"')


def simuler_et_sortir(contenu: bytes, fournisseur, imp_id=42, *, taux="20"):
    simulation = simuler(contenu, fournisseur=fournisseur, numero_ans=ANS, type_demande="AVANCE", taux_tva=taux)
    return simulation, fichier_de_sortie(simulation.document, simulation.lignes, imp_id)


def differences(avant: bytes, apres: bytes) -> tuple[list[str], list[str]]:
    """(removed lines, added lines) between the two files, as difflib sees them."""
    retirees, ajoutees = [], []
    diff = difflib.unified_diff(
        avant.decode("utf-8-sig").splitlines(), apres.decode("utf-8-sig").splitlines(), n=0, lineterm=""
    )
    for ligne in diff:
        if ligne.startswith(("---", "+++", "@@")):
            continue
        (retirees if ligne.startswith("-") else ajoutees).append(ligne[1:])
    return retirees, ajoutees


def seuls_les_champs_reecrits_changent(avant: bytes, apres: bytes) -> list[str]:
    retirees, ajoutees = differences(avant, apres)
    assert len(retirees) == len(ajoutees)
    for ligne in retirees + ajoutees:
        assert any(champ in ligne for champ in CHAMPS_REECRITS), f"ligne modifiée à tort : {ligne!r}"
    return [ligne.strip() for ligne in ajoutees]


def deux_lignes(document, invalide=True) -> dict:
    """A valid first line and a second one (invalid unless told) with its keys in reverse order."""
    document = copy.deepcopy(document)
    seconde = copy.deepcopy(document["lignesImport"][0])
    seconde.update(numLigne=2, numeroEditeur="00002")
    seconde["beneficiaires"]["structure"]["FINESSGeo"] = ["020015764"]
    seconde["piecesJustificatives"][0]["nomFichier"] = "MDV-LGC-Va1-BDC-00002.pdf"
    if invalide:
        seconde["commande"]["dateCommande"] = "31/02/2021"
        seconde["beneficiaires"]["structure"]["FINESSGeo"] = ["020015764", "020015112"]
    document["lignesImport"].append(dict(reversed(list(seconde.items()))))
    return document


# --- Only the three fields change -------------------------------------------------------------


def test_fichier_valide_seuls_les_codes_changent(exemple_ttc, relais):
    _, sortie = simuler_et_sortir(exemple_ttc, relais, imp_id=42)
    assert seuls_les_champs_reecrits_changent(exemple_ttc, sortie) == [
        '"impId": 42,',
        '"codeTraitement": "OK",',
        '"libelleTraitement": "Demande valide"',
    ]
    assert b'"montantSegurHT": 10750.00\n' in sortie


def test_fichier_invalide_seuls_les_codes_changent(document_ttc, relais):
    contenu = vers_octets(deux_lignes(document_ttc))
    simulation, sortie = simuler_et_sortir(contenu, relais, imp_id=7)
    ajoutees = seuls_les_champs_reecrits_changent(contenu, sortie)
    assert ajoutees[0] == '"impId": 7,'
    assert len(ajoutees) == 5
    relu = json.loads(sortie)
    premiere, seconde = relu["lignesImport"]
    assert (premiere["codeTraitement"], premiere["libelleTraitement"]) == ("OK", "Demande valide")
    assert seconde["codeTraitement"] == "E201"
    assert seconde["libelleTraitement"] == simulation.lignes[1].libelle_traitement()
    assert list(seconde) == list(reversed(list(premiere)))  # the second line's own key order is kept


def test_nombres_ecrits_gardent_leur_forme(exemple_ttc, relais):
    contenu = exemple_ttc.replace(b"10750.00", b"1.07501E4")
    simulation, sortie = simuler_et_sortir(contenu, relais)
    assert simulation.reussie
    assert b'"montantSegurHT": 1.07501E4\n' in sortie
    seuls_les_champs_reecrits_changent(contenu, sortie)


def test_json_compact_sur_une_seule_ligne(document_ttc, relais):
    contenu = json.dumps(document_ttc, ensure_ascii=False, separators=(",", ":")).encode()
    _, sortie = simuler_et_sortir(contenu, relais, imp_id=3)
    attendu = (
        contenu.replace(b'"impId":null', b'"impId":3')
        .replace(b'"codeTraitement":null', b'"codeTraitement":"OK"')
        .replace(b'"libelleTraitement":null', b'"libelleTraitement":"Demande valide"')
    )
    assert sortie == attendu


def test_crlf_et_bom_conserves(exemple_ttc, relais):
    contenu = codecs.BOM_UTF8 + exemple_ttc.replace(b"\n", b"\r\n")
    _, sortie = simuler_et_sortir(contenu, relais)
    assert sortie.startswith(codecs.BOM_UTF8) and not sortie[3:].startswith(codecs.BOM_UTF8)
    assert sortie.count(b"\r\n") == contenu.count(b"\r\n") == sortie.count(b"\n")
    seuls_les_champs_reecrits_changent(contenu, sortie)


def test_sans_bom_pas_de_bom(exemple_ttc, relais):
    _, sortie = simuler_et_sortir(exemple_ttc, relais)
    assert sortie.startswith(b"{")


def test_caracteres_non_ascii_conserves(document_ttc, relais):
    document_ttc["lignesImport"][0]["beneficiaires"]["structure"]["nomResponsable"] = "DURAND Hélène — Cœur"
    document_ttc["lignesImport"][0]["commande"]["dateCommande"] = "32/11/2021"
    contenu = vers_octets(document_ttc)
    _, sortie = simuler_et_sortir(contenu, relais)
    assert "DURAND Hélène — Cœur".encode() in sortie
    assert "« 32/11/2021 » n'est pas une date valide".encode() in sortie  # the libellé is not \\u-escaped
    seuls_les_champs_reecrits_changent(contenu, sortie)


def test_texte_imitant_un_champ_dans_une_chaine(document_ttc, relais):
    structure = document_ttc["lignesImport"][0]["beneficiaires"]["structure"]
    structure["nomResponsable"] = 'DURAND "codeTraitement": null, "impId": 5'
    document_ttc["lignesImport"][0]["numeroEditeur"] = "00001"
    document_ttc["lignesImport"][0]["scenarioInstallation"]["operateurMessagerie"] = 'C:\\"libelleTraitement": "x"'
    contenu = vers_octets(document_ttc)
    assert b'\\"codeTraitement\\": null' in contenu
    simulation, sortie = simuler_et_sortir(contenu, relais, imp_id=9)
    relu = json.loads(sortie)
    assert relu["impId"] == 9
    ligne = relu["lignesImport"][0]
    assert ligne["beneficiaires"]["structure"]["nomResponsable"] == 'DURAND "codeTraitement": null, "impId": 5'
    assert ligne["scenarioInstallation"]["operateurMessagerie"] == 'C:\\"libelleTraitement": "x"'
    assert ligne["codeTraitement"] == "E501"
    assert ligne["libelleTraitement"] == simulation.lignes[0].libelle_traitement()
    seuls_les_champs_reecrits_changent(contenu, sortie)


def test_anciens_codes_et_impid_remplaces(document_ttc, relais):
    document_ttc["impId"] = 1234
    document_ttc["lignesImport"][0].update(codeTraitement="E302", libelleTraitement="E302 ancien : à corriger")
    _, sortie = simuler_et_sortir(vers_octets(document_ttc), relais, imp_id=1235)
    relu = json.loads(sortie)
    assert relu["impId"] == 1235
    assert (relu["lignesImport"][0]["codeTraitement"], relu["lignesImport"][0]["libelleTraitement"]) == (
        "OK",
        "Demande valide",
    )


def test_impid_absent_reste_null(exemple_ttc, relais):
    _, sortie = simuler_et_sortir(exemple_ttc, relais, imp_id=None)
    assert b'"impId": null,' in sortie


def test_numero_asp_ecrit_apres_l_import(document_ttc, relais):
    simulation = simuler(
        vers_octets(deux_lignes(document_ttc, invalide=False)),
        fournisseur=relais,
        numero_ans=ANS,
        type_demande="AVANCE",
        taux_tva="20",
    )
    sortie = fichier_de_sortie(simulation.document, simulation.lignes, 5, numeros_asp={1: "FINMDV000123M0"})
    lignes = json.loads(sortie)["lignesImport"]
    assert [ligne["numeroASP"] for ligne in lignes] == [None, "FINMDV000123M0"]


# --- The libellé ---------------------------------------------------------------------------------


def test_libelle_de_l_exemple_de_la_spec(document_ttc, relais):
    document_ttc["lignesImport"][0]["beneficiaires"]["structure"]["FINESSGeo"][1] = "020015112"
    _, sortie = simuler_et_sortir(vers_octets(document_ttc), relais)
    ligne = json.loads(sortie)["lignesImport"][0]
    assert ligne["codeTraitement"] == "E302"
    assert ligne["libelleTraitement"] == "E302 beneficiaires.structure.FINESSGeo[1] : clé FINESS invalide (020015112)"


def test_libelle_liste_toutes_les_erreurs(document_ttc, relais):
    ligne = document_ttc["lignesImport"][0]
    ligne["commande"]["montantSegurHT"] = 12500
    ligne["scenarioInstallation"]["operateurMessagerie"] = None
    ligne["numLigne"] = 0
    simulation, sortie = simuler_et_sortir(vers_octets(document_ttc), relais)
    relue = json.loads(sortie)["lignesImport"][0]
    assert relue["codeTraitement"] == "E101"
    morceaux = relue["libelleTraitement"].split(" ; ")
    assert morceaux == [
        "E101 numLigne : doit être supérieur ou égal à 1 (reçu : 0)",
        "E206 commande.montantSegurHT : le montant 12500 € dépasse le plafond HT de la solution (12000.00 €)",
        "E501 scenarioInstallation.operateurMessagerie : obligatoire quand un flux MSSanté est envoyé en direct",
    ]
    assert [a.code for a in simulation.lignes[0].anomalies] == ["E101", "E206", "E501"]


# --- Round trip: the returned file is a valid input -----------------------------------------------


def test_aller_retour_fichier_valide(exemple_ttc, relais):
    _, sortie = simuler_et_sortir(exemple_ttc, relais, imp_id=42)
    simulation, seconde_sortie = simuler_et_sortir(sortie, relais, imp_id=42)
    assert simulation.reussie
    assert seconde_sortie == sortie


def test_aller_retour_fichier_invalide(document_ttc, relais):
    contenu = codecs.BOM_UTF8 + vers_octets(deux_lignes(document_ttc)).replace(b"\n", b"\r\n")
    premiere, sortie = simuler_et_sortir(contenu, relais, imp_id=42)
    seconde, seconde_sortie = simuler_et_sortir(sortie, relais, imp_id=42)
    assert [l.anomalies for l in seconde.lignes] == [l.anomalies for l in premiere.lignes]
    assert [l.valide for l in seconde.lignes] == [True, False]
    assert seconde_sortie == sortie


def test_aller_retour_ht(exemple_ht, relais):
    _, sortie = simuler_et_sortir(exemple_ht, relais, taux="0")
    simulation, _ = simuler_et_sortir(sortie, relais, taux="0")
    assert simulation.reussie


def test_echappement_unicode_orphelin_refuse_avec_sa_place(exemple_ttc, relais):
    # A lone \ud800 decodes to no character: no UTF-8 output file could carry it back.
    contenu = exemple_ttc.replace(b'"typeAction": "C"', b'"typeAction": "\\ud800"')
    with pytest.raises(FichierRejete) as rejet:
        simuler(contenu, fournisseur=relais, numero_ans=ANS, type_demande="AVANCE", taux_tva="20")
    assert rejet.value.message == "Le JSON chargé ne respecte pas le format attendu"
    assert rejet.value.details == ["ligne 8 : séquence \\ud800 isolée, elle ne représente aucun caractère"]


def test_paire_de_substitution_valide_conservee(exemple_ttc, relais):
    contenu = exemple_ttc.replace(b'"DURAND"', b'"DURAND \\ud83d\\ude00"')
    simulation, sortie = simuler_et_sortir(contenu, relais)
    assert simulation.reussie
    assert b'"DURAND \\ud83d\\ude00"' in sortie
