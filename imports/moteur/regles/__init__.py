"""The rule catalogue: every line rule with its code, field, description and check.

A rule is declared once, with `@regle(...)`, in the module of its block; the simulation, the
real import, the command line and the documentation page all read this one catalogue.
Line rules yield (chemin, message) for one line; file rules (duplicates across lines) yield
(rang, chemin, message) for every line involved.
"""

from collections.abc import Callable
from dataclasses import dataclass

LIGNE = "ligne"
FICHIER = "fichier"


@dataclass(frozen=True)
class Regle:
    code: str
    champ: str
    description: str
    verifier: Callable
    portee: str = LIGNE
    bloc: str = ""


CATALOGUE: list[Regle] = []


def regle(code, *, champ, description, portee=LIGNE):
    def enregistrer(fonction):
        bloc = fonction.__module__.rsplit(".", 1)[-1]
        CATALOGUE.append(
            Regle(code=code, champ=champ, description=description, verifier=fonction, portee=portee, bloc=bloc)
        )
        return fonction

    return enregistrer


def catalogue() -> list[Regle]:
    """The rules in code order (importing the block modules registers them)."""
    from . import beneficiaires, commande, ligne, pieces, scenario  # noqa: F401

    return sorted(CATALOGUE, key=lambda r: r.code)
