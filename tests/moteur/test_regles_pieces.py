"""Block « piecesJustificatives » (imports/moteur/regles/pieces.py), rules E401–E406: the attachments each
demande announces. For each code, lines that fail it and lines that pass it (spec §3); the pieces the
régime HT and the solde require (E406); a file name in several lines (E405)."""

import pytest

from tests.documents import en_solde, fichier, ligne_valide, piece
from tests.moteur.outils import NOM_100, NOM_101, anomalie, lancer, une_ligne, valide, verifier_echec, verifier_reussite

# --- One line, one change: the failing cases ---------------------------------------------

# (base, changes, code, chemin, words the supplier reads in the message)
ECHECS = {
    "E401 type inconnu": (
        "structure",
        {"piecesJustificatives[0].typeFichier": "DEVIS"},
        "E401",
        "piecesJustificatives[0].typeFichier",
        "« DEVIS » inconnue",
    ),
    "E402 format inconnu": (
        "structure",
        {"piecesJustificatives[0].formatFichier": "DOCX"},
        "E402",
        "piecesJustificatives[0].formatFichier",
        "« DOCX » inconnue : PDF, JPG ou PNG",
    ),
    "E402 format et extension": (
        "structure",
        {"piecesJustificatives[0].nomFichier": "MDV-LGC-Va1-BDC-00001.png"},
        "E402",
        "piecesJustificatives[0].formatFichier",
        "le format PDF ne correspond pas à l'extension du fichier « MDV-LGC-Va1-BDC-00001.png »",
    ),
    "E402 JPG pour un pdf": (
        "structure",
        {"piecesJustificatives[0].formatFichier": "JPG"},
        "E402",
        "piecesJustificatives[0].formatFichier",
        "(.jpg ou .jpeg attendu)",
    ),
    "E403 chemin": (
        "structure",
        {"piecesJustificatives[0].nomFichier": "pieces/MDV-LGC-Va1-BDC-00001.pdf"},
        "E403",
        "piecesJustificatives[0].nomFichier",
        "ne doit pas contenir de chemin",
    ),
    "E403 chemin windows": (
        "structure",
        {"piecesJustificatives[0].nomFichier": "C:\\MDV-LGC-Va1-BDC-00001.pdf"},
        "E403",
        "piecesJustificatives[0].nomFichier",
        "ne doit pas contenir de chemin",
    ),
    "E403 espace": (
        "structure",
        {"piecesJustificatives[0].nomFichier": "MDV-LGC-Va1-BDC-00001 v2.pdf"},
        "E403",
        "piecesJustificatives[0].nomFichier",
        "caractères autorisés A-Z, a-z, 0-9, point, _ et -",
    ),
    "E403 101 caractères": (
        "structure",
        {"piecesJustificatives[0].nomFichier": NOM_101},
        "E403",
        "piecesJustificatives[0].nomFichier",
        "nom de 101 caractères : 100 au plus",
    ),
    "E404 sans préfixe": (
        "structure",
        {"piecesJustificatives[0].nomFichier": "BDC-00001.pdf"},
        "E404",
        "piecesJustificatives[0].nomFichier",
        "« BDC-00001.pdf » ne suit pas la nomenclature : MDV-LGC-Va1-BDC-00001[-n].pdf",
    ),
    "E404 mauvais code de pièce": (
        "structure",
        {"piecesJustificatives[0].nomFichier": "MDV-LGC-Va1-FAC-00001.pdf"},
        "E404",
        "piecesJustificatives[0].nomFichier",
        "MDV-LGC-Va1-BDC-00001[-n]",
    ),
    "E404 autre numeroEditeur": (
        "structure",
        {"piecesJustificatives[0].nomFichier": "MDV-LGC-Va1-BDC-00002.pdf"},
        "E404",
        "piecesJustificatives[0].nomFichier",
        "ne suit pas la nomenclature",
    ),
    "E404 mauvaise vague": (
        "structure",
        {"piecesJustificatives[0].nomFichier": "MDV-LGC-Va2-BDC-00001.pdf"},
        "E404",
        "piecesJustificatives[0].nomFichier",
        "ne suit pas la nomenclature",
    ),
    "E404 suffixe non numérique": (
        "structure",
        {"piecesJustificatives[0].nomFichier": "MDV-LGC-Va1-BDC-00001-a.pdf"},
        "E404",
        "piecesJustificatives[0].nomFichier",
        "ne suit pas la nomenclature",
    ),
    "E404 suffixe vide": (
        "structure",
        {"piecesJustificatives[0].nomFichier": "MDV-LGC-Va1-BDC-00001-.pdf"},
        "E404",
        "piecesJustificatives[0].nomFichier",
        "ne suit pas la nomenclature",
    ),
    "E405 deux fois dans la demande": (
        "structure",
        {
            "piecesJustificatives": [
                piece("BON_COMMANDE", "MDV-LGC-Va1-BDC-00001.pdf"),
                piece("BON_COMMANDE", "MDV-LGC-Va1-BDC-00001.pdf"),
            ]
        },
        "E405",
        "piecesJustificatives[1].nomFichier",
        "« MDV-LGC-Va1-BDC-00001.pdf » en double (deux fois dans cette demande)",
    ),
    "E406 avance sans bon de commande": (
        "structure",
        {"piecesJustificatives": []},
        "E406",
        "piecesJustificatives",
        "pièce(s) obligatoire(s) manquante(s) : BON_COMMANDE",
    ),
    "E406 mandataire sans mandat": (
        "mandataire",
        {"piecesJustificatives": [piece("BON_COMMANDE", "MDV-LGC-Va1-BDC-00001.pdf")]},
        "E406",
        "piecesJustificatives",
        "MANDAT",
    ),
}


