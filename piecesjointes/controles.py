"""The checks of a zip (spec §6). First its central directory, read on a stream before zipfile
parses it (verifier_repertoire); then each entry, on a stream: the name, then at most
SEGUR_MAX_PIECE_BYTES + 1 bytes of content, whose type is read on the bytes by python-magic.

Nothing here writes anything or builds a path from an entry's name: the caller stores the
accepted content under a key of its own.
"""

import stat
import struct
import unicodedata
import zipfile
import zlib
from dataclasses import dataclass

from segur_portal import formats
from segur_portal.fichiers import EXTENSIONS, extension, motif_du_contenu

LONGUEUR_MAX_NOM = 100
BLOC = 64 * 1024
EXTENSIONS_ARCHIVES = (".zip", ".7z", ".rar", ".gz", ".tgz", ".tar", ".bz2", ".xz")


# Only these are read: zipfile inflates them by bounded steps, while it decompresses BZIP2 and
# LZMA entries without an output limit (a 1 Ko bzip2 bomb would fill the memory before any cap).
COMPRESSIONS_ACCEPTEES = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)


MESSAGE_TROP_D_ENTREES = "L'archive contient {nombre} fichiers : {maximum} au plus."
MESSAGE_PLUS_D_ENTREES = "L'archive contient plus de {nombre} fichiers : {maximum} au plus."
MESSAGE_REPERTOIRE_DEMESURE = (
    "Le répertoire de l'archive est anormalement grand ({taille} pour {declarees} fichier(s) annoncé(s), "
    "{plafond} au plus) : recréez l'archive avec un outil de compression standard."
)
# Central directory bytes allowed per entry of the cap (a header is 46 bytes + name + extra fields
# + comment: ~150 bytes in the zips of real tools), and at least this much for a small cap.
OCTETS_REPERTOIRE_PAR_ENTREE = 1024
REPERTOIRE_MIN = 1024 * 1024
TAILLE_ENTETE_CENTRAL = struct.calcsize(zipfile.structCentralDir)  # 46
FENETRE = 1024 * 1024  # bytes of central directory read at once
LONGUEURS = struct.Struct("<3H")  # name, extra field and comment lengths, at offset 28 of a header
BARRE = ord("/")
ENTIER_MAX_BASE = 2**31 - 1  # a PositiveIntegerField, on every database


class ArchiveRefusee(Exception):
    """The archive is refused as a whole; `motif` is for the supplier, `nombre` the entries counted
    or declared (for the row)."""

    def __init__(self, motif: str, nombre: int = 0):
        super().__init__(motif)
        self.motif = motif
        self.nombre = min(nombre, ENTIER_MAX_BASE)


def _fenetre(flux, debut: int, depuis: int, taille: int, minimum: int) -> bytes:
    """Bytes of the central directory (at `debut` in the file, `taille` bytes) from its offset
    `depuis`: a window of FENETRE bytes, or `minimum` if more, never past the directory's end —
    the bytes zipfile would hold in memory all at once, read one window at a time."""
    flux.seek(debut + depuis)
    return flux.read(min(max(FENETRE, minimum), taille - depuis))


