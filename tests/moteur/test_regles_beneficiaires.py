"""Block « beneficiaires » (imports/moteur/regles/beneficiaires.py), rules E301–E306: the structure or the
libéraux funded, and the mandataire. For each code, lines that fail it and lines that pass it (spec §3);
a beneficiary in several lines of the file (E305); a beneficiary already funded in the database (E306)."""

import pytest

from demandes.valeurs import StatutDemande
from tests.documents import (
    FINESS_1,
    FINESS_2,
    SIRET_HOPITAL,
    SIRET_UNIKALO,
    en_liberal,
    fichier,
    finess,
    ligne_valide,
    medecin,
    rpps,
)
from tests.factories import creer_solution, demande_existante
from tests.moteur.outils import (
    anomalie,
    codes,
    lancer,
    ligne_de_solde,
    une_ligne,
    valide,
    verifier_echec,
    verifier_reussite,
)

# --- One line, one change: the failing cases ---------------------------------------------

# (base, changes, code, chemin, words the supplier reads in the message)
ECHECS = {
    "E301 inconnu": (
        "structure",
        {"beneficiaires.commandePour": "ENTREPRISE"},
        "E301",
        "beneficiaires.commandePour",
        "« ENTREPRISE » inconnue : STRUCTURE ou LIBERAL",
    ),
    "E302 clé FINESSGeo (exemple de la spec)": (
        "structure",
        {"beneficiaires.structure.FINESSGeo[1]": "020015112"},
        "E302",
        "beneficiaires.structure.FINESSGeo[1]",
        "clé FINESS invalide (020015112)",
    ),
    "E302 FINESSGeo 8 caractères": (
        "structure",
        {"beneficiaires.structure.FINESSGeo[0]": "02001577"},
        "E302",
        "beneficiaires.structure.FINESSGeo[0]",
        "(02001577)",
    ),
    "E302 FINESSGeo vide": (
        "structure",
        {"beneficiaires.structure.FINESSGeo": []},
        "E302",
        "beneficiaires.structure.FINESSGeo",
        "au moins un FINESS géographique",
    ),
    "E302 FINESSGeo en double": (
        "structure",
        {"beneficiaires.structure.FINESSGeo": [FINESS_1, FINESS_1]},
        "E302",
        "beneficiaires.structure.FINESSGeo[1]",
        f"FINESS {FINESS_1} en double",
    ),
    "E302 FINESSJuridique clé": (
        "structure",
        {"beneficiaires.structure.FINESSJuridique": "020015088"},
        "E302",
        "beneficiaires.structure.FINESSJuridique",
        "clé FINESS invalide (020015088)",
    ),
    "E302 FINESSJuridique null": (
        "structure",
        {"beneficiaires.structure.FINESSJuridique": None},
        "E302",
        "beneficiaires.structure.FINESSJuridique",
        "clé FINESS invalide",
    ),
    "E302 nomResponsable blanc": (
        "structure",
        {"beneficiaires.structure.nomResponsable": "  "},
        "E302",
        "beneficiaires.structure.nomResponsable",
        "nom du responsable obligatoire",
    ),
    "E302 email": (
        "structure",
        {"beneficiaires.structure.emailResponsable": "durand@"},
        "E302",
        "beneficiaires.structure.emailResponsable",
        "adresse électronique invalide (durand@)",
    ),
    "E302 téléphone étranger": (
        "structure",
        {"beneficiaires.structure.telephoneResponsable": "+44 20 7946 0958"},
        "E302",
        "beneficiaires.structure.telephoneResponsable",
        "numéro de téléphone français invalide (+44 20 7946 0958)",
    ),
    "E302 téléphone trop court": (
        "structure",
        {"beneficiaires.structure.telephoneResponsable": "064512451"},
        "E302",
        "beneficiaires.structure.telephoneResponsable",
        "(064512451)",
    ),
    "E302 liberal non vide": (
        "structure",
        {
            "beneficiaires.liberal": [
                {
                    "nomMedecin": "MARTIN",
                    "emailMedecin": "m@cabinet.fr",
                    "telephoneMedecin": "0612345678",
                    "RPPS": "10000000009",
                }
            ]
        },
        "E302",
        "beneficiaires.liberal",
        "doit être vide pour une commande pour une STRUCTURE",
    ),
    "E303 liberal vide": (
        "liberal",
        {"beneficiaires.liberal": [], "beneficiaires.isClientUnique": False},
        "E303",
        "beneficiaires.liberal",
        "au moins un professionnel libéral",
    ),
    "E303 clé RPPS": (
        "liberal",
        {"beneficiaires.liberal[0].RPPS": "10000000008"},
        "E303",
        "beneficiaires.liberal[0].RPPS",
        "RPPS invalide : 11 chiffres avec une clé valide (10000000008)",
    ),
    "E303 RPPS 10 chiffres": (
        "liberal",
        {"beneficiaires.liberal[0].RPPS": "1000000000"},
        "E303",
        "beneficiaires.liberal[0].RPPS",
        "(1000000000)",
    ),
    "E303 RPPS null": (
        "liberal",
        {"beneficiaires.liberal[0].RPPS": None},
        "E303",
        "beneficiaires.liberal[0].RPPS",
        "RPPS invalide",
    ),
    "E303 email médecin": (
        "liberal",
        {"beneficiaires.liberal[0].emailMedecin": "martin.cabinet.fr"},
        "E303",
        "beneficiaires.liberal[0].emailMedecin",
        "adresse électronique invalide (martin.cabinet.fr)",
    ),
    "E303 téléphone médecin": (
        "liberal",
        {"beneficiaires.liberal[0].telephoneMedecin": "12"},
        "E303",
        "beneficiaires.liberal[0].telephoneMedecin",
        "numéro de téléphone français invalide (12)",
    ),
    "E303 nom médecin": (
        "liberal",
        {"beneficiaires.liberal[0].nomMedecin": None},
        "E303",
        "beneficiaires.liberal[0].nomMedecin",
        "nom du médecin obligatoire",
    ),
    "E303 champ de structure renseigné": (
        "liberal",
        {"beneficiaires.structure.nomResponsable": "DURAND"},
        "E303",
        "beneficiaires.structure.nomResponsable",
        "doit être null ou vide pour une commande pour des LIBERAL",
    ),
    "E303 FINESSGeo renseigné": (
        "liberal",
        {"beneficiaires.structure.FINESSGeo": [FINESS_1]},
        "E303",
        "beneficiaires.structure.FINESSGeo",
        "doit être vide",
    ),
    "E304 mandataire sans nom": (
        "mandataire",
        {"beneficiaires.nomMandataire": None},
        "E304",
        "beneficiaires.nomMandataire",
        "nom du mandataire obligatoire",
    ),
    "E304 mandataire email": (
        "mandataire",
        {"beneficiaires.emailMandataire": "contact"},
        "E304",
        "beneficiaires.emailMandataire",
        "adresse électronique invalide (contact)",
    ),
    "E304 mandataire téléphone": (
        "mandataire",
        {"beneficiaires.telephoneMandataire": None},
        "E304",
        "beneficiaires.telephoneMandataire",
        "numéro de téléphone français invalide",
    ),
    "E304 pas mandataire mais nom": (
        "structure",
        {"beneficiaires.nomMandataire": "CABINET"},
        "E304",
        "beneficiaires.nomMandataire",
        "doit être null quand isMandataire vaut false",
    ),
}


