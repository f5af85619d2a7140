"""Content of the documentation page that is not the rule catalogue: the fields of the file,
the limits, the model files."""
from django.conf import settings

from .engine.format import DOSSIER_SCHEMAS

# (chemin, type JSON, description) — the tree of spec §2, in file order.
CHAMPS = [
    ("impId", "null ou entier", "Ignoré en entrée ; le fichier de sortie y porte l'identifiant de l'import."),
    ("numeroAns", "chaîne", "Numéro ANS de la solution, identique à celui choisi dans le formulaire."),
    ("siret", "chaîne", "SIRET de votre structure (14 chiffres)."),
    ("lignesImport", "tableau (au moins 1)", "Une demande par élément."),
    ("lignesImport[].numLigne", "entier", "Numéro de la demande dans le fichier, à partir de 1."),
    ("lignesImport[].typeAction", "chaîne", "C (création), M (modification) ou A (annulation)."),
    ("lignesImport[].numeroASP", "null ou chaîne", "Numéro de dossier ASP (FIN…M…) : null pour une création d'avance."),
    ("lignesImport[].numeroEditeur", "chaîne", "Votre référence de la demande (1 à 20 caractères A-Z a-z 0-9 _ -)."),
    ("lignesImport[].commande.dateCommande", "chaîne", "Date de la commande, JJ/MM/AAAA."),
    ("lignesImport[].commande.regimeTVA", "chaîne", "TTC (taux 20 % ou 8,5 %) ou HT (taux 0 %) ; le même pour toutes les demandes."),
    ("lignesImport[].commande.montantSegurHT", "nombre", "Montant Ségur HT en euros, au plus 2 décimales (ex. 10750.00)."),
    ("lignesImport[].beneficiaires.commandePour", "chaîne", "STRUCTURE ou LIBERAL."),
    ("lignesImport[].beneficiaires.isMandataire", "booléen", "true si un mandataire agit pour le bénéficiaire."),
    ("lignesImport[].beneficiaires.isClientUnique", "booléen", "true si la commande concerne un seul professionnel libéral."),
    ("lignesImport[].beneficiaires.nomMandataire / emailMandataire / telephoneMandataire", "null ou chaîne",
     "Coordonnées du mandataire, null sans mandataire."),
    ("lignesImport[].beneficiaires.liberal[]", "tableau", "Professionnels libéraux : nomMedecin, emailMedecin, telephoneMedecin, RPPS."),
    ("lignesImport[].beneficiaires.structure", "objet",
     "nomResponsable, emailResponsable, telephoneResponsable, FINESSJuridique, FINESSGeo (tableau de FINESS géographiques)."),
    ("lignesImport[].piecesJustificatives[]", "tableau", "Pièces annoncées : nomFichier, formatFichier (PDF, JPG, PNG), typeFichier."),
    ("lignesImport[].scenarioInstallation", "objet",
     "isCentreDeSante, operateurMessagerie, isProSanteConnectNeeded et les flux isDirectTo… / isPFITo… "
     "(DMP, MSSPro, MSSCitoyen)."),
    ("lignesImport[].codeTraitement", "null ou chaîne", "Ignoré en entrée ; OK ou le code de la première erreur en sortie."),
    ("lignesImport[].libelleTraitement", "null ou chaîne", "Ignoré en entrée ; le libellé de toutes les erreurs en sortie."),
]


def taille_lisible(octets: int) -> str:
    """20 Mo, or the exact count of bytes when the limit is not a whole number of Mo."""
    if octets % (1024 * 1024) == 0:
        return f"{octets // (1024 * 1024)} Mo"
    return f"{octets:,} octets".replace(",", " ")


def limites():
    return {"taille": taille_lisible(settings.SEGUR_MAX_JSON_BYTES), "lignes": settings.SEGUR_MAX_LIGNES}


def message_fichier_trop_gros():
    return f"Le fichier dépasse la taille maximale autorisée ({taille_lisible(settings.SEGUR_MAX_JSON_BYTES)}) : il n'a pas été chargé."


def chemin_modele(type_demande: str):
    return DOSSIER_SCHEMAS / f"modele-{type_demande}.json"
