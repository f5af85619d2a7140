"""Content of the documentation page that is not the rule catalogue: the fields of the file,
the limits, the model files."""

from dataclasses import dataclass

from django.conf import settings

from segur_portal.formats import taille_lisible

from .moteur.format import DOSSIER_SCHEMAS, charger_schema
from .moteur.lecture import MAX_CARACTERES_NOMBRE
from .moteur.regles.ligne import MAX_NUM_LIGNE
from .moteur.regles.pieces import LONGUEUR_MAX_NOM


def _au_plus(*chemin) -> int:
    """The maxLength the published schemas give to a field of a line (the length of its column)."""
    noeud = charger_schema("AVANCE")["$defs"]["ligne"]
    for element in chemin:
        noeud = noeud["properties"][element]
        if noeud.get("type") == "array":
            noeud = noeud["items"]
    return noeud["maxLength"]


# (chemin, type JSON, description) — the tree of spec §2, in file order.
CHAMPS = [
    ("impId", "null ou entier", "Ignoré en entrée ; le fichier de sortie y porte l'identifiant de l'import."),
    ("numeroAns", "chaîne", "Numéro ANS de la solution, identique à celui choisi dans le formulaire."),
    ("siret", "chaîne", "SIRET de votre structure (14 chiffres)."),
    (
        "lignesImport",
        "tableau (au moins 1)",
        "Une demande par élément. Aucune clé ni chaîne du fichier ne peut contenir le caractère NUL (\\u0000).",
    ),
    ("lignesImport[].numLigne", "entier", f"Numéro de la demande dans le fichier, de 1 à {MAX_NUM_LIGNE}."),
    ("lignesImport[].typeAction", "chaîne", "C (création), M (modification) ou A (annulation)."),
    ("lignesImport[].numeroASP", "null ou chaîne", "Numéro de dossier ASP (FIN…M…) : null pour une création d'avance."),
    ("lignesImport[].numeroEditeur", "chaîne", "Votre référence de la demande (1 à 20 caractères A-Z a-z 0-9 _ -)."),
    ("lignesImport[].commande.dateCommande", "chaîne", "Date de la commande, JJ/MM/AAAA."),
    (
        "lignesImport[].commande.regimeTVA",
        "chaîne",
        "TTC (taux 20 % ou 8,5 %) ou HT (taux 0 %) ; le même pour toutes les demandes.",
    ),
    (
        "lignesImport[].commande.montantSegurHT",
        "nombre",
        f"Montant Ségur HT en euros, au plus 2 décimales (ex. 10750.00), écrit avec {MAX_CARACTERES_NOMBRE} "
        "caractères au plus (comme tout nombre du fichier).",
    ),
    ("lignesImport[].beneficiaires.commandePour", "chaîne", "STRUCTURE ou LIBERAL."),
    ("lignesImport[].beneficiaires.isMandataire", "booléen", "true si un mandataire agit pour le bénéficiaire."),
    (
        "lignesImport[].beneficiaires.isClientUnique",
        "booléen",
        "true si la commande concerne un seul professionnel libéral.",
    ),
    (
        "lignesImport[].beneficiaires.nomMandataire / emailMandataire / telephoneMandataire",
        "null ou chaîne",
        f"Coordonnées du mandataire, null sans mandataire ; au plus {_au_plus('beneficiaires', 'nomMandataire')}, "
        f"{_au_plus('beneficiaires', 'emailMandataire')} et {_au_plus('beneficiaires', 'telephoneMandataire')} "
        "caractères.",
    ),
    (
        "lignesImport[].beneficiaires.liberal[]",
        "tableau",
        f"Professionnels libéraux : nomMedecin ({_au_plus('beneficiaires', 'liberal', 'nomMedecin')} caractères au "
        f"plus), emailMedecin ({_au_plus('beneficiaires', 'liberal', 'emailMedecin')}), telephoneMedecin "
        f"({_au_plus('beneficiaires', 'liberal', 'telephoneMedecin')}), RPPS.",
    ),
    (
        "lignesImport[].beneficiaires.structure",
        "objet",
        f"nomResponsable ({_au_plus('beneficiaires', 'structure', 'nomResponsable')} caractères au plus), "
        f"emailResponsable ({_au_plus('beneficiaires', 'structure', 'emailResponsable')}), telephoneResponsable "
        f"({_au_plus('beneficiaires', 'structure', 'telephoneResponsable')}), FINESSJuridique "
        f"({_au_plus('beneficiaires', 'structure', 'FINESSJuridique')}), FINESSGeo (tableau de FINESS géographiques).",
    ),
    (
        "lignesImport[].piecesJustificatives[]",
        "tableau",
        "Pièces annoncées : nomFichier, formatFichier (PDF, JPG, PNG), typeFichier.",
    ),
    (
        "lignesImport[].scenarioInstallation",
        "objet",
        "isCentreDeSante, operateurMessagerie, isProSanteConnectNeeded et les flux isDirectTo… / isPFITo… "
        "(DMP, MSSPro, MSSCitoyen).",
    ),
    (
        "lignesImport[].codeTraitement",
        "null ou chaîne",
        "Ignoré en entrée ; OK ou le code de la première erreur en sortie.",
    ),
    (
        "lignesImport[].libelleTraitement",
        "null ou chaîne",
        "Ignoré en entrée ; le libellé de toutes les erreurs en sortie.",
    ),
]


