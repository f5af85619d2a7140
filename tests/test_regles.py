"""Compatibility module, no test: the helpers of the former tests/test_regles.py, for the modules
written against it (tests/test_import_reel.py). Import them from their home instead: tests/documents.py
(lines and identifiers), tests/factories.py (demandes and solutions in the database),
tests/moteur/outils.py (running the engine). The rules' tests are in tests/moteur/test_regles_*.py."""

from .documents import (
    ANS,
    FINESS_1,
    FINESS_2,
    SIRET_HOPITAL,
    SIRET_UNIKALO,
    avec_cle,
    en_liberal,
    en_mandataire,
    en_solde,
    fichier,
    finess,
    ligne_valide,
    luhn,
    medecin,
    piece,
    poser,
    rpps,
    sans_cle,
)
from .factories import creer_solution
from .factories import demande_existante as creer_demande
from .moteur.outils import BASES, NOM_100, NOM_101, anomalie, codes, lancer, une_ligne, valide

__all__ = [
    "ANS",
    "BASES",
    "FINESS_1",
    "FINESS_2",
    "NOM_100",
    "NOM_101",
    "SIRET_HOPITAL",
    "SIRET_UNIKALO",
    "anomalie",
    "avec_cle",
    "codes",
    "creer_demande",
    "creer_solution",
    "en_liberal",
    "en_mandataire",
    "en_solde",
    "fichier",
    "finess",
    "lancer",
    "ligne_valide",
    "luhn",
    "medecin",
    "piece",
    "poser",
    "rpps",
    "sans_cle",
    "une_ligne",
    "valide",
]
