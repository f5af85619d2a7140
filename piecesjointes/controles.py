"""The checks of one zip entry (spec §6), on a stream: the name, then at most
SEGUR_MAX_PIECE_BYTES + 1 bytes of content, whose type is read on the bytes by python-magic.

Nothing here writes anything or builds a path from an entry's name: the caller stores the
accepted content under a key of its own.
"""

import stat
import unicodedata
import zipfile
import zlib
from dataclasses import dataclass

import magic

LONGUEUR_MAX_NOM = 100
BLOC = 64 * 1024
EXTENSIONS = {".pdf": "application/pdf", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png"}
LIBELLE_FORMAT = {"application/pdf": "PDF", "image/jpeg": "JPEG", "image/png": "PNG"}
# Signatures of archives, refused inside the zip whatever their name.
SIGNATURES_ARCHIVES = (b"PK\x03\x04", b"PK\x05\x06", b"7z\xbc\xaf\x27\x1c", b"Rar!\x1a\x07", b"\x1f\x8b", b"BZh")
EXTENSIONS_ARCHIVES = (".zip", ".7z", ".rar", ".gz", ".tgz", ".tar", ".bz2", ".xz")


# Only these are read: zipfile inflates them by bounded steps, while it decompresses BZIP2 and
# LZMA entries without an output limit (a 1 Ko bzip2 bomb would fill the memory before any cap).
COMPRESSIONS_ACCEPTEES = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)


@dataclass
class Verdict:
    rang: int
    nom: str  # as shown to the supplier (control characters removed)
    acceptee: bool
    motif: str = ""
    contenu: bytes = b""
    type_mime: str = ""
    piece_attendue_id: int | None = None
    taille_lue: int = 0  # bytes actually read from the entry (at most the cap + 1)


def est_un_dossier(info: zipfile.ZipInfo) -> bool:
    # ZipInfo.is_dir() fails on an empty name.
    return info.filename.endswith("/")


def nom_affichable(nom: str) -> str:
    return "".join(c if unicodedata.category(c)[0] != "C" else "\ufffd" for c in nom)[:300]


def _extension(nom: str) -> str:
    point = nom.rfind(".")
    return nom[point:].lower() if point > 0 else ""


def _nom_utf8(info: zipfile.ZipInfo):
    """The entry's name, or None when it is not UTF-8. zipfile reads names without the UTF-8
    flag as cp437; many tools write UTF-8 without the flag, so such names are read again."""
    if info.flag_bits & 0x800 or info.filename.isascii():
        return info.filename
    try:
        return info.filename.encode("cp437").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return None


def _motif_nom(info: zipfile.ZipInfo, nom):
    """Why the name itself is refused, or None. Returns (motif, nom de base)."""
    if nom is None:
        return "nom de fichier illisible : il n'est pas encodé en UTF-8", None
    if not nom:
        return "nom de fichier vide", None
    if any(unicodedata.category(c)[0] == "C" for c in nom):
        return "nom de fichier contenant des caractères de contrôle", None
    if "\\" in nom:
        return "chemin interdit : le nom contient une barre oblique inverse (\\)", None
    if nom.startswith("/") or (len(nom) > 1 and nom[1] == ":"):
        return "chemin interdit : chemin absolu", None
    parties = nom.split("/")
    if any(partie in ("..", ".") for partie in parties):
        return "chemin interdit : le nom remonte dans l'arborescence (..)", None
    base = parties[-1]
    if len(base) > LONGUEUR_MAX_NOM:
        return f"nom de {len(base)} caractères : 100 au plus", None
    return None, base


def _lire_avec_plafond(zf: zipfile.ZipFile, info: zipfile.ZipInfo, plafond: int) -> bytes:
    """At most plafond + 1 bytes, whatever size the zip declares."""
    morceaux, lus = [], 0
    with zf.open(info) as flux:
        while lus <= plafond:
            bloc = flux.read(min(BLOC, plafond + 1 - lus))
            if not bloc:
                break
            morceaux.append(bloc)
            lus += len(bloc)
    return b"".join(morceaux)


def examiner(zf: zipfile.ZipFile, attendues: dict, *, plafond: int):
    """Yields one Verdict per file entry of the zip, in order. `attendues`: {nom: piece_attendue_id}
    of the pieces expected by the retained demandes of the import."""
    infos = [info for info in zf.infolist() if not est_un_dossier(info)]
    occurrences = {}
    for info in infos:
        nom = _nom_utf8(info)
        base = nom.rsplit("/", 1)[-1] if nom else None
        occurrences[base] = occurrences.get(base, 0) + 1

    for rang, info in enumerate(infos, start=1):
        nom = _nom_utf8(info)
        affiche = nom_affichable(nom if nom is not None else info.filename)
        motif, base = _motif_nom(info, nom)
        if motif is None and stat.S_ISLNK(info.external_attr >> 16):
            motif = "lien symbolique refusé"
        if motif is None and info.flag_bits & 0x1:
            motif = "fichier chiffré (protégé par mot de passe) refusé"
        if motif is None and info.compress_type not in COMPRESSIONS_ACCEPTEES:
            motif = "méthode de compression non acceptée : utilisez la compression zip standard (deflate)"
        if motif is None and occurrences.get(base, 0) > 1:
            motif = "nom présent plusieurs fois dans l'archive"
        if motif is None and _extension(base) in EXTENSIONS_ARCHIVES:
            motif = "archive imbriquée refusée : placez les fichiers directement dans le zip"
        if motif is None and _extension(base) not in EXTENSIONS:
            motif = "format non accepté : seuls les fichiers .pdf, .jpg, .jpeg et .png sont acceptés"
        if motif is None and base not in attendues:
            motif = "nom inconnu : aucune demande retenue de cet import n'annonce ce fichier"
        if motif:
            yield Verdict(rang=rang, nom=affiche, acceptee=False, motif=motif)
            continue
        try:
            contenu = _lire_avec_plafond(zf, info, plafond)
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, NotImplementedError) as erreur:
            yield Verdict(
                rang=rang,
                nom=affiche,
                acceptee=False,
                motif=f"contenu illisible ou corrompu (tailles déclarées incohérentes ?) : {erreur}"[:300],
            )
            continue
        lus = len(contenu)
        if lus > plafond:
            yield Verdict(
                rang=rang,
                nom=affiche,
                acceptee=False,
                taille_lue=lus,
                motif=f"fichier de plus de {plafond // (1024 * 1024)} Mo",
            )
            continue
        if contenu.startswith(SIGNATURES_ARCHIVES):
            yield Verdict(rang=rang, nom=affiche, acceptee=False, taille_lue=lus, motif="archive imbriquée refusée")
            continue
        type_mime = magic.from_buffer(contenu[:8192], mime=True) if contenu else "inode/x-empty"
        attendu = EXTENSIONS[_extension(base)]
        if type_mime != attendu:
            yield Verdict(
                rang=rang,
                nom=affiche,
                acceptee=False,
                type_mime=type_mime,
                taille_lue=lus,
                motif=f"le contenu ({type_mime}) n'est pas un fichier {LIBELLE_FORMAT[attendu]}",
            )
            continue
        yield Verdict(
            rang=rang,
            nom=affiche,
            acceptee=True,
            contenu=contenu,
            type_mime=type_mime,
            piece_attendue_id=attendues[base],
            taille_lue=lus,
        )