def _nombre(valeur: int) -> str:
    """« 10 000 », with a non-breaking space."""
    return f"{valeur:,}".replace(",", "\u00a0")


def limites():
    """The limits the page states, read from the settings (spec §9) but the length of a piece's
    name, fixed by rule E403."""
    return {
        "taille": taille_lisible(settings.SEGUR_MAX_JSON_BYTES),
        "lignes": _nombre(settings.SEGUR_MAX_LIGNES),
        "zip": taille_lisible(settings.SEGUR_MAX_ZIP_BYTES),
        "piece": taille_lisible(settings.SEGUR_MAX_PIECE_BYTES),
        "entrees_zip": _nombre(settings.SEGUR_MAX_ENTREES_ZIP),
        "nom_piece": LONGUEUR_MAX_NOM,
    }


def message_fichier_trop_gros():
    return f"Le fichier dépasse la taille maximale autorisée ({taille_lisible(settings.SEGUR_MAX_JSON_BYTES)}) : il n'a pas été chargé."


DOSSIER_MODELES = DOSSIER_SCHEMAS / "modeles"


@dataclass(frozen=True)
class ModeleFichier:
    """A valid file offered on the documentation page: it simulates without error for the demo
    supplier RELAIS (numéro ANS mlp525off1) with the request type and the taux de TVA given here."""

    nom: str  # file name without .json, also the last part of its URL
    type_demande: str  # "avance" or "solde"
    taux_tva: str
    libelle: str

    @property
    def chemin(self):
        return DOSSIER_MODELES / f"{self.nom}.json"

    @property
    def nom_fichier(self):
        return f"{self.nom}.json"


# The two models of the ASP supplier guide (structure, TTC and HT), then a solde built on the TTC one.
MODELES = (
    ModeleFichier(
        "avance-structure-ttc",
        "avance",
        "20",
        "Demande d'avance pour une structure, régime TTC (taux de TVA 20 % ou 8,5 %)",
    ),
    ModeleFichier(
        "avance-structure-ht", "avance", "0", "Demande d'avance pour une structure, régime HT (taux de TVA 0 %)"
    ),
    ModeleFichier(
        "solde-structure-ttc",
        "solde",
        "20",
        "Demande de solde pour une structure, régime TTC (taux de TVA 20 % ou 8,5 %)",
    ),
)


def modele(nom: str) -> ModeleFichier | None:
    return next((m for m in MODELES if m.nom == nom), None)
