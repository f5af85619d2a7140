"""Block « scenarioInstallation »: the flows the installed software uses."""

from . import regle

FLUX = (
    ("DMP", "isDirectToDMP", "isPFIToDMP"),
    ("MSSPro", "isDirectToMSSPro", "isPFIToMSSPro"),
    ("MSSCitoyen", "isDirectToMSSCitoyen", "isPFIToMSSCitoyen"),
)


@regle(
    "E501",
    champ="scenarioInstallation.operateurMessagerie",
    description="operateurMessagerie est le code d'un opérateur de messagerie connu quand un flux MSSanté "
    "est envoyé en direct (isDirectToMSSPro ou isDirectToMSSCitoyen) ; sinon il est null "
    "(les flux passant par la PFI utilisent l'opérateur de la PFI).",
)
def operateur_messagerie(ligne, contexte):
    scenario = ligne["scenarioInstallation"]
    operateur = scenario["operateurMessagerie"]
    chemin = "scenarioInstallation.operateurMessagerie"
    if scenario["isDirectToMSSPro"] or scenario["isDirectToMSSCitoyen"]:
        if operateur is None:
            yield chemin, "obligatoire quand un flux MSSanté est envoyé en direct"
        elif operateur not in contexte.operateurs:
            yield chemin, f"opérateur « {operateur} » inconnu"
    elif operateur is not None:
        yield chemin, "doit être null quand aucun flux MSSanté n'est envoyé en direct"


@regle(
    "E502",
    champ="scenarioInstallation",
    description="Pour chacun des flux DMP, MSSPro et MSSCitoyen, exactement un des deux indicateurs "
    "isDirectTo… / isPFITo… vaut true.",
)
def flux_exclusifs(ligne, contexte):
    scenario = ligne["scenarioInstallation"]
    for flux, direct, pfi in FLUX:
        if scenario[direct] == scenario[pfi]:
            yield f"scenarioInstallation.{direct}", f"flux {flux} : exactement un de {direct} et {pfi} doit valoir true"