@pytest.mark.parametrize("cas", list(ECHECS), ids=list(ECHECS))
def test_une_ligne_en_erreur(cas, document_ttc, relais):
    verifier_echec(ECHECS[cas], document_ttc, relais)


# --- One line, one change: variations that stay within the rule ---------------------------

# (base, changes, code that must NOT appear, whether the whole line is then valid)
REUSSITES = {
    "E401 pièce AUTRE en plus": (
        "structure",
        {
            "piecesJustificatives": [
                piece("BON_COMMANDE", "MDV-LGC-Va1-BDC-00001.pdf"),
                piece("AUTRE", "MDV-LGC-Va1-AUT-00001.pdf"),
            ]
        },
        "E401",
        True,
    ),
    "E402 JPG en .jpeg": (
        "structure",
        {
            "piecesJustificatives[0].nomFichier": "MDV-LGC-Va1-BDC-00001.jpeg",
            "piecesJustificatives[0].formatFichier": "JPG",
        },
        "E402",
        True,
    ),
    "E402 PNG": (
        "structure",
        {
            "piecesJustificatives[0].nomFichier": "MDV-LGC-Va1-BDC-00001.png",
            "piecesJustificatives[0].formatFichier": "PNG",
        },
        "E402",
        True,
    ),
    "E403 100 caractères": ("structure", {"piecesJustificatives[0].nomFichier": NOM_100}, "E403", True),
    "E404 suffixe numéroté": (
        "structure",
        {"piecesJustificatives[0].nomFichier": "MDV-LGC-Va1-BDC-00001-2.pdf"},
        "E404",
        True,
    ),
    "E405 deux pièces numérotées": (
        "structure",
        {
            "piecesJustificatives": [
                piece("BON_COMMANDE", "MDV-LGC-Va1-BDC-00001-1.pdf"),
                piece("BON_COMMANDE", "MDV-LGC-Va1-BDC-00001-2.pdf"),
            ]
        },
        "E405",
        True,
    ),
    "E406 bon de commande en jpg": (
        "structure",
        {"piecesJustificatives[0]": piece("BON_COMMANDE", "MDV-LGC-Va1-BDC-00001.jpg", "JPG")},
        "E406",
        True,
    ),
}


