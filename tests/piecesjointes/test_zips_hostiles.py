"""Hostile zips (spec §6): every entry is checked on a capped stream, and a zip whose entries lie or
attack (symlinks, encryption, non-UTF-8 or duplicate or too long names, nested archives, renamed
executables, path traversal, bombs, lying sizes) gets each refused entry's French motif, or is
refused as a whole, without blocking the import. Every zip is built in memory; what zipfile cannot
write is patched into the archive's bytes (tests/factories.py)."""

import io
import os
import tracemalloc
import zipfile
from pathlib import Path

import pytest

from piecesjointes import controles, services
from piecesjointes.models import PieceRecue, ZipDepose
from tests.factories import (
    ELF,
    NOM_PIECE,
    NOM_PIECE_2,
    PDF,
    PDF_BIS,
    TROIS_MO,
    avec_drapeau_chiffre,
    avec_octets_de_nom,
    avec_taille_declaree,
    avec_version_requise,
    pdf_de_taille,
    zip_de,
)
from tests.pages import (
    COLONNES_ZIPS,
    DEMANDE_NOUVEAU_ZIP,
    MESSAGE_ARCHIVE_ILLISIBLE,
    MESSAGE_ARCHIVE_VIDE,
    MOTIF_ABSOLU,
    MOTIF_BARRE_INVERSE,
    MOTIF_CHIFFRE,
    MOTIF_CONTROLE,
    MOTIF_CORROMPU,
    MOTIF_DOUBLON,
    MOTIF_IMBRIQUEE,
    MOTIF_IMBRIQUEE_NOM,
    MOTIF_INCONNU,
    MOTIF_LIEN,
    MOTIF_NON_UTF8,
    MOTIF_REMONTE,
    MOTIF_TROP_GROS,
    page,
    texte,
)
from tests.parcours import deposer, deposer_et_traiter, ecran, motifs, statut_du_zip, verifier_stockage

# --- hostile zips -------------------------------------------------------------------------


def _zip_lien_symbolique(tmp_path):
    info = zipfile.ZipInfo(NOM_PIECE)
    info.create_system = 3
    info.external_attr = 0o120777 << 16
    return zip_de((info, "/etc/passwd")), {NOM_PIECE: MOTIF_LIEN}


def _zip_chiffre(tmp_path):
    return avec_drapeau_chiffre(zip_de((NOM_PIECE, PDF))), {NOM_PIECE: MOTIF_CHIFFRE}


def _zip_nom_non_utf8(tmp_path):
    provisoire = "MDV-LGC-Va1-BDC-XXXXX.pdf"
    archive = avec_octets_de_nom(zip_de((provisoire, PDF)), provisoire, b"MDV-LGC-Va1-BDC-\xe9\xe9\xe9\xe9\xe9.pdf")
    with zipfile.ZipFile(io.BytesIO(archive)) as lu:
        (info,) = lu.infolist()
        assert not info.flag_bits & 0x800
        nom = info.filename  # as zipfile reads it (cp437)
    return archive, {nom: MOTIF_NON_UTF8}


def _zip_dans_le_zip(tmp_path):
    interne = zip_de((NOM_PIECE, PDF))
    return zip_de((NOM_PIECE, interne), ("autres-pieces.zip", interne)), {
        NOM_PIECE: MOTIF_IMBRIQUEE,
        "autres-pieces.zip": MOTIF_IMBRIQUEE_NOM,
    }


def _zip_nom_en_double(tmp_path):
    archive = zip_de((NOM_PIECE, PDF), (NOM_PIECE, PDF_BIS), ("sous-dossier/" + NOM_PIECE, PDF))
    return archive, [
        (NOM_PIECE, MOTIF_DOUBLON),
        (NOM_PIECE, MOTIF_DOUBLON),
        ("sous-dossier/" + NOM_PIECE, MOTIF_DOUBLON),
    ]


def _zip_nom_trop_long(tmp_path):
    nom = "MDV-LGC-Va1-BDC-" + "0" * 81 + ".pdf"
    assert len(nom) == 101
    return zip_de((nom, PDF)), {nom: "nom de 101 caractères : 100 au plus"}


def _zip_executable_renomme(tmp_path):
    return zip_de((NOM_PIECE, ELF)), {NOM_PIECE: "le contenu (application/x-executable) n'est pas un fichier PDF"}


def _zip_exe_windows_renomme(tmp_path):
    return zip_de((NOM_PIECE, b"MZ" + b"\x00" * 500)), {
        NOM_PIECE: "le contenu (application/x-dosexec) n'est pas un fichier PDF"
    }


