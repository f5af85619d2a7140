"""`python manage.py simuler`: the portal's simulation from a shell, with exit codes
0 (every line valid), 1 (some line invalid, output written), 2 (file refused / cannot run)."""

import copy
import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from imports.management.commands.simuler import MAX_ERREURS_AFFICHEES
from tests.documents import vers_octets


def executer(*arguments):
    """Run the command; returns (exit code, stdout, stderr) as a shell would see them."""
    sortie, erreurs = io.StringIO(), io.StringIO()
    try:
        call_command("simuler", *map(str, arguments), stdout=sortie, stderr=erreurs)
        code = 0
    except SystemExit as fin:
        code = fin.code
    return code, sortie.getvalue(), erreurs.getvalue()


def options(type_demande="avance", ans="mlp525off1", tva="20"):
    return ["--type", type_demande, "--ans", ans, "--tva", tva]


def ecrire(dossier, nom, contenu: bytes):
    chemin = dossier / nom
    chemin.write_bytes(contenu)
    return chemin


def invalide(document, n_lignes=1):
    """A file whose lines all exceed the plafond (E206) and have a bad date (E201)."""
    document = copy.deepcopy(document)
    modele = document["lignesImport"][0]
    document["lignesImport"] = []
    for n in range(1, n_lignes + 1):
        ligne = copy.deepcopy(modele)
        ligne.update(numLigne=n, numeroEditeur=f"{n:05d}")
        ligne["commande"].update(dateCommande="31/02/2021", montantSegurHT=20000)
        ligne["beneficiaires"]["structure"]["FINESSGeo"] = []
        ligne["piecesJustificatives"][0]["nomFichier"] = f"MDV-LGC-Va1-BDC-{n:05d}.pdf"
        document["lignesImport"].append(ligne)
    return document


def test_tout_valide_code_0(tmp_path, exemple_ttc, demo):
    fichier = ecrire(tmp_path, "avance-structure-ttc.json", exemple_ttc)
    code, sortie, erreurs = executer(fichier, *options())
    assert code == 0
    produit = tmp_path / "avance-structure-ttc_sortie.json"
    assert produit.exists()
    assert "1 demande(s) : 1 valide(s), 0 en erreur." in sortie
    assert "La simulation de l'import s'est déroulée correctement." in sortie
    assert str(produit) in sortie
    assert erreurs == ""
    relu = json.loads(produit.read_bytes())
    assert (relu["lignesImport"][0]["codeTraitement"], relu["lignesImport"][0]["libelleTraitement"]) == (
        "OK",
        "Demande valide",
    )
    assert relu["impId"] is None
    assert b'"montantSegurHT": 10750.00' in produit.read_bytes()


def test_tout_valide_ht_taux_zero(tmp_path, exemple_ht, demo):
    fichier = ecrire(tmp_path, "ht.json", exemple_ht)
    assert executer(fichier, *options(tva="0"))[0] == 0
    assert (tmp_path / "ht_sortie.json").exists()


def test_une_ligne_invalide_code_1(tmp_path, document_ttc, demo):
    document = invalide(document_ttc, n_lignes=2)
    document["lignesImport"][0] = copy.deepcopy(document_ttc["lignesImport"][0])
    fichier = ecrire(tmp_path, "demandes.json", vers_octets(document))
    code, sortie, _ = executer(fichier, *options())
    assert code == 1
    assert "2 demande(s) : 1 valide(s), 1 en erreur." in sortie
    assert "demande n° 2 (00002) : E201 commande.dateCommande : « 31/02/2021 » n'est pas une date valide" in sortie
    assert "demande n° 2 (00002) : E206 commande.montantSegurHT" in sortie
    assert "demande n° 1 " not in sortie
    assert f"Fichier de sortie : {tmp_path / 'demandes_sortie.json'}" in sortie
    assert "s'est déroulée correctement" not in sortie
    lignes = json.loads((tmp_path / "demandes_sortie.json").read_bytes())["lignesImport"]
    assert [ligne["codeTraitement"] for ligne in lignes] == ["OK", "E201"]


