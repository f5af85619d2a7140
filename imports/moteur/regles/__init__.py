"""The rule catalogue: every line rule with its code, field, description and check.

A rule is declared once, with `@regle(...)`, in the module of its block; the simulation, the
real import, the command line and the documentation page all read this one catalogue.
Line rules yield (chemin, message) for one line; file rules (duplicates across lines) yield
(rang, chemin, message) for every line involved.

A rule that reads what imports write (the live demandes and beneficiaries of the context:
`numeros_editeur_vivants`, `demandes_referencees`, `beneficiaires_vivants`) is declared with
`lit_la_base=True`: the real import checks every other rule before it takes the couloir's lock and
runs only these ones again under the lock, on a context reloaded there (what another import of the
couloir committed meanwhile). The simulation runs them all.
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
    lit_la_base: bool = False  # reads the live demandes / beneficiaries: checked again under the lock


CATALOGUE: list[Regle] = []


def regle(code: str, *, champ: str, description: str, portee: str = LIGNE, lit_la_base: bool = False) -> Callable:
    def enregistrer(fonction: Callable) -> Callable:
        bloc = fonction.__module__.rsplit(".", 1)[-1]
        CATALOGUE.append(
            Regle(
                code=code,
                champ=champ,
                description=description,
                verifier=fonction,
                portee=portee,
                bloc=bloc,
                lit_la_base=lit_la_base,
            )
        )
        return fonction

    return enregistrer


def catalogue() -> list[Regle]:
    """The rules in code order (importing the block modules registers them)."""
    from . import beneficiaires, commande, ligne, pieces, scenario  # noqa: F401

    return sorted(CATALOGUE, key=lambda r: r.code)
