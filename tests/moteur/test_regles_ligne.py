"""Block « ligne » (imports/moteur/regles/ligne.py), rules E101–E104: numbering, action and references
of each demande. For each code, lines that fail it and lines that pass it (spec §3); duplicates inside
the file, every line involved flagged; what the database already holds (E103 modification, annulation
and solde of an existing demande, E104 numéro éditeur already used)."""

import pytest

from demandes.valeurs import StatutDemande
from tests.documents import (
    ANS,
    FINESS_1,
    FINESS_2,
    SIRET_HOPITAL,
    SIRET_UNIKALO,
    en_solde,
    fichier,
    finess,
    ligne_valide,
)
from tests.factories import demande_existante
from tests.moteur.outils import (
    anomalie,
    codes,
    lancer,
    ligne_de_modification,
    ligne_de_solde,
    une_ligne,
    valide,
    verifier_echec,
    verifier_reussite,
)

# --- One line, one change: the failing cases ---------------------------------------------

# (base, changes, code, chemin, words the supplier reads in the message)
ECHECS = {
    "E101 zéro": ("structure", {"numLigne": 0}, "E101", "numLigne", "supérieur ou égal à 1 (reçu : 0)"),
    "E101 négatif": ("structure", {"numLigne": -4}, "E101", "numLigne", "(reçu : -4)"),
    "E102 inconnu": ("structure", {"typeAction": "X"}, "E102", "typeAction", "« X » inconnue : C, M ou A"),
    "E102 minuscule": ("structure", {"typeAction": "c"}, "E102", "typeAction", "« c » inconnue"),
    "E103 création avance avec numéro": (
        "structure",
        {"numeroASP": "FINMDV000001M0"},
        "E103",
        "numeroASP",
        "doit être null pour la création d'une demande d'avance",
    ),
    "E103 modification sans numéro": (
        "structure",
        {"typeAction": "M"},
        "E103",
        "numeroASP",
        "obligatoire pour une modification",
    ),
    "E103 annulation sans numéro": (
        "structure",
        {"typeAction": "A"},
        "E103",
        "numeroASP",
        "obligatoire pour une annulation",
    ),
    "E103 modification numéro inconnu": (
        "structure",
        {"typeAction": "M", "numeroASP": "FINMDV999999M0"},
        "E103",
        "numeroASP",
        "FINMDV999999M0 n'existe pas parmi vos demandes",
    ),
    "E103 annulation numéro mal formé": (
        "structure",
        {"typeAction": "A", "numeroASP": "12345"},
        "E103",
        "numeroASP",
        "12345 n'existe pas",
    ),
    "E104 espace": ("structure", {"numeroEditeur": "000 01"}, "E104", "numeroEditeur", "« 000 01 » invalide"),
    "E104 vide": ("structure", {"numeroEditeur": ""}, "E104", "numeroEditeur", "1 à 20 caractères"),
    "E104 21 caractères": ("structure", {"numeroEditeur": "A" * 21}, "E104", "numeroEditeur", "1 à 20 caractères"),
    "E104 accent": ("structure", {"numeroEditeur": "commandé1"}, "E104", "numeroEditeur", "« commandé1 » invalide"),
}


@pytest.mark.parametrize("cas", list(ECHECS), ids=list(ECHECS))
def test_une_ligne_en_erreur(cas, document_ttc, relais):
    verifier_echec(ECHECS[cas], document_ttc, relais)


# --- One line, one change: variations that stay within the rule ---------------------------

