"""Block « scenarioInstallation » (imports/moteur/regles/scenario.py), rules E501–E502: the installation
scenario of the solution. For each code, lines that fail it and lines that pass it (spec §3)."""

import pytest

from tests.moteur.outils import verifier_echec, verifier_reussite

# --- One line, one change: the failing cases ---------------------------------------------

# (base, changes, code, chemin, words the supplier reads in the message)
ECHECS = {
    "E501 direct sans opérateur": (
        "structure",
        {"scenarioInstallation.operateurMessagerie": None},
        "E501",
        "scenarioInstallation.operateurMessagerie",
        "obligatoire quand un flux MSSanté est envoyé en direct",
    ),
    "E501 opérateur inconnu": (
        "structure",
        {"scenarioInstallation.operateurMessagerie": "MAI_99"},
        "E501",
        "scenarioInstallation.operateurMessagerie",
        "opérateur « MAI_99 » inconnu",
    ),
    "E501 opérateur sans flux direct": (
        "structure",
        {
            "scenarioInstallation.isDirectToMSSPro": False,
            "scenarioInstallation.isPFIToMSSPro": True,
            "scenarioInstallation.isDirectToMSSCitoyen": False,
            "scenarioInstallation.isPFIToMSSCitoyen": True,
        },
        "E501",
        "scenarioInstallation.operateurMessagerie",
        "doit être null quand aucun flux MSSanté",
    ),
    "E502 DMP deux fois": (
        "structure",
        {"scenarioInstallation.isDirectToDMP": True},
        "E502",
        "scenarioInstallation.isDirectToDMP",
        "flux DMP : exactement un de isDirectToDMP et isPFIToDMP doit valoir true",
    ),
    "E502 MSSPro aucun": (
        "structure",
        {"scenarioInstallation.isDirectToMSSPro": False},
        "E502",
        "scenarioInstallation.isDirectToMSSPro",
        "flux MSSPro",
    ),
    "E502 MSSCitoyen deux fois": (
        "structure",
        {"scenarioInstallation.isPFIToMSSCitoyen": True},
        "E502",
        "scenarioInstallation.isDirectToMSSCitoyen",
        "flux MSSCitoyen",
    ),
}


@pytest.mark.parametrize("cas", list(ECHECS), ids=list(ECHECS))
def test_une_ligne_en_erreur(cas, document_ttc, relais):
    verifier_echec(ECHECS[cas], document_ttc, relais)


# --- One line, one change: variations that stay within the rule ---------------------------

# (base, changes, code that must NOT appear, whether the whole line is then valid)
REUSSITES = {
    "E501 autre opérateur connu": ("structure", {"scenarioInstallation.operateurMessagerie": "API_35"}, "E501", True),
    "E501 flux MSSanté par la PFI sans opérateur": (
        "structure",
        {
            "scenarioInstallation.operateurMessagerie": None,
            "scenarioInstallation.isDirectToMSSPro": False,
            "scenarioInstallation.isPFIToMSSPro": True,
            "scenarioInstallation.isDirectToMSSCitoyen": False,
            "scenarioInstallation.isPFIToMSSCitoyen": True,
        },
        "E501",
        True,
    ),
    "E502 DMP en direct": (
        "structure",
        {"scenarioInstallation.isDirectToDMP": True, "scenarioInstallation.isPFIToDMP": False},
        "E502",
        True,
    ),
}


@pytest.mark.parametrize("cas", list(REUSSITES), ids=list(REUSSITES))
def test_une_ligne_sans_cette_erreur(cas, document_ttc, relais):
    verifier_reussite(REUSSITES[cas], document_ttc, relais)