@pytest.mark.parametrize("cas", list(ECHECS), ids=list(ECHECS))
def test_une_ligne_en_erreur(cas, document_ttc, relais):
    verifier_echec(ECHECS[cas], document_ttc, relais)


# --- One line, one change: variations that stay within the rule ---------------------------

# (base, changes, code that must NOT appear, whether the whole line is then valid)
REUSSITES = {
    "E301 LIBERAL": ("liberal", {}, "E301", True),
    "E302 téléphone +33 avec espaces": (
        "structure",
        {"beneficiaires.structure.telephoneResponsable": "+33 6 45 12 45 12"},
        "E302",
        True,
    ),
    "E302 téléphone avec points": (
        "structure",
        {"beneficiaires.structure.telephoneResponsable": "06.45.12.45.12"},
        "E302",
        True,
    ),
    "E302 FINESS corse 2A": ("structure", {"beneficiaires.structure.FINESSGeo": ["2A0000016"]}, "E302", True),
    "E302 un seul FINESSGeo": ("structure", {"beneficiaires.structure.FINESSGeo": [FINESS_2]}, "E302", True),
    "E303 deux libéraux sans client unique": (
        "liberal",
        {"beneficiaires.liberal": [medecin(0, rpps(1)), medecin(1, rpps(2))], "beneficiaires.isClientUnique": False},
        "E303",
        True,
    ),
    "E303 champs de structure vides": (
        "liberal",
        {
            "beneficiaires.structure.nomResponsable": "",
            "beneficiaires.structure.emailResponsable": "",
            "beneficiaires.structure.FINESSJuridique": "",
        },
        "E303",
        True,
    ),
    "E304 mandataire complet avec mandat": ("mandataire", {}, "E304", True),
    "E304 pas de mandataire": ("structure", {"beneficiaires.isMandataire": False}, "E304", True),
}