# (base, changes, code that must NOT appear, whether the whole line is then valid)
REUSSITES = {
    "E101 numLigne quelconque": ("structure", {"numLigne": 7}, "E101", True),
    "E102 annulation reconnue": ("structure", {"typeAction": "A"}, "E102", False),  # E103 only
    "E102 modification reconnue": ("structure", {"typeAction": "M"}, "E102", False),
    "E103 création d'avance sans numéro": ("structure", {"numeroASP": None}, "E103", True),
    "E104 20 caractères tirets et soulignés": (
        "structure",
        {
            "numeroEditeur": "Ab_9-Ab_9-Ab_9-Ab_9-",
            "piecesJustificatives[0].nomFichier": "MDV-LGC-Va1-BDC-Ab_9-Ab_9-Ab_9-Ab_9-.pdf",
        },
        "E104",
        True,
    ),
    "E104 un caractère": (
        "structure",
        {"numeroEditeur": "7", "piecesJustificatives[0].nomFichier": "MDV-LGC-Va1-BDC-7.pdf"},
        "E104",
        True,
    ),
}


@pytest.mark.parametrize("cas", list(REUSSITES), ids=list(REUSSITES))
def test_une_ligne_sans_cette_erreur(cas, document_ttc, relais):
    verifier_reussite(REUSSITES[cas], document_ttc, relais)


# --- Duplicates inside the file: every line involved is flagged -------------------------------


def test_e101_numligne_en_double_sur_chaque_ligne(document_ttc, relais):
    lignes = [ligne_valide(document_ttc, 1), ligne_valide(document_ttc, 2), ligne_valide(document_ttc, 3)]
    lignes[2]["numLigne"] = 1
    simulation = lancer(fichier(document_ttc, *lignes), relais)
    assert anomalie(simulation.lignes[0], "E101", "numLigne").message == "numLigne 1 en double (aussi en demande n° 3)"
    assert anomalie(simulation.lignes[2], "E101", "numLigne").message == "numLigne 1 en double (aussi en demande n° 1)"
    valide(simulation.lignes[1])


def test_e101_numlignes_distincts(document_ttc, relais):
    simulation = lancer(fichier(document_ttc, ligne_valide(document_ttc, 2), ligne_valide(document_ttc, 1)), relais)
    assert simulation.reussie, [l.libelle_traitement() for l in simulation.lignes]


def test_e104_numero_editeur_en_double_sur_chaque_ligne(document_ttc, relais):
    premiere = ligne_valide(document_ttc, 1, editeur="CMD-7")
    seconde = ligne_valide(document_ttc, 2, editeur="CMD-7")
    seconde["piecesJustificatives"][0]["nomFichier"] = "MDV-LGC-Va1-BDC-CMD-7-2.pdf"  # keep E405 out
    simulation = lancer(fichier(document_ttc, premiere, seconde), relais)
    assert (
        anomalie(simulation.lignes[0], "E104", "numeroEditeur").message == "« CMD-7 » en double (aussi en demande n° 2)"
    )
    assert (
        anomalie(simulation.lignes[1], "E104", "numeroEditeur").message == "« CMD-7 » en double (aussi en demande n° 1)"
    )
    assert all(codes(ligne) == {"E104"} for ligne in simulation.lignes)


# --- E103 / E104 / E306: what the database already holds ---------------------------------------


@pytest.mark.parametrize("action", ["M", "A"])
def test_e103_modification_de_sa_demande_deposee(action, document_ttc, relais):
    demande = demande_existante(statut=StatutDemande.DEPOSEE)
    resultat = une_ligne(
        document_ttc, relais, ligne_de_modification(document_ttc, demande.numero_dossier, action, geo=[FINESS_1])
    )
    valide(resultat)  # nor E306: the demande being modified does not block its own beneficiary


@pytest.mark.parametrize("action", ["M", "A"])
def test_e103_demande_d_un_autre_fournisseur(action, document_ttc, relais):
    autre = demande_existante("cpiPFI0001", beneficiaires=(finess(50),))
    assert autre.fournisseur.siret == SIRET_UNIKALO
    resultat = une_ligne(document_ttc, relais, ligne_de_modification(document_ttc, autre.numero_dossier, action))
    # Same words as for a number that does not exist: nothing is disclosed about the other demande.
    assert anomalie(resultat, "E103", "numeroASP").message == (
        f"la demande {autre.numero_dossier} n'existe pas parmi vos demandes"
    )


