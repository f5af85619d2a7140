"""How the portal writes a size, a date or an amount for a person: on its pages, in its messages
and in its CSV exports. Imports no app (see the import contracts in pyproject.toml)."""

import datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

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


# French typography (and the CLDR's French locale): thousands grouped by a narrow no-break space,
# a no-break space between a number and its unit. Neither lets a line break split the amount.
ESPACE_FINE_INSECABLE = "\u202f"
ESPACE_INSECABLE = "\u00a0"
CENTIMES = Decimal("0.01")


def montant(valeur: Decimal | int | str | None) -> str:
    """An amount for a person, on a page: « 10 750,00 € » (thousands separated by a narrow no-break
    space, decimal comma, two decimals, a no-break space before the euro sign), « -1 234,50 € »,
    « 0,00 € »; « — » when there is no amount. A value that is not a number is shown as is."""
    if valeur is None or valeur == "":
        return "—"
    try:
        nombre = Decimal(valeur)
        if not nombre.is_finite():
            return str(valeur)
        nombre = nombre.quantize(CENTIMES, rounding=ROUND_HALF_UP)
    except (InvalidOperation, TypeError, ValueError):
        return str(valeur)
    entiers, centimes = f"{abs(nombre):.2f}".split(".")
    milliers = f"{int(entiers):,}".replace(",", ESPACE_FINE_INSECABLE)
    signe = "-" if nombre < 0 else ""
    return f"{signe}{milliers},{centimes}{ESPACE_INSECABLE}€"


def montant_tableur(valeur: Decimal) -> str:
    """An amount in a CSV export, as a French spreadsheet reads a number: decimal comma, no
    thousands separator and no unit (« 10750,50 », « -10,50 »), so that it stays a number."""
    return str(valeur).replace(".", ",")


def masquer_iban(iban: str) -> str:
    """« FR76 •••• •••• •••• •••• •••• 189 »: enough to recognise the account, not to use it."""
    compact = "".join((iban or "").split())
    if len(compact) < 8:
        return "•" * len(compact)
    masque = compact[:4] + "•" * (len(compact) - 7) + compact[-3:]
    return " ".join(masque[i : i + 4] for i in range(0, len(masque), 4))
