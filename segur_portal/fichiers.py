"""File names as both apps read them: the name of an uploaded file (a JSON file, a zip) and the
extension of a file name (an announced piece, an entry of a zip). Imports no app."""

import os
import unicodedata

NOM_PAR_DEFAUT = "fichier.json"
LONGUEUR_MAX_NOM_TELEVERSE = 255  # the nom_fichier columns of Import and ZipDepose


def nom_affichable(nom: str | None) -> str:
    """The uploaded name as shown back to the supplier: no directory, no control character."""
    nom = os.path.basename((nom or "").replace("\\", "/"))
    nom = "".join(c for c in nom if unicodedata.category(c)[0] != "C").strip()
    return (nom or NOM_PAR_DEFAUT)[:LONGUEUR_MAX_NOM_TELEVERSE]


def extension(nom: str) -> str:
    """« .pdf » for « Bon.PDF »; "" without a dot, or for a name that only starts with one (« .pdf »)."""
    point = nom.rfind(".")
    return nom[point:].lower() if point > 0 else ""
