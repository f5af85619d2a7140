"""Block « commande »: date, VAT regime and amount of the order."""

import datetime
import re
from decimal import Decimal

from demandes.valeurs import RegimeTVA
from segur_portal.formats import date_jour

from . import regle

_DATE = re.compile(r"(\d{2})/(\d{2})/(\d{4})", re.ASCII)
DELAI_AVANT_REFERENCEMENT = datetime.timedelta(days=120)


def lire_date(valeur):
    """JJ/MM/AAAA -> date, or None when it is not a real date in that form."""
    correspondance = _DATE.fullmatch(valeur)
    if not correspondance:
        return None
    jour, mois, annee = (int(x) for x in correspondance.groups())
    try:
        return datetime.date(annee, mois, jour)
    except ValueError:
        return None


@regle("E201", champ="commande.dateCommande", description="dateCommande est une date réelle au format JJ/MM/AAAA.")
def date_commande(ligne, contexte):
    valeur = ligne["commande"]["dateCommande"]
    if lire_date(valeur) is None:
        yield "commande.dateCommande", f"« {valeur} » n'est pas une date valide au format JJ/MM/AAAA"


@regle("E202", champ="commande.dateCommande", description="dateCommande n'est pas postérieure au jour du dépôt.")
def date_commande_passee(ligne, contexte):
    date = lire_date(ligne["commande"]["dateCommande"])
    if date is not None and date > contexte.aujourdhui:
        yield (
            "commande.dateCommande",
            f"la date de commande {date_jour(date)} est postérieure au jour du dépôt ({date_jour(contexte.aujourdhui)})",
        )


@regle(
    "E203",
    champ="commande.dateCommande",
    description="dateCommande n'est pas antérieure de plus de 120 jours à la date de référencement de la solution.",
)
def date_commande_referencement(ligne, contexte):
    date = lire_date(ligne["commande"]["dateCommande"])
    limite = contexte.solution.date_referencement - DELAI_AVANT_REFERENCEMENT
    if date is not None and date < limite:
        yield (
            "commande.dateCommande",
            (
                f"la date de commande {date_jour(date)} est antérieure de plus de 120 jours au référencement de la "
                f"solution ({date_jour(contexte.solution.date_referencement)}) : au plus tôt le {date_jour(limite)}"
            ),
        )


@regle("E204", champ="commande.regimeTVA", description="regimeTVA vaut TTC ou HT.")
def regime_tva(ligne, contexte):
    valeur = ligne["commande"]["regimeTVA"]
    if valeur not in RegimeTVA.values:
        yield "commande.regimeTVA", f"valeur « {valeur} » inconnue : TTC ou HT attendu"


def _montant(ligne):
    valeur = ligne["commande"]["montantSegurHT"]
    return valeur if isinstance(valeur, Decimal) else Decimal(valeur)


def _decimales_en_trop(montant: Decimal) -> bool:
    # Read on the digits rather than by rounding: 10750.000 is fine, 10750.001 is not, and a
    # 40-digit number cannot overflow the decimal context.
    _, chiffres, exposant = montant.as_tuple()
    return isinstance(exposant, int) and exposant < -2 and any(chiffres[exposant + 2 :])


@regle(
    "E205",
    champ="commande.montantSegurHT",
    description="montantSegurHT est strictement positif, avec au plus 2 décimales.",
)
def montant_positif(ligne, contexte):
    montant = _montant(ligne)
    if montant <= 0:
        yield "commande.montantSegurHT", f"le montant doit être strictement positif (reçu : {montant})"
    elif _decimales_en_trop(montant):
        yield "commande.montantSegurHT", f"au plus 2 décimales (reçu : {montant})"


@regle(
    "E206", champ="commande.montantSegurHT", description="montantSegurHT ne dépasse pas le plafond HT de la solution."
)
def montant_plafond(ligne, contexte):
    montant = _montant(ligne)
    plafond = contexte.solution.plafond_ht
    if montant > plafond:
        yield "commande.montantSegurHT", f"le montant {montant} € dépasse le plafond HT de la solution ({plafond} €)"