def _zip_trois_mo_plus_un(tmp_path):
    return zip_de((NOM_PIECE, pdf_de_taille(TROIS_MO + 1))), {NOM_PIECE: MOTIF_TROP_GROS}


def _zip_caracteres_de_controle(tmp_path):
    return zip_de(("MDV-LGC-Va1-BDC-00001\x07.pdf", PDF)), {"MDV-LGC-Va1-BDC-00001\ufffd.pdf": MOTIF_CONTROLE}


def _zip_taille_declaree_trop_petite(tmp_path):
    """Declares 1 000 bytes for a 4 Mo entry: the read stops at the declared size, the CRC fails."""
    archive = avec_taille_declaree(zip_de((NOM_PIECE, pdf_de_taille(4 * 1024 * 1024))), 1000)
    return archive, [(NOM_PIECE, MOTIF_CORROMPU)]


HOSTILES = {
    "lien symbolique": _zip_lien_symbolique,
    "chiffré": _zip_chiffre,
    "nom non UTF-8": _zip_nom_non_utf8,
    "zip dans le zip": _zip_dans_le_zip,
    "même nom deux fois": _zip_nom_en_double,
    "nom de 101 caractères": _zip_nom_trop_long,
    "exécutable ELF renommé .pdf": _zip_executable_renomme,
    "exécutable Windows renommé .pdf": _zip_exe_windows_renomme,
    "3 Mo + 1 octet": _zip_trois_mo_plus_un,
    "caractère de contrôle": _zip_caracteres_de_controle,
    "taille déclarée trop petite": _zip_taille_declaree_trop_petite,
}


def _verifier_refus(client, import_demandes, settings, depot, attendus):
    """Every entry refused with its reason (in the row and on the page), nothing stored."""
    assert depot.statut == ZipDepose.Statut.TRAITE
    entrees = list(depot.entrees.all())
    if isinstance(attendus, dict):
        attendus = list(attendus.items())
    trouves = [(e.nom, e.motif) for e in entrees]
    for nom, motif in attendus:
        correspondants = [m for n, m in trouves if n == nom]
        assert correspondants and all(m.startswith(motif) for m in correspondants), (nom, trouves)
    assert len(entrees) == len(attendus) and not any(e.acceptee for e in entrees)
    assert (depot.nb_entrees, depot.nb_acceptees, depot.nb_refusees) == (len(attendus), 0, len(attendus))
    assert not PieceRecue.objects.filter(zip_depose=depot).exists()
    assert not (Path(settings.MEDIA_ROOT) / "pieces").exists()
    verifier_stockage(settings, [depot])
    contenu = texte(ecran(client, import_demandes), lu=True)
    for entree in entrees:
        assert f"{entree.nom} — refusé : {entree.motif}" in contenu
    assert NOM_PIECE in contenu.split(DEMANDE_NOUVEAU_ZIP)[1]  # still missing
    assert statut_du_zip(client, depot)["nb_refusees"] == len(attendus)


@pytest.mark.parametrize("fabrique", HOSTILES.values(), ids=HOSTILES.keys())
def test_zip_hostile_refuse_avec_son_motif(client_relais, import_ttc, settings, tmp_path, fabrique):
    archive, attendus = fabrique(tmp_path)
    depot = deposer_et_traiter(client_relais, import_ttc, archive)
    _verifier_refus(client_relais, import_ttc, settings, depot, attendus)


@pytest.mark.parametrize(
    "nom, motif",
    [
        ("../evil.pdf", MOTIF_REMONTE),
        (f"../{NOM_PIECE}", MOTIF_REMONTE),
        (f"../../fichiers/pieces/{NOM_PIECE}", MOTIF_REMONTE),
        (f"sous-dossier/./{NOM_PIECE}", MOTIF_REMONTE),
        ("ABSOLU", MOTIF_ABSOLU),
        (f"C:/Windows/{NOM_PIECE}", MOTIF_ABSOLU),
        (f"..\\{NOM_PIECE}", MOTIF_BARRE_INVERSE),
        (f"dossier\\..\\..\\{NOM_PIECE}", MOTIF_BARRE_INVERSE),
    ],
    ids=[
        "../evil.pdf",
        "../nom attendu",
        "../../ vers le stockage",
        "./",
        "absolu",
        "lecteur Windows",
        "barre inverse",
        "barres inverses",
    ],
)
def test_zip_traversee_de_chemin(client_relais, import_ttc, settings, tmp_path, nom, motif):
    if nom == "ABSOLU":
        nom = str(tmp_path / "stockage" / NOM_PIECE)
    depot = deposer_et_traiter(client_relais, import_ttc, zip_de((nom, PDF)))
    _verifier_refus(client_relais, import_ttc, settings, depot, {nom: motif})
    # nothing next to MEDIA_ROOT, nor in the working directory, nor at the absolute path
    assert not (Path(settings.MEDIA_ROOT).parent / "evil.pdf").exists()
    assert not (Path(settings.MEDIA_ROOT).parent / NOM_PIECE).exists()
    assert not (tmp_path / "stockage" / NOM_PIECE).exists()
    assert not Path("evil.pdf").exists() and not Path(os.getcwd()).joinpath("..", "evil.pdf").exists()


