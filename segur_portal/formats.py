"""How the portal writes a size, a date or an amount for a person: on its pages, in its messages
and in its CSV exports. Imports no app (see the import contracts in pyproject.toml)."""

import datetime
from decimal import Decimal

from django.utils import timezone

KO, MO, GO = 1024, 1024**2, 1024**3


def taille_lisible(octets: int) -> str:
    """A limit, stated exactly: « 20 Mo », or the exact count of bytes when the limit is not a
    whole number of Mo (« 20 971 521 octets »)."""
    if octets % MO == 0:
        return f"{octets // MO} Mo"
    return f"{octets:,} octets".replace(",", " ")


def taille_humaine(octets: int) -> str:
    """A measured size, rounded to one decimal: « 512 octets », « 9,8 Ko », « 51,2 Mo », « 5 Go »."""
    for unite, facteur in (("Go", GO), ("Mo", MO), ("Ko", KO)):
        if octets >= facteur:
            valeur = f"{octets / facteur:.1f}".removesuffix(".0").replace(".", ",")
            return f"{valeur} {unite}"
    return f"{octets} octets"


def date_locale(moment: datetime.datetime) -> str:
    """The day of a moment in the portal's time zone (Paris): « 05/03/2024 » for 4 March 2024
    at 23:30 UTC."""
    return timezone.localtime(moment).strftime("%d/%m/%Y")


def date_jour(jour: datetime.date) -> str:
    """A calendar date: « 24/11/2021 »."""
    return jour.strftime("%d/%m/%Y")


def montant(valeur: Decimal) -> str:
    """An amount as a French spreadsheet reads a number: decimal comma, no thousands separator
    (« 10750,50 », « -10,50 »)."""
    return str(valeur).replace(".", ",")
