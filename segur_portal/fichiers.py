"""Files as every app reads them: the name of an uploaded file (a JSON file, a zip), the extension
of a file name (an announced piece, an entry of a zip), and the check of a piece's content (a zip's
entry, a complément, a RIB). Imports no app."""

import os
import unicodedata

import magic

from segur_portal import formats

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


EXTENSIONS = {".pdf": "application/pdf", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png"}
LIBELLE_FORMAT = {"application/pdf": "PDF", "image/jpeg": "JPEG", "image/png": "PNG"}
# Signatures of archives, refused as a piece whatever their name.
SIGNATURES_ARCHIVES = (b"PK\x03\x04", b"PK\x05\x06", b"7z\xbc\xaf\x27\x1c", b"Rar!\x1a\x07", b"\x1f\x8b", b"BZh")


def motif_du_contenu(contenu: bytes, base: str, *, plafond: int) -> tuple[str | None, str]:
    """Why a piece is refused by its content (at most `plafond` + 1 bytes of it were read), or None,
    and the type python-magic reads on its bytes: too big, an archive whatever its name, or not
    what its extension says (a .pdf that is not a PDF). (motif, type_mime)"""
    if len(contenu) > plafond:
        return f"fichier de plus de {formats.taille_lisible(plafond)}", ""
    if contenu.startswith(SIGNATURES_ARCHIVES):
        return "archive imbriquée refusée", ""
    type_mime = magic.from_buffer(contenu[:8192], mime=True) if contenu else "inode/x-empty"
    attendu = EXTENSIONS[extension(base)]
    if type_mime != attendu:
        return f"le contenu ({type_mime}) n'est pas un fichier {LIBELLE_FORMAT[attendu]}", type_mime
    return None, type_mime