def verifier_repertoire(flux, *, max_entrees: int) -> int:
    """Judges the central directory BEFORE zipfile.ZipFile parses it: zipfile reads the whole
    directory into memory and builds a ZipInfo (~450 bytes) per entry — 1.7 GB for 3.9 M entries —
    whatever the cap checked afterwards. Reads the end of central directory record (and the ZIP64
    one when present) exactly as zipfile will (its own _EndRecData: the same record, no parser
    differential), then:

    - more than 2 × max_entrees entries declared: refused at once on the declared count (the cap
      counts files, not folders, hence the margin before the exact count below);
    - a directory starting before the file: unreadable (zipfile.BadZipFile);
    - a directory larger than max_entrees × 1 Ko (1 Mo at least): refused, whatever it declares;
    - otherwise its entries are counted on a stream, window by window, as zipfile will walk them
      (same start, same bounds, a folder being a name ending with « / »): refused past
      2 × max_entrees entries whatever the end record said, or past max_entrees files.

    Returns the number of files. Raises ArchiveRefusee (the supplier's message) or
    zipfile.BadZipFile / OSError (an unreadable archive). Memory: one window (1 Mo)."""
    fin = zipfile._EndRecData(flux)
    if not fin:
        raise zipfile.BadZipFile("File is not a zip file")
    declarees, taille = fin[zipfile._ECD_ENTRIES_TOTAL], fin[zipfile._ECD_SIZE]
    limite_entrees = 2 * max_entrees
    if declarees > limite_entrees:
        raise ArchiveRefusee(MESSAGE_TROP_D_ENTREES.format(nombre=declarees, maximum=max_entrees), declarees)
    debut = fin[zipfile._ECD_LOCATION] - taille
    if fin[zipfile._ECD_SIGNATURE] == zipfile.stringEndArchive64:
        debut -= zipfile.sizeEndCentDir64 + zipfile.sizeEndCentDir64Locator
    if debut < 0:
        raise zipfile.BadZipFile("central directory larger than the file")
    plafond = max(REPERTOIRE_MIN, max_entrees * OCTETS_REPERTOIRE_PAR_ENTREE)
    if taille > plafond:
        raise ArchiveRefusee(
            MESSAGE_REPERTOIRE_DEMESURE.format(
                taille=formats.taille_humaine(taille), declarees=declarees, plafond=formats.taille_humaine(plafond)
            ),
            declarees,
        )

    tampon, base = b"", 0  # tampon: the directory's bytes from offset `base`
    lus = entrees = fichiers = 0  # lus: offset of the next header, as zipfile's `total`
    while lus < taille:
        i = lus - base
        if i + TAILLE_ENTETE_CENTRAL > len(tampon):
            tampon, base, i = _fenetre(flux, debut, lus, taille, TAILLE_ENTETE_CENTRAL), lus, 0
            if len(tampon) < TAILLE_ENTETE_CENTRAL:
                raise zipfile.BadZipFile("truncated central directory")
        if not tampon.startswith(zipfile.stringCentralDir, i):
            raise zipfile.BadZipFile("bad magic number for central directory")
        longueur_nom, longueur_extra, longueur_commentaire = LONGUEURS.unpack_from(tampon, i + 28)
        if i + TAILLE_ENTETE_CENTRAL + longueur_nom > len(tampon):
            tampon, base, i = _fenetre(flux, debut, lus, taille, TAILLE_ENTETE_CENTRAL + longueur_nom), lus, 0
        # A folder: a name ending with « / » (the same byte in UTF-8 and cp437), once cut at its
        # first NUL as zipfile does. Read in place: nothing allocated per entry.
        debut_nom = i + TAILLE_ENTETE_CENTRAL
        fin_nom = min(debut_nom + longueur_nom, len(tampon))
        nul = tampon.find(0, debut_nom, fin_nom)
        fin_nom = fin_nom if nul < 0 else nul
        entrees += 1
        if fin_nom == debut_nom or tampon[fin_nom - 1] != BARRE:
            fichiers += 1
        if entrees > limite_entrees:
            raise ArchiveRefusee(MESSAGE_PLUS_D_ENTREES.format(nombre=limite_entrees, maximum=max_entrees), entrees)
        lus += TAILLE_ENTETE_CENTRAL + longueur_nom + longueur_extra + longueur_commentaire
    if fichiers > max_entrees:
        raise ArchiveRefusee(MESSAGE_TROP_D_ENTREES.format(nombre=fichiers, maximum=max_entrees), fichiers)
    return fichiers


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


def nom_d_entree_affichable(nom: str) -> str:
    """An entry's name as listed back to the supplier. Unlike the name of an uploaded file
    (segur_portal.fichiers.nom_affichable: no directory, control characters dropped), the entry
    keeps its path and each control character shows as « \ufffd »: such a name is refused, and the
    supplier sees where the invisible character was. At most EntreeZip.nom's 300 characters."""
    return "".join(c if unicodedata.category(c)[0] != "C" else "\ufffd" for c in nom)[:300]


def _nom_utf8(info: zipfile.ZipInfo):
    """The entry's name, or None when it is not UTF-8. zipfile reads names without the UTF-8
    flag as cp437; many tools write UTF-8 without the flag, so such names are read again."""
    if info.flag_bits & 0x800 or info.filename.isascii():
        return info.filename
    try:
        return info.filename.encode("cp437").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return None


def motif_du_nom(nom: str | None) -> tuple[str | None, str | None]:
    """Why a piece's name is refused, or None, and its base name (without folders): the same rules
    for an entry of a zip and for a file sent from the demande page. Returns (motif, nom de base)."""
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


MOTIF_ARCHIVE_IMBRIQUEE = "archive imbriquée refusée : placez les fichiers directement dans le zip"
MOTIF_FORMAT = "format non accepté : seuls les fichiers .pdf, .jpg, .jpeg et .png sont acceptés"


def motif_du_format(base: str, *, motif_archive: str = MOTIF_ARCHIVE_IMBRIQUEE) -> str | None:
    """Why a piece is refused by its extension, or None."""
    if extension(base) in EXTENSIONS_ARCHIVES:
        return motif_archive
    if extension(base) not in EXTENSIONS:
        return MOTIF_FORMAT
    return None


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
        affiche = nom_d_entree_affichable(nom if nom is not None else info.filename)
        motif, base = motif_du_nom(nom)
        if motif is None and stat.S_ISLNK(info.external_attr >> 16):
            motif = "lien symbolique refusé"
        if motif is None and info.flag_bits & 0x1:
            motif = "fichier chiffré (protégé par mot de passe) refusé"
        if motif is None and info.compress_type not in COMPRESSIONS_ACCEPTEES:
            motif = "méthode de compression non acceptée : utilisez la compression zip standard (deflate)"
        if motif is None and occurrences.get(base, 0) > 1:
            motif = "nom présent plusieurs fois dans l'archive"
        if motif is None:
            motif = motif_du_format(base)
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
        motif, type_mime = motif_du_contenu(contenu, base, plafond=plafond)
        if motif:
            yield Verdict(rang=rang, nom=affiche, acceptee=False, type_mime=type_mime, taille_lue=lus, motif=motif)
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
