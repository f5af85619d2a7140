"""Compatibility module, no test: the helpers of the former tests/test_ecrans.py, for the modules
written against it (tests/test_import_reel.py). Import them from their home instead: tests/pages.py
(reading pages), tests/parcours.py (acting as a supplier), tests/documents.py (identifiers). The
screens' tests are in tests/portail/test_connexion_et_menu.py, tests/imports/test_ecran_simulation.py,
tests/imports/test_documentation.py and tests/imports/test_liste_des_imports.py."""

from .documents import SCHEMAS as DOSSIER_SCHEMAS
from .documents import cle_luhn, finess_invalide
from .pages import (
    COLONNES_ERREURS,
    COLONNES_IMPORTS,
    MESSAGE_ERREURS,
    MESSAGE_FORMAT,
    MESSAGE_IMPORT_REFUSE,
    MESSAGE_REGIME,
    MESSAGE_SUCCES,
    NOTICE,
    Element,
    Page,
    bouton_fermer,
    contenu_telecharge,
    desactive,
    page,
    texte,
)
from .parcours import import_de, simuler, utilisateur

__all__ = [
    "COLONNES_ERREURS",
    "COLONNES_IMPORTS",
    "DOSSIER_SCHEMAS",
    "MESSAGE_ERREURS",
    "MESSAGE_FORMAT",
    "MESSAGE_IMPORT_REFUSE",
    "MESSAGE_REGIME",
    "MESSAGE_SUCCES",
    "NOTICE",
    "Element",
    "Page",
    "bouton_fermer",
    "cle_luhn",
    "contenu_telecharge",
    "desactive",
    "finess_invalide",
    "import_de",
    "page",
    "simuler",
    "texte",
    "utilisateur",
]