@pytest.mark.parametrize("cas", list(REUSSITES), ids=list(REUSSITES))
def test_une_ligne_sans_cette_erreur(cas, document_ttc, relais):
    verifier_reussite(REUSSITES[cas], document_ttc, relais)


# --- Duplicates inside the file: every line involved is flagged -------------------------------


def test_e305_finess_dans_deux_lignes(document_ttc, relais):
    premiere = ligne_valide(document_ttc, 1, geo=[FINESS_1, finess(1)])
    seconde = ligne_valide(document_ttc, 2, geo=[finess(2), FINESS_1])
    simulation = lancer(fichier(document_ttc, premiere, seconde), relais)
    assert anomalie(simulation.lignes[0], "E305", "beneficiaires.structure.FINESSGeo[0]").message == (
        f"le bénéficiaire {FINESS_1} figure aussi en demande n° 2"
    )
    assert anomalie(simulation.lignes[1], "E305", "beneficiaires.structure.FINESSGeo[1]").message == (
        f"le bénéficiaire {FINESS_1} figure aussi en demande n° 1"
    )


def test_e305_rpps_dans_trois_lignes(document_ttc, relais):
    lignes = [en_liberal(ligne_valide(document_ttc, n), rpps(5)) for n in (1, 2, 3)]
    simulation = lancer(fichier(document_ttc, *lignes), relais)
    for resultat, autres in zip(simulation.lignes, ("2, 3", "1, 3", "1, 2"), strict=False):
        assert anomalie(resultat, "E305", "beneficiaires.liberal[0].RPPS").message == (
            f"le bénéficiaire {rpps(5)} figure aussi en demande n° {autres}"
        )


def test_e305_beneficiaires_distincts(document_ttc, relais):
    lignes = [
        ligne_valide(document_ttc, 1),
        en_liberal(ligne_valide(document_ttc, 2), rpps(1)),
        en_liberal(ligne_valide(document_ttc, 3), rpps(2)),
    ]
    simulation = lancer(fichier(document_ttc, *lignes), relais)
    assert simulation.reussie, [l.libelle_traitement() for l in simulation.lignes]


def test_e305_une_annulation_ne_compte_pas(document_ttc, relais):
    existante = demande_existante(beneficiaires=(finess(9),))
    annulation = ligne_valide(document_ttc, 1, geo=[finess(9)])
    annulation.update(typeAction="A", numeroASP=existante.numero_dossier)
    creation = ligne_valide(document_ttc, 2, geo=[finess(9)])
    simulation = lancer(fichier(document_ttc, annulation, creation), relais)
    assert all("E305" not in codes(ligne) for ligne in simulation.lignes)
    valide(simulation.lignes[0])


# --- E103 / E104 / E306: what the database already holds ---------------------------------------