def test_zip_bombe_lecture_plafonnee(client_relais, import_ttc, settings, monkeypatch):
    """~50 Mo of zeros deflated into ~50 Ko, under the expected name: refused as over 3 Mo after
    reading at most 3 Mo + 1 byte, whatever the zip declares."""
    lus = []
    lire = controles._lire_avec_plafond

    def espion(zf, info, plafond):
        contenu = lire(zf, info, plafond)
        lus.append(len(contenu))
        return contenu

    monkeypatch.setattr(controles, "_lire_avec_plafond", espion)
    bombe = zip_de((NOM_PIECE, PDF + b"\x00" * (50 * 1024 * 1024)))
    assert len(bombe) < 100 * 1024
    for archive in (bombe, avec_taille_declaree(bombe, 1024), avec_taille_declaree(bombe, 0xFFFFFFFE)):
        lus.clear()
        tracemalloc.start()
        try:
            depot = deposer_et_traiter(client_relais, import_ttc, archive)
            _courant, pic = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        (entree,) = depot.entrees.all()
        assert not entree.acceptee
        assert entree.motif in (MOTIF_TROP_GROS,) or entree.motif.startswith(MOTIF_CORROMPU), entree.motif
        assert entree.taille_lue <= TROIS_MO + 1
        assert all(n <= TROIS_MO + 1 for n in lus), lus
        assert pic < 24 * 1024 * 1024, f"pic mémoire de {pic} octets pour une entrée plafonnée à 3 Mo"
    assert not PieceRecue.objects.exists()
    # the honest bomb is read up to the cap exactly
    lus.clear()
    depot = services.traiter_zip(ZipDepose.objects.first().pk)
    assert lus == [TROIS_MO + 1] and motifs(depot) == {NOM_PIECE: MOTIF_TROP_GROS}
    verifier_stockage(settings, ZipDepose.objects.all())


def test_tailles_declarees_jamais_crues(client_relais, import_ttc):
    """A small real PDF declared as ~4 Go is judged on its real bytes: accepted, real size kept."""
    depot = deposer_et_traiter(client_relais, import_ttc, avec_taille_declaree(zip_de((NOM_PIECE, PDF)), 0xFFFFFFF0))
    (entree,) = depot.entrees.all()
    assert entree.acceptee and entree.taille_lue == len(PDF)
    assert PieceRecue.objects.get().taille == len(PDF)


def test_fichier_de_3_mo_exactement_accepte(client_relais, import_ttc):
    contenu = pdf_de_taille(TROIS_MO)
    depot = deposer_et_traiter(client_relais, import_ttc, zip_de((NOM_PIECE, contenu)))
    assert depot.nb_acceptees == 1 and PieceRecue.objects.get().taille == TROIS_MO
    with PieceRecue.objects.get().fichier.open("rb") as flux:
        assert flux.read() == contenu


@pytest.mark.parametrize(
    "archive, message",
    [
        (zip_de(), MESSAGE_ARCHIVE_VIDE),
        (zip_de((zipfile.ZipInfo("dossier-vide/"), b"")), MESSAGE_ARCHIVE_VIDE),
        (os.urandom(4096), MESSAGE_ARCHIVE_ILLISIBLE),
        (b"%PDF-1.4 ceci n'est pas un zip", MESSAGE_ARCHIVE_ILLISIBLE),
        (zip_de((NOM_PIECE, os.urandom(20000)), ("b.pdf", PDF))[:10000], MESSAGE_ARCHIVE_ILLISIBLE),
    ],
    ids=["vide", "un dossier seulement", "octets aléatoires", "pas un zip", "tronqué de moitié"],
)
def test_archive_refusee_en_entier(client_relais, import_ttc, settings, archive, message):
    depot = deposer_et_traiter(client_relais, import_ttc, archive, nom="archive.zip")
    assert depot.statut == ZipDepose.Statut.REFUSE and depot.termine
    assert depot.message == message
    assert (depot.nb_traitees, depot.nb_acceptees, depot.nb_refusees) == (0, 0, 0)
    assert not depot.entrees.exists() and not PieceRecue.objects.exists()
    verifier_stockage(settings, [depot])
    reponse = ecran(client_relais, import_ttc)
    ((nom, statut),) = page(reponse).table(COLONNES_ZIPS)
    assert (nom, statut) == ("archive.zip", f"Refusé {message}")
    etat = statut_du_zip(client_relais, depot)
    assert etat["statut"] == "REFUSE" and etat["termine"] and etat["message"] == message