def test_e103_demande_d_un_troisieme_fournisseur(document_ttc, relais):
    autre = demande_existante("2021k052a", beneficiaires=(finess(51),))
    assert autre.fournisseur.siret == SIRET_HOPITAL
    resultat = une_ligne(document_ttc, relais, ligne_de_modification(document_ttc, autre.numero_dossier))
    assert "n'existe pas parmi vos demandes" in anomalie(resultat, "E103", "numeroASP").message


@pytest.mark.parametrize(
    "statut", [StatutDemande.EN_INSTRUCTION, StatutDemande.DECIDEE, StatutDemande.REJETEE, StatutDemande.ANNULEE]
)
def test_e103_demande_plus_modifiable(statut, document_ttc, relais):
    demande = demande_existante(statut=statut)
    resultat = une_ligne(
        document_ttc, relais, ligne_de_modification(document_ttc, demande.numero_dossier, geo=[finess(3)])
    )
    assert anomalie(resultat, "E103", "numeroASP").message == (
        f"la demande {demande.numero_dossier} ne peut plus être modifiée ni annulée (statut : {statut.label})"
    )


def test_e103_en_attente_des_pieces_modifiable(document_ttc, relais):
    demande = demande_existante(statut=StatutDemande.EN_ATTENTE_PIECES)
    resultat = une_ligne(document_ttc, relais, ligne_de_modification(document_ttc, demande.numero_dossier, "A"))
    assert "E103" not in codes(resultat)


def test_e103_version_depassee(document_ttc, relais):
    demande = demande_existante(version=2)
    resultat = une_ligne(document_ttc, relais, ligne_de_modification(document_ttc, f"{demande.numero}M1"))
    assert anomalie(resultat, "E103", "numeroASP").message == (
        f"version dépassée : la version actuelle est {demande.numero}M2"
    )


def test_e103_version_actuelle(document_ttc, relais):
    demande = demande_existante(version=2)
    resultat = une_ligne(document_ttc, relais, ligne_de_modification(document_ttc, f"{demande.numero}M2"))
    assert "E103" not in codes(resultat)


def test_e103_modification_d_un_solde_dans_un_fichier_d_avance(document_ttc, relais):
    solde = demande_existante(type_demande="SOLDE", beneficiaires=(finess(4),))
    resultat = une_ligne(document_ttc, relais, ligne_de_modification(document_ttc, solde.numero_dossier))
    assert anomalie(resultat, "E103", "numeroASP").message == (
        f"la demande {solde.numero_dossier} n'est pas une demande d'avance"
    )


def test_e103_modification_d_une_avance_dans_un_fichier_de_solde(document_ttc, relais):
    avance = demande_existante(type_demande="AVANCE", beneficiaires=(finess(4),))
    ligne = en_solde(ligne_de_modification(document_ttc, avance.numero_dossier))
    resultat = une_ligne(document_ttc, relais, ligne, type_demande="SOLDE")
    assert anomalie(resultat, "E103", "numeroASP").message == (
        f"la demande {avance.numero_dossier} n'est pas une demande de solde"
    )


def test_e103_modification_d_un_solde_dans_un_fichier_de_solde(document_ttc, relais):
    solde = demande_existante(type_demande="SOLDE", beneficiaires=(finess(4),))
    ligne = en_solde(ligne_de_modification(document_ttc, solde.numero_dossier))
    valide(une_ligne(document_ttc, relais, ligne, type_demande="SOLDE"))


def test_e103_solde_d_une_avance_decidee_du_meme_beneficiaire(document_ttc, relais):
    avance = demande_existante(statut=StatutDemande.DECIDEE, beneficiaires=(FINESS_1, FINESS_2))
    resultat = une_ligne(
        document_ttc, relais, ligne_de_solde(document_ttc, avance.numero_dossier, [FINESS_1]), type_demande="SOLDE"
    )
    valide(resultat)


