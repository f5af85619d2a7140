"""Le numéro de dossier ASP, in one place: « FIN » + the couloir's code (3 letters) + a 6-digit
sequence make the base (FINHOP004139), stored in `Demande.numero` and never changed; « M » + the
version (0, then +1 at each modification by a typeAction M line) completes the number shown to
suppliers and written as numeroASP (FINHOP004139M2)."""

import re
from typing import NamedTuple

PREFIXE = "FIN"
LONGUEUR_BASE = 12  # FIN + 3 letters + 6 digits
_NUMERO = re.compile(r"(FIN[A-Z]{3}[0-9]{6})M([0-9]+)")


class NumeroDossier(NamedTuple):
    base: str
    version: int

    def __str__(self) -> str:
        return formater(self.base, self.version)


def formater(base: str, version: int) -> str:
    """("FINHOP004139", 2) -> "FINHOP004139M2"."""
    return f"{base}M{version}"


def decouper(valeur: object) -> NumeroDossier | None:
    """ "FINHOP004139M2" -> NumeroDossier("FINHOP004139", 2); None when it is not a dossier number."""
    if not isinstance(valeur, str):
        return None
    correspondance = _NUMERO.fullmatch(valeur)
    if not correspondance:
        return None
    return NumeroDossier(correspondance.group(1), int(correspondance.group(2)))


def base_de(valeur: object) -> str | None:
    """The base of a dossier number, None when it is not one."""
    decoupe = decouper(valeur)
    return decoupe.base if decoupe else None


def est_valide(valeur: object) -> bool:
    return decouper(valeur) is not None


def bases_suivantes(code_couloir: str, dernier_attribue: int, nombre: int) -> list[str]:
    """The `nombre` bases that follow the couloir's last sequence number given."""
    return [
        f"{PREFIXE}{code_couloir}{sequence:06d}"
        for sequence in range(dernier_attribue + 1, dernier_attribue + nombre + 1)
    ]


def partie_recherchee(saisie: str) -> str:
    """What a search box's « FINMDV000001M0 » (or a part of it) looks for in the stored base:
    upper case, the version suffix dropped (the base carries no version)."""
    saisie = saisie.strip().upper()
    if len(saisie) > LONGUEUR_BASE and saisie[LONGUEUR_BASE] == "M":
        return saisie[:LONGUEUR_BASE]
    return saisie
