"""Check keys of French identifiers. Shared by the models (admin input) and the rule engine."""

import re

_DIGITS = re.compile(r"\d+")
# La Poste's establishments share one SIREN whose SIRETs follow another key (sum of digits % 5).
_SIREN_LA_POSTE = "356000000"


def luhn_valide(chiffres: str) -> bool:
    total = 0
    for rang, caractere in enumerate(reversed(chiffres)):
        valeur = ord(caractere) - 48
        if rang % 2:
            valeur *= 2
            if valeur > 9:
                valeur -= 9
        total += valeur
    return total % 10 == 0


def siret_valide(valeur: str) -> bool:
    if not isinstance(valeur, str) or len(valeur) != 14 or not _DIGITS.fullmatch(valeur):
        return False
    if valeur.startswith(_SIREN_LA_POSTE) and valeur != _SIREN_LA_POSTE + "00000":
        return sum(int(c) for c in valeur) % 5 == 0
    return luhn_valide(valeur)


def finess_valide(valeur: str) -> bool:
    """9 characters, the last one a Luhn key. Corsica's numbers start with 2A / 2B, read as 20."""
    if not isinstance(valeur, str) or len(valeur) != 9:
        return False
    chiffres = valeur
    if valeur[:2] in ("2A", "2B"):
        chiffres = "20" + valeur[2:]
    return bool(_DIGITS.fullmatch(chiffres)) and luhn_valide(chiffres)


def rpps_valide(valeur: str) -> bool:
    return isinstance(valeur, str) and len(valeur) == 11 and bool(_DIGITS.fullmatch(valeur)) and luhn_valide(valeur)


def valider_siret(valeur):
    from django.core.exceptions import ValidationError

    if not siret_valide(valeur):
        raise ValidationError("SIRET invalide : 14 chiffres avec une clé de contrôle correcte.")


_TELEPHONE_FR = re.compile(r"(?:0|\+33|0033)[1-9]\d{8}")
_SEPARATEURS_TELEPHONE = str.maketrans("", "", " .-")


def telephone_fr_valide(valeur) -> bool:
    """A French number: 0X XX XX XX XX, optionally written +33 / 0033, with spaces, dots or dashes."""
    return isinstance(valeur, str) and bool(_TELEPHONE_FR.fullmatch(valeur.translate(_SEPARATEURS_TELEPHONE)))


def email_valide(valeur) -> bool:
    from django.core.exceptions import ValidationError
    from django.core.validators import validate_email

    if not isinstance(valeur, str) or not valeur:
        return False
    try:
        validate_email(valeur)
    except ValidationError:
        return False
    return True