def test_e103_solde_sans_avance(document_ttc, relais):
    valide(une_ligne(document_ttc, relais, ligne_de_solde(document_ttc, None, [FINESS_1]), type_demande="SOLDE"))


@pytest.mark.parametrize("statut", [StatutDemande.DEPOSEE, StatutDemande.EN_INSTRUCTION, StatutDemande.REJETEE])
def test_e103_solde_d_une_avance_non_decidee(statut, document_ttc, relais):
    avance = demande_existante(statut=statut)
    resultat = une_ligne(
        document_ttc, relais, ligne_de_solde(document_ttc, avance.numero_dossier, [FINESS_1]), type_demande="SOLDE"
    )
    assert anomalie(resultat, "E103", "numeroASP").message == f"l'avance {avance.numero_dossier} n'est pas décidée"


def test_e103_solde_d_une_avance_d_un_autre_beneficiaire(document_ttc, relais):
    avance = demande_existante(statut=StatutDemande.DECIDEE, beneficiaires=(FINESS_2,))
    resultat = une_ligne(
        document_ttc, relais, ligne_de_solde(document_ttc, avance.numero_dossier, [FINESS_1]), type_demande="SOLDE"
    )
    assert anomalie(resultat, "E103", "numeroASP").message == (
        f"l'avance {avance.numero_dossier} ne concerne pas le même bénéficiaire"
    )


def test_e103_solde_d_une_avance_d_un_autre_fournisseur(document_ttc, relais):
    avance = demande_existante("cpiPFI0001", statut=StatutDemande.DECIDEE, beneficiaires=(FINESS_1,))
    resultat = une_ligne(
        document_ttc, relais, ligne_de_solde(document_ttc, avance.numero_dossier, [FINESS_1]), type_demande="SOLDE"
    )
    assert anomalie(resultat, "E103", "numeroASP").message == (
        f"la demande {avance.numero_dossier} n'existe pas parmi vos demandes"
    )


def test_e103_solde_qui_designe_un_solde(document_ttc, relais):
    autre_solde = demande_existante(type_demande="SOLDE", statut=StatutDemande.DECIDEE, beneficiaires=(FINESS_1,))
    resultat = une_ligne(
        document_ttc, relais, ligne_de_solde(document_ttc, autre_solde.numero_dossier, [FINESS_1]), type_demande="SOLDE"
    )
    assert anomalie(resultat, "E103", "numeroASP").message == (
        f"la demande {autre_solde.numero_dossier} n'est pas une avance de la solution {ANS}"
    )


def test_e104_numero_editeur_deja_utilise(document_ttc, relais):
    demande_existante(numero_editeur="00001", beneficiaires=(finess(60),))
    resultat = une_ligne(document_ttc, relais, ligne_valide(document_ttc))
    assert anomalie(resultat, "E104", "numeroEditeur").message == (
        "« 00001 » est déjà utilisé par une de vos demandes en cours"
    )


@pytest.mark.parametrize("statut", [StatutDemande.ANNULEE, StatutDemande.REJETEE])
def test_e104_numero_editeur_d_une_demande_close_reutilisable(statut, document_ttc, relais):
    demande_existante(numero_editeur="00001", statut=statut, beneficiaires=(finess(60),))
    valide(une_ligne(document_ttc, relais, ligne_valide(document_ttc)))


def test_e104_numero_editeur_d_un_autre_type_reutilisable(document_ttc, relais):
    demande_existante(numero_editeur="00001", type_demande="SOLDE", beneficiaires=(finess(60),))
    valide(une_ligne(document_ttc, relais, ligne_valide(document_ttc)))


def test_e104_numero_editeur_d_un_autre_fournisseur_reutilisable(document_ttc, relais):
    demande_existante("cpiPFI0001", numero_editeur="00001", beneficiaires=(finess(60),))
    valide(une_ligne(document_ttc, relais, ligne_valide(document_ttc)))