def test_trop_d_entrees(client_relais, import_ttc, settings):
    settings.SEGUR_MAX_ENTREES_ZIP = 3
    depot = deposer_et_traiter(client_relais, import_ttc, zip_de(*[(f"f{n}.pdf", PDF) for n in range(4)]))
    assert depot.statut == ZipDepose.Statut.REFUSE
    assert depot.message == "L'archive contient 4 fichiers : 3 au plus."


def test_tous_les_pieges_dans_un_meme_zip_avec_la_bonne_piece(client_relais, import_deux, settings, tmp_path):
    """One archive with every hostile entry next to a good piece: only the good piece is kept."""
    entrees = [
        (NOM_PIECE, PDF),
        ("../evil.pdf", PDF),
        ("/etc/cron.d/evil.pdf", PDF),
        ("a\\b.pdf", PDF),
        ("imbrique.zip", zip_de(("x.pdf", PDF))),
        ("<script>alert(1)</script>.pdf", PDF),
        (NOM_PIECE_2, ELF),
        ("bombe.pdf", b"\x00" * (10 * 1024 * 1024)),
    ]
    depot = deposer_et_traiter(client_relais, import_deux, zip_de(*entrees))
    assert (depot.nb_entrees, depot.nb_acceptees, depot.nb_refusees) == (8, 1, 7)
    assert [e.nom for e in depot.entrees.filter(acceptee=True)] == [NOM_PIECE]
    assert PieceRecue.objects.get().piece_attendue.nom_fichier == NOM_PIECE
    verifier_stockage(settings, [depot])
    reponse = ecran(client_relais, import_deux)
    assert "<script>alert(1)</script>" not in reponse.content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;.pdf — refusé" in reponse.content.decode()
    assert f"<script>alert(1)</script>.pdf — refusé : {MOTIF_INCONNU}" in texte(reponse, lu=True)


# --- archives that zipfile itself cannot read safely --------------------------------------


def test_version_zip_non_geree_refusee_sans_bloquer_l_import(client_relais, import_ttc):
    archive = avec_version_requise(zip_de((NOM_PIECE, PDF)), 99)
    deposer(client_relais, import_ttc, archive)
    depot = ZipDepose.objects.get()
    try:
        services.traiter_zip(depot.pk)
    finally:
        depot.refresh_from_db()
    assert depot.termine and not PieceRecue.objects.exists()


def test_entree_au_nom_vide_refusee_sans_bloquer_l_import(client_relais, import_ttc):
    archive = zip_de((zipfile.ZipInfo("\x00" + NOM_PIECE), PDF), (NOM_PIECE, PDF))
    deposer(client_relais, import_ttc, archive)
    depot = ZipDepose.objects.get()
    try:
        services.traiter_zip(depot.pk)
    finally:
        depot.refresh_from_db()
    assert depot.termine


def test_bombe_bzip2_lecture_plafonnee_en_memoire(client_relais, import_ttc):
    tampon = io.BytesIO()
    with zipfile.ZipFile(tampon, "w", zipfile.ZIP_BZIP2) as archive:
        with archive.open(NOM_PIECE, "w", force_zip64=True) as flux:
            zeros = b"\x00" * (16 * 1024 * 1024)
            flux.write(PDF)
            for _ in range(8):
                flux.write(zeros)
    bombe = tampon.getvalue()
    assert len(bombe) < 10 * 1024  # 128 Mo inside
    deposer(client_relais, import_ttc, bombe)
    tracemalloc.start()
    try:
        depot = services.traiter_zip(ZipDepose.objects.get().pk)
        _courant, pic = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # Refused before any byte is decompressed: bzip2 and LZMA are inflated by zipfile without limit.
    assert motifs(depot) == {
        NOM_PIECE: "méthode de compression non acceptée : utilisez la compression zip standard (deflate)"
    }
    assert pic < 24 * 1024 * 1024, f"pic mémoire de {pic // (1024 * 1024)} Mo pour une entrée plafonnée à 3 Mo"


def test_taille_lue_des_entrees_refusees_apres_lecture(client_relais, import_ttc):
    depot = deposer_et_traiter(client_relais, import_ttc, zip_de((NOM_PIECE, b"\x00" * (5 * 1024 * 1024))))
    (entree,) = depot.entrees.all()
    assert entree.motif == MOTIF_TROP_GROS
    assert entree.taille_lue == TROIS_MO + 1
