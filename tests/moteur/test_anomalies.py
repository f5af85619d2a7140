"""A line collects all its anomalies (imports/moteur/anomalies.py): the guide's example is valid; a line
with several errors lists them all, several errors of the same rule included, each attributed to its
own line (« codeTraitement » and « libelleTraitement » of the output file)."""

from tests.documents import FINESS_1, fichier, ligne_valide
from tests.moteur.outils import codes, lancer, une_ligne, valide

# --- One line, one change: variations that stay within the rule ---------------------------


def test_ligne_de_l_exemple_valide(document_ttc, relais):
    valide(lancer(document_ttc, relais).lignes[0])


# --- A line collects all its errors -----------------------------------------------------------


def test_une_ligne_collecte_toutes_ses_erreurs(document_ttc, relais):
    ligne = ligne_valide(document_ttc)
    ligne["commande"]["dateCommande"] = "32/01/2022"
    ligne["commande"]["montantSegurHT"] = 15000
    ligne["beneficiaires"]["structure"]["FINESSGeo"] = [FINESS_1, "020015112"]
    ligne["piecesJustificatives"][0]["formatFichier"] = "PNG"
    ligne["scenarioInstallation"]["isPFIToDMP"] = False
    resultat = une_ligne(document_ttc, relais, ligne)
    assert [a.code for a in resultat.anomalies] == ["E201", "E206", "E302", "E402", "E502"]
    assert resultat.code_traitement() == "E201"
    libelle = resultat.libelle_traitement()
    assert libelle.count(" ; ") == 4
    assert "E302 beneficiaires.structure.FINESSGeo[1] : clé FINESS invalide (020015112)" in libelle.split(" ; ")


def test_plusieurs_erreurs_de_la_meme_regle_sur_une_ligne(document_ttc, relais):
    ligne = ligne_valide(document_ttc)
    ligne["beneficiaires"]["structure"].update(
        emailResponsable="x", telephoneResponsable="1", FINESSGeo=["020015112", "020015773"]
    )
    resultat = une_ligne(document_ttc, relais, ligne)
    chemins = [a.chemin for a in resultat.anomalies if a.code == "E302"]
    assert chemins == [
        "beneficiaires.structure.emailResponsable",
        "beneficiaires.structure.telephoneResponsable",
        "beneficiaires.structure.FINESSGeo[0]",
        "beneficiaires.structure.FINESSGeo[1]",
    ]


def test_erreurs_attribuees_a_la_bonne_ligne(document_ttc, relais):
    milieu = ligne_valide(document_ttc, 2)
    milieu["commande"]["regimeTVA"] = "TTX"
    simulation = lancer(
        fichier(document_ttc, ligne_valide(document_ttc, 1), milieu, ligne_valide(document_ttc, 3)), relais
    )
    premiere, deuxieme, troisieme = simulation.lignes
    valide(premiere)
    valide(troisieme)
    assert deuxieme.rang == 2 and codes(deuxieme) == {"E204"}
    assert (simulation.nb_valides, simulation.nb_invalides, simulation.reussie) == (2, 1, False)