@pytest.mark.parametrize("cas", list(REUSSITES), ids=list(REUSSITES))
def test_une_ligne_sans_cette_erreur(cas, document_ttc, relais):
    verifier_reussite(REUSSITES[cas], document_ttc, relais)


# --- Régime HT, solde -----------------------------------------------------------------------


def test_e406_regime_ht_sans_justificatif(document_ttc, relais):
    ligne = ligne_valide(document_ttc)
    ligne["commande"]["regimeTVA"] = "HT"
    resultat = une_ligne(document_ttc, relais, ligne, taux="0")
    assert anomalie(resultat, "E406", "piecesJustificatives").message.endswith("manquante(s) : PRELVE_HT")


def test_e406_regime_ht_avec_justificatif(document_ttc, relais):
    ligne = ligne_valide(document_ttc)
    ligne["commande"]["regimeTVA"] = "HT"
    ligne["piecesJustificatives"].append(piece("PRELVE_HT", "MDV-LGC-Va1-HT-00001.pdf"))
    valide(une_ligne(document_ttc, relais, ligne, taux="0"))


def test_e406_solde_sans_facture_ni_pv(document_ttc, relais):
    ligne = ligne_valide(document_ttc)  # only a bon de commande, which a solde does not need
    resultat = une_ligne(document_ttc, relais, ligne, type_demande="SOLDE")
    message = anomalie(resultat, "E406", "piecesJustificatives").message
    assert "FACTURE" in message and "PV_VSR" in message and "BON_COMMANDE" not in message


def test_e406_solde_avec_facture_et_pv_sans_bon_de_commande(document_ttc, relais):
    valide(une_ligne(document_ttc, relais, en_solde(ligne_valide(document_ttc)), type_demande="SOLDE"))


def test_e406_solde_sans_pv(document_ttc, relais):
    ligne = en_solde(ligne_valide(document_ttc))
    del ligne["piecesJustificatives"][1]
    resultat = une_ligne(document_ttc, relais, ligne, type_demande="SOLDE")
    assert anomalie(resultat, "E406", "piecesJustificatives").message.endswith("manquante(s) : PV_VSR")


# --- Duplicates inside the file: every line involved is flagged -------------------------------


def test_e405_nom_de_fichier_dans_deux_lignes(document_ttc, relais):
    premiere = ligne_valide(document_ttc, 1)
    seconde = ligne_valide(document_ttc, 2)
    premiere["piecesJustificatives"].append(piece("AUTRE", "MDV-LGC-Va1-AUT-00001.pdf"))
    seconde["piecesJustificatives"].insert(0, piece("AUTRE", "MDV-LGC-Va1-AUT-00001.pdf"))
    simulation = lancer(fichier(document_ttc, premiere, seconde), relais)
    assert anomalie(simulation.lignes[0], "E405", "piecesJustificatives[1].nomFichier").message == (
        "« MDV-LGC-Va1-AUT-00001.pdf » en double (aussi en demande n° 2)"
    )
    assert anomalie(simulation.lignes[1], "E405", "piecesJustificatives[0].nomFichier").message == (
        "« MDV-LGC-Va1-AUT-00001.pdf » en double (aussi en demande n° 1)"
    )


def test_e405_deux_fois_dans_la_meme_ligne_les_deux_pieces(document_ttc, relais):
    ligne = ligne_valide(document_ttc)
    ligne["piecesJustificatives"].append(piece("BON_COMMANDE", "MDV-LGC-Va1-BDC-00001.pdf"))
    resultat = une_ligne(document_ttc, relais, ligne)
    assert [a.chemin for a in resultat.anomalies if a.code == "E405"] == [
        "piecesJustificatives[0].nomFichier",
        "piecesJustificatives[1].nomFichier",
    ]