def test_seules_les_premieres_erreurs_sont_affichees(tmp_path, document_ttc, demo):
    fichier = ecrire(tmp_path, "beaucoup.json", vers_octets(invalide(document_ttc, n_lignes=15)))
    code, sortie, _ = executer(fichier, *options())
    assert code == 1
    erreurs = [ligne for ligne in sortie.splitlines() if ligne.strip().startswith("demande n°")]
    assert len(erreurs) == MAX_ERREURS_AFFICHEES < 15 * 3
    assert erreurs[0].strip().startswith("demande n° 1 (00001) : E201")
    lignes = json.loads((tmp_path / "beaucoup_sortie.json").read_bytes())["lignesImport"]
    assert len(lignes) == 15 and all(ligne["codeTraitement"] == "E201" for ligne in lignes)


def test_option_sortie(tmp_path, exemple_ttc, demo):
    fichier = ecrire(tmp_path, "entree.json", exemple_ttc)
    cible = tmp_path / "retours" / "resultat.json"
    cible.parent.mkdir()
    code, sortie, _ = executer(fichier, *options(), "--sortie", cible)
    assert code == 0
    assert cible.exists() and str(cible) in sortie
    assert not (tmp_path / "entree_sortie.json").exists()


def test_fichier_rejete_code_2(tmp_path, exemple_ttc, demo):
    fichier = ecrire(tmp_path, "casse.json", exemple_ttc.replace(b'"numeroAns"', b'"NumeroAns"'))
    code, sortie, erreurs = executer(fichier, *options())
    assert code == 2
    assert "Fichier rejeté : Le JSON chargé ne respecte pas le format attendu" in erreurs
    assert "  - NumeroAns (ligne 3) : clé(s) non prévue(s) : « NumeroAns » (attendu : « numeroAns »)" in erreurs
    assert not (tmp_path / "casse_sortie.json").exists()
    assert sortie == ""


def test_regime_incoherent_code_2(tmp_path, exemple_ttc, demo):
    fichier = ecrire(tmp_path, "ttc.json", exemple_ttc)
    code, _, erreurs = executer(fichier, *options(tva="0"))
    assert code == 2
    assert "Le régime de TVA renseigné dans le JSON est différent de celui renseigné dans ce formulaire" in erreurs


def test_fichier_pas_utf8_code_2(tmp_path, exemple_ttc, demo):
    fichier = ecrire(tmp_path, "latin1.json", exemple_ttc.decode().replace("DURAND", "DURÉ").encode("latin-1"))
    code, _, erreurs = executer(fichier, *options())
    assert code == 2
    assert "n'est pas encodé en UTF-8" in erreurs


def test_numero_ans_inconnu_code_2(tmp_path, exemple_ttc, demo):
    fichier = ecrire(tmp_path, "a.json", exemple_ttc)
    with pytest.raises(CommandError) as erreur:
        call_command("simuler", str(fichier), *options(ans="inconnu01"), stdout=io.StringIO(), stderr=io.StringIO())
    assert erreur.value.returncode == 2
    assert str(erreur.value) == "Numéro ANS inconnu : inconnu01"


def test_fichier_illisible_code_2(tmp_path, demo):
    absent = tmp_path / "absent.json"
    with pytest.raises(CommandError) as erreur:
        call_command("simuler", str(absent), *options(), stdout=io.StringIO(), stderr=io.StringIO())
    assert erreur.value.returncode == 2
    assert str(erreur.value).startswith(f"Impossible de lire {absent}")


def test_solde(tmp_path, document_ttc, demo):
    ligne = document_ttc["lignesImport"][0]
    ligne["piecesJustificatives"] = [
        {"nomFichier": "MDV-LGC-Va1-FAC-00001.pdf", "formatFichier": "PDF", "typeFichier": "FACTURE"},
        {"nomFichier": "MDV-LGC-Va1-VSR-00001.pdf", "formatFichier": "PDF", "typeFichier": "PV_VSR"},
    ]
    fichier = ecrire(tmp_path, "solde.json", vers_octets(document_ttc))
    assert executer(fichier, *options(type_demande="solde"))[0] == 0
    code, sortie, _ = executer(fichier, *options(type_demande="avance"))
    assert code == 1
    assert "E406 piecesJustificatives : pièce(s) obligatoire(s) manquante(s) : BON_COMMANDE" in sortie


def test_nom_de_sortie_sans_extension_json(tmp_path, exemple_ttc, demo):
    fichier = ecrire(tmp_path, "export.JSON", exemple_ttc)
    assert executer(fichier, *options())[0] == 0
    assert (tmp_path / "export_sortie.json").exists()