def test_e306_beneficiaire_deja_finance_par_un_autre_fournisseur(document_ttc, relais, demo):
    concurrente = creer_solution(demo[SIRET_UNIKALO], "concLGC001", "MDV", "LGC")
    autre = demande_existante(concurrente.numero_ans, beneficiaires=(FINESS_1,))
    resultat = une_ligne(document_ttc, relais, ligne_valide(document_ttc, geo=[finess(1), FINESS_1]))
    message = anomalie(resultat, "E306", "beneficiaires.structure.FINESSGeo[1]").message
    assert message == f"le bénéficiaire {FINESS_1} a déjà une demande d'avance en cours pour une solution MDV / LGC"
    assert autre.numero not in resultat.libelle_traitement()
    assert "beneficiaires.structure.FINESSGeo[0]" not in [a.chemin for a in resultat.anomalies]


def test_e306_libéral_deja_finance(document_ttc, relais, demo):
    concurrente = creer_solution(demo[SIRET_HOPITAL], "concLGC002", "MDV", "LGC")
    demande_existante(concurrente.numero_ans, statut=StatutDemande.DECIDEE, beneficiaires=(rpps(7),))
    resultat = une_ligne(document_ttc, relais, en_liberal(ligne_valide(document_ttc), rpps(7)))
    assert f"le bénéficiaire {rpps(7)}" in anomalie(resultat, "E306", "beneficiaires.liberal[0].RPPS").message


def test_e306_sa_propre_demande_en_cours_est_citee(document_ttc, relais):
    mienne = demande_existante(beneficiaires=(FINESS_1,))
    resultat = une_ligne(document_ttc, relais, ligne_valide(document_ttc, geo=[FINESS_1]))
    assert anomalie(resultat, "E306", "beneficiaires.structure.FINESSGeo[0]").message.endswith(
        f"MDV / LGC ({mienne.numero_dossier})"
    )


@pytest.mark.parametrize("statut", [StatutDemande.ANNULEE, StatutDemande.REJETEE])
def test_e306_demande_annulee_ou_rejetee_ne_bloque_pas(statut, document_ttc, relais, demo):
    concurrente = creer_solution(demo[SIRET_UNIKALO], "concLGC003", "MDV", "LGC")
    demande_existante(concurrente.numero_ans, statut=statut, beneficiaires=(FINESS_1,))
    valide(une_ligne(document_ttc, relais, ligne_valide(document_ttc, geo=[FINESS_1])))


def test_e306_autre_couloir_ou_logiciel_ne_bloque_pas(document_ttc, relais, demo):
    demande_existante("cpiPFI0001", beneficiaires=(FINESS_1,))  # HOP / PFI
    creer_solution(demo[SIRET_UNIKALO], "concDPI001", "MDV", "DPI")
    demande_existante("concDPI001", beneficiaires=(FINESS_1,))  # MDV / DPI
    creer_solution(demo[SIRET_UNIKALO], "concLGC004", "HOP", "LGC")
    demande_existante("concLGC004", beneficiaires=(FINESS_1,))  # HOP / LGC
    valide(une_ligne(document_ttc, relais, ligne_valide(document_ttc, geo=[FINESS_1])))


def test_e306_avance_en_cours_ne_bloque_pas_un_solde(document_ttc, relais, demo):
    concurrente = creer_solution(demo[SIRET_UNIKALO], "concLGC005", "MDV", "LGC")
    demande_existante(concurrente.numero_ans, type_demande="AVANCE", beneficiaires=(FINESS_1,))
    valide(une_ligne(document_ttc, relais, ligne_de_solde(document_ttc, None, [FINESS_1]), type_demande="SOLDE"))


def test_e306_solde_deja_en_cours(document_ttc, relais, demo):
    concurrente = creer_solution(demo[SIRET_UNIKALO], "concLGC006", "MDV", "LGC")
    autre = demande_existante(concurrente.numero_ans, type_demande="SOLDE", beneficiaires=(FINESS_1,))
    resultat = une_ligne(document_ttc, relais, ligne_de_solde(document_ttc, None, [FINESS_1]), type_demande="SOLDE")
    message = anomalie(resultat, "E306", "beneficiaires.structure.FINESSGeo[0]").message
    assert "a déjà une demande de solde en cours" in message and autre.numero not in message
