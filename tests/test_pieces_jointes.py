"""Step « 2 - Pièces jointes » (spec §6): the screen, the zip upload (size limit, JSON answers),
the processing task (checks of each entry on a capped stream, hostile zips, idempotence and retry
after a killed worker), replacement of a piece by a later zip, « Terminer », private downloads.

Most zips are processed by calling piecesjointes.services.traiter_zip (the task body) directly; the
end-to-end tests (piece accepted, replacement, progress, « Terminer ») go through a real Celery
worker (fixture `worker_celery`: Redis when REDIS_URL is set, kombu's filesystem broker otherwise).
Every zip is built in memory; what zipfile cannot write (symlinks, encryption flag, non-UTF-8 names,
lying sizes) is patched into the archive's bytes.
"""

import hashlib
import html
import io
import os
import re
import struct
import threading
import time
import tracemalloc
import warnings
import zipfile
from pathlib import Path

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import OperationalError
from django.utils import timezone

from demandes.models import Demande
from demandes.valeurs import StatutDemande
from imports.models import Import
from piecesjointes import controles, services, tasks
from piecesjointes.models import EntreeZip, PieceRecue, ZipDepose

from .conftest import vers_octets
from .test_ecrans import contenu_telecharge, desactive, import_de, page, simuler, utilisateur
from .test_regles import ligne_valide

NOM_PIECE = "MDV-LGC-Va1-BDC-00001.pdf"  # the piece expected by the guide's TTC example
NOM_PIECE_2 = "MDV-LGC-Va1-BDC-00002.pdf"
PDF = (
    b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
    b"2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
)
PDF_BIS = PDF.replace(b"%%EOF", b"% seconde version\n%%EOF")
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00\x90wS\xde" + b"\x00" * 64
)
ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 8 + struct.pack("<HHI", 2, 0x3E, 1) + b"\x00" * 200
TROIS_MO = 3 * 1024 * 1024

REGLES = [
    "Lors de l'import de pièces jointes, quelques règles à suivre :",
    "Chaque fichier ne doit pas dépasser 3Mo",
    "Les formats acceptés sont .jpg, .png, .pdf",
    "Le nom de la pièce jointe ne doit pas avoir plus de 100 caractères",
    "Le nom de la pièce jointe doit être contenu dans le fichier JSON",
    "Chaque fichier Zip ne doit pas dépasser 200Mo",
    "Chaque fichier doit correspondre à la nomenclature indiquée sur la documentation",
]
COLONNES_ZIPS = ["Nom du fichier importé", "Statut import"]
MESSAGE_COMPLET = "Toutes les pièces jointes peuvent être importées correctement, merci de cliquer sur « Terminer »."
DEMANDE_NOUVEAU_ZIP = "Merci d'importer un nouveau fichier zip contenant les pièces suivantes :"
MESSAGE_MANQUANTES = "Des pièces jointes manquent encore : déposez-les dans un nouveau fichier zip."
MESSAGE_ZIP_EN_COURS = "Un fichier zip est encore en cours de traitement : attendez la fin de son traitement."
MESSAGE_PLUS_DE_DEPOT = "Les pièces jointes ne peuvent plus être déposées pour cet import."
MESSAGE_DEJA_TERMINE = "Cet import est déjà terminé."
MESSAGE_ARCHIVE_ILLISIBLE = (
    "Le fichier n'est pas une archive zip lisible (fichier tronqué, endommagé ou d'un autre format)."
)
MESSAGE_ARCHIVE_VIDE = "L'archive est vide : elle ne contient aucun fichier."

MOTIF_REMONTE = "chemin interdit : le nom remonte dans l'arborescence (..)"
MOTIF_ABSOLU = "chemin interdit : chemin absolu"
MOTIF_BARRE_INVERSE = "chemin interdit : le nom contient une barre oblique inverse (\\)"
MOTIF_LIEN = "lien symbolique refusé"
MOTIF_CHIFFRE = "fichier chiffré (protégé par mot de passe) refusé"
MOTIF_IMBRIQUEE_NOM = "archive imbriquée refusée : placez les fichiers directement dans le zip"
MOTIF_IMBRIQUEE = "archive imbriquée refusée"
MOTIF_TROP_GROS = "fichier de plus de 3 Mo"
MOTIF_DOUBLON = "nom présent plusieurs fois dans l'archive"
MOTIF_NON_UTF8 = "nom de fichier illisible : il n'est pas encodé en UTF-8"
MOTIF_CONTROLE = "nom de fichier contenant des caractères de contrôle"
MOTIF_CORROMPU = "contenu illisible ou corrompu (tailles déclarées incohérentes ?)"
MOTIF_INCONNU = "nom inconnu : aucune demande retenue de cet import n'annonce ce fichier"
MOTIF_FORMAT = "format non accepté : seuls les fichiers .pdf, .jpg, .jpeg et .png sont acceptés"


@pytest.fixture(autouse=True)
def environnement(settings, tmp_path):
    """Stored files go to <tmp>/stockage/fichiers: the folder around MEDIA_ROOT stays empty, so that
    a file written outside the storage (path traversal) would be seen."""
    settings.MEDIA_ROOT = str(tmp_path / "stockage" / "fichiers")


# --- helpers ------------------------------------------------------------------------------


def zip_de(*entrees, compression=zipfile.ZIP_DEFLATED, commentaire=b"") -> bytes:
    """A zip of (name or ZipInfo, content) entries, written in memory."""
    tampon = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # « Duplicate name » is what some tests want
        with zipfile.ZipFile(tampon, "w", compression) as archive:
            for nom, contenu in entrees:
                archive.writestr(nom, contenu)
            archive.comment = commentaire
    return tampon.getvalue()


def entetes(archive: bytes) -> list[tuple[int, int]]:
    """(offset of the local header, offset of the central directory header) of each entry."""
    fin = archive.rindex(b"PK\x05\x06")
    nombre, _taille, debut = struct.unpack_from("<HII", archive, fin + 10)
    resultat, position = [], debut
    for _ in range(nombre):
        assert archive[position : position + 4] == b"PK\x01\x02"
        longueur_nom, longueur_extra, longueur_commentaire = struct.unpack_from("<HHH", archive, position + 28)
        local = struct.unpack_from("<I", archive, position + 42)[0]
        assert archive[local : local + 4] == b"PK\x03\x04"
        resultat.append((local, position))
        position += 46 + longueur_nom + longueur_extra + longueur_commentaire
    return resultat


def avec_drapeau_chiffre(archive: bytes) -> bytes:
    """Sets the « encrypted » bit of every entry (zipfile clears it when writing)."""
    octets = bytearray(archive)
    for local, central in entetes(archive):
        octets[local + 6] |= 0x01
        octets[central + 8] |= 0x01
    return bytes(octets)


def avec_taille_declaree(archive: bytes, taille: int) -> bytes:
    """Declares `taille` as the uncompressed size of every entry (local and central headers)."""
    octets = bytearray(archive)
    for local, central in entetes(archive):
        struct.pack_into("<I", octets, local + 22, taille)
        struct.pack_into("<I", octets, central + 24, taille)
    return bytes(octets)


def avec_version_requise(archive: bytes, version: int) -> bytes:
    """Sets « version needed to extract » of every entry."""
    octets = bytearray(archive)
    for local, central in entetes(archive):
        struct.pack_into("<H", octets, local + 4, version)
        struct.pack_into("<H", octets, central + 6, version)
    return bytes(octets)


def avec_octets_de_nom(archive: bytes, provisoire: str, octets_nom: bytes) -> bytes:
    """Replaces an ASCII placeholder name by raw bytes (same length), UTF-8 flag unset."""
    assert len(provisoire.encode()) == len(octets_nom)
    assert archive.count(provisoire.encode()) == 2  # local header + central directory
    return archive.replace(provisoire.encode(), octets_nom)


def pdf_de_taille(taille: int) -> bytes:
    return (PDF + b"%" + b"0" * taille)[:taille]


def importer(client, contenu: bytes, nom="demandes.json") -> Import:
    """Simulation then real import through the screens; lands on « 2 - Pièces jointes »."""
    import_demandes = import_de(simuler(client, contenu, nom=nom))
    assert import_demandes.simulation_reussie, list(import_demandes.erreurs.values_list("code", "champ", "message"))
    reponse = client.post(f"/imports/{import_demandes.pk}/importer/")
    assert reponse.status_code == 302 and reponse["Location"] == f"/pieces-jointes/{import_demandes.pk}/"
    import_demandes.refresh_from_db()
    assert import_demandes.etat == Import.Etat.IMPORTE
    return import_demandes


def fichier_deux_lignes(document_ttc) -> bytes:
    """Two demandes of the TTC example, expecting NOM_PIECE and NOM_PIECE_2 (one BON_COMMANDE each)."""
    document = dict(document_ttc)
    document["lignesImport"] = [ligne_valide(document_ttc, 1), ligne_valide(document_ttc, 2)]
    return vers_octets(document)


def deposer(client, import_demandes, contenu: bytes, nom="pieces.zip", en_json=False):
    entetes_http = {"HTTP_ACCEPT": "application/json"} if en_json else {}
    return client.post(
        f"/pieces-jointes/{import_demandes.pk}/zip/",
        {"fichier": SimpleUploadedFile(nom, contenu, content_type="application/zip")},
        **entetes_http,
    )


def deposer_et_traiter(client, import_demandes, contenu: bytes, nom="pieces.zip") -> ZipDepose:
    """Upload through the screen (never a 500), then the task body, as the worker would run it."""
    avant = set(ZipDepose.objects.values_list("pk", flat=True))
    reponse = deposer(client, import_demandes, contenu, nom=nom)
    assert reponse.status_code == 302 and reponse["Location"] == f"/pieces-jointes/{import_demandes.pk}/"
    (nouveau,) = set(ZipDepose.objects.values_list("pk", flat=True)) - avant
    return services.traiter_zip(nouveau)


def texte(reponse) -> str:
    """The page as read by a person: no scripts, no tags, entities decoded, whitespace collapsed."""
    contenu = re.sub(r"<script.*?</script>", " ", reponse.content.decode(), flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", contenu)).split())


def ecran(client, import_demandes):
    reponse = client.get(f"/pieces-jointes/{import_demandes.pk}/")
    assert reponse.status_code == 200
    return reponse


def statut_du_zip(client, depot) -> dict:
    reponse = client.get(f"/pieces-jointes/zip/{depot.pk}/statut/")
    assert reponse.status_code == 200
    return reponse.json()


def motifs(depot) -> dict[str, str]:
    return {e.nom: e.motif for e in depot.entrees.all()}


def fichiers_sous(dossier: Path) -> set[str]:
    return {p.relative_to(dossier).as_posix() for p in dossier.rglob("*") if p.is_file()}


def verifier_stockage(settings, depots):
    """Every stored file is inside MEDIA_ROOT, under the keys of the portal: the zips under
    zips/<fournisseur>/<import>/, the pieces under pieces/<fournisseur>/<import>/<clé du zip>/."""
    racine = Path(settings.MEDIA_ROOT)
    autour = racine.parent
    assert fichiers_sous(autour) == {f"fichiers/{f}" for f in fichiers_sous(racine)}, "fichier écrit hors du stockage"
    prefixes = []
    for depot in depots:
        prefixes += [
            f"zips/{depot.fournisseur_id}/{depot.import_demandes_id}/",
            f"pieces/{depot.fournisseur_id}/{depot.import_demandes_id}/{depot.cle}/",
        ]
    for fichier in fichiers_sous(racine):
        if fichier.startswith(("imports/", "sorties/")):  # the JSON file and its output file
            continue
        assert fichier.startswith(tuple(prefixes)), fichier
    for piece in PieceRecue.objects.all():
        assert piece.fichier.name == piece.cle_stockage
        assert piece.cle_stockage.startswith(
            f"pieces/{piece.zip_depose.fournisseur_id}/{piece.zip_depose.import_demandes_id}/{piece.zip_depose.cle}/"
        )


def attendre_traitement(client, depot_id: int, delai=30.0) -> dict:
    """Polls the status endpoint until the worker has processed the zip."""
    fin, etat = time.monotonic() + delai, None
    while True:
        try:
            reponse = client.get(f"/pieces-jointes/zip/{depot_id}/statut/")
            assert reponse.status_code == 200
            etat = reponse.json()
        except OperationalError:  # SQLite shared cache: a table locked by the worker's commit
            etat = None
        if etat and etat["termine"]:
            return etat
        assert time.monotonic() < fin, f"zip {depot_id} non traité en {delai} s : {etat}"
        time.sleep(0.1)


@pytest.fixture
def client_relais(client, demo):
    client.force_login(utilisateur("relais"))
    return client


@pytest.fixture
def import_ttc(client_relais, exemple_ttc) -> Import:
    """The guide's TTC example, imported: one demande expecting NOM_PIECE."""
    return importer(client_relais, exemple_ttc, nom="avance-structure-ttc.json")


@pytest.fixture
def import_deux(client_relais, document_ttc) -> Import:
    return importer(client_relais, fichier_deux_lignes(document_ttc), nom="deux-lignes.json")


# --- the screen ---------------------------------------------------------------------------


def test_ecran_avant_tout_zip(client_relais, import_ttc):
    reponse = ecran(client_relais, import_ttc)
    contenu = texte(reponse)
    for attendu in (
        "Importer les demandes",
        "2 - Pièces jointes",
        "Importer un fichier zip",
        *REGLES,
        "Merci d'importer un seul zip contenant toutes les pièces jointes.",
    ):
        assert attendu in contenu, attendu
    vue = page(reponse)
    assert not desactive(vue.bouton("Importer"))
    assert desactive(vue.bouton("Terminer"))
    assert vue.table(COLONNES_ZIPS) == [["Aucun fichier zip importé pour le moment."]]
    # the missing piece, with the request to send a zip
    assert "1 pièce(s) jointe(s) manquante(s)" in contenu
    assert DEMANDE_NOUVEAU_ZIP in contenu
    demande = Demande.objects.get(import_demandes=import_ttc)
    assert f"{demande.numero_dossier} ({demande.numero_editeur}) : {NOM_PIECE}" in contenu
    assert MESSAGE_COMPLET not in contenu
    assert vue.table(["Numéro de dossier", "Numéro éditeur", "Nom du fichier", "Format", "Type", "Reçue"]) == [
        [demande.numero_dossier, "00001", NOM_PIECE, "PDF", "BON_COMMANDE", "Non"]
    ]
    html = reponse.content.decode()
    assert f'action="/pieces-jointes/{import_ttc.pk}/zip/"' in html and 'enctype="multipart/form-data"' in html
    assert 'id="barre-progression"' in html  # upload, then processing progress
    assert f'data-limite="{200 * 1024 * 1024}"' in html


def test_ecran_d_un_autre_fournisseur_ou_d_un_gestionnaire(client, demo, import_ttc):
    client.force_login(utilisateur("unikalo"))
    assert client.get(f"/pieces-jointes/{import_ttc.pk}/").status_code == 404
    assert deposer(client, import_ttc, zip_de((NOM_PIECE, PDF))).status_code == 404
    assert client.post(f"/pieces-jointes/{import_ttc.pk}/terminer/").status_code == 404
    client.force_login(utilisateur("gestionnaire"))
    assert client.get(f"/pieces-jointes/{import_ttc.pk}/").status_code == 403
    assert not ZipDepose.objects.exists()
    client.logout()
    reponse = client.get(f"/pieces-jointes/{import_ttc.pk}/")
    assert reponse.status_code == 302 and reponse["Location"].startswith("/connexion/?next=")


def test_zip_traite_detail_des_entrees_et_pieces_manquantes(client_relais, import_deux, settings):
    depot = deposer_et_traiter(
        client_relais,
        import_deux,
        zip_de((NOM_PIECE, PDF), (NOM_PIECE_2, ELF), ("inattendu.pdf", PDF), ("notes.txt", b"bonjour")),
        nom="lot 1.zip",
    )
    assert depot.statut == ZipDepose.Statut.TRAITE and depot.message == ""
    assert (depot.nb_entrees, depot.nb_traitees, depot.nb_acceptees, depot.nb_refusees) == (4, 4, 1, 3)
    assert [(e.rang, e.nom, e.acceptee) for e in depot.entrees.all()] == [
        (1, NOM_PIECE, True),
        (2, NOM_PIECE_2, False),
        (3, "inattendu.pdf", False),
        (4, "notes.txt", False),
    ]
    assert motifs(depot) == {
        NOM_PIECE: "",
        NOM_PIECE_2: "le contenu (application/x-executable) n'est pas un fichier PDF",
        "inattendu.pdf": MOTIF_INCONNU,
        "notes.txt": MOTIF_FORMAT,
    }
    piece = PieceRecue.objects.get()
    assert piece.piece_attendue.nom_fichier == NOM_PIECE and piece.taille == len(PDF)
    assert piece.type_mime == "application/pdf" and piece.sha256 == hashlib.sha256(PDF).hexdigest()
    verifier_stockage(settings, [depot])

    reponse = ecran(client_relais, import_deux)
    contenu = texte(reponse)
    ((nom, statut),) = page(reponse).table(COLONNES_ZIPS)
    assert nom == "lot 1.zip"
    assert statut.startswith("Traité 1 accepté(s), 3 refusé(s) Détail des fichiers")
    for ligne in (
        f"{NOM_PIECE} — accepté",
        f"{NOM_PIECE_2} — refusé : le contenu (application/x-executable) n'est pas un fichier PDF",
        f"inattendu.pdf — refusé : {MOTIF_INCONNU}",
        f"notes.txt — refusé : {MOTIF_FORMAT}",
    ):
        assert ligne in statut, ligne
    deuxieme = Demande.objects.get(import_demandes=import_deux, numero_editeur="00002")
    assert "1 pièce(s) jointe(s) manquante(s)" in contenu and DEMANDE_NOUVEAU_ZIP in contenu
    assert f"{deuxieme.numero_dossier} (00002) : {NOM_PIECE_2}" in contenu
    assert f": {NOM_PIECE}" not in contenu.split(DEMANDE_NOUVEAU_ZIP)[1].split("Pièces attendues par demande")[0]
    assert MESSAGE_COMPLET not in contenu
    assert desactive(page(reponse).bouton("Terminer"))
    assert page(reponse).lien("lot 1.zip").attrs["href"] == f"/pieces-jointes/zip/{depot.pk}/"
    assert page(reponse).lien("Oui").attrs["href"] == f"/pieces-jointes/piece/{piece.pk}/"

    # the missing piece in a second zip: nothing is missing any more
    second = deposer_et_traiter(client_relais, import_deux, zip_de((NOM_PIECE_2, PDF_BIS)), nom="lot 2.zip")
    assert (second.statut, second.nb_acceptees, second.nb_refusees) == (ZipDepose.Statut.TRAITE, 1, 0)
    reponse = ecran(client_relais, import_deux)
    contenu = texte(reponse)
    assert MESSAGE_COMPLET in contenu
    assert "manquante(s)" not in contenu and DEMANDE_NOUVEAU_ZIP not in contenu
    assert not desactive(page(reponse).bouton("Terminer"))
    lignes = page(reponse).table(COLONNES_ZIPS)
    assert [ligne[0] for ligne in lignes] == ["lot 1.zip", "lot 2.zip"]
    assert lignes[1][1] == f"OK 1 accepté(s) Détail des fichiers {NOM_PIECE_2} — accepté"


def test_png_et_jpeg_controles_sur_les_octets(client_relais, import_ttc):
    """The type is read on the bytes: a PNG named .pdf is refused, a PDF named .pdf accepted."""
    depot = deposer_et_traiter(client_relais, import_ttc, zip_de((NOM_PIECE, PNG)))
    assert motifs(depot) == {NOM_PIECE: "le contenu (image/png) n'est pas un fichier PDF"}
    assert not PieceRecue.objects.exists()


# --- upload -------------------------------------------------------------------------------


def zip_de_taille(taille: int) -> bytes:
    """A valid zip of exactly `taille` bytes (padded with the archive comment)."""
    archive = zip_de((NOM_PIECE, PDF))
    assert len(archive) <= taille
    return zip_de((NOM_PIECE, PDF), commentaire=b"x" * (taille - len(archive)))


def test_zip_trop_gros_refuse_en_francais(client_relais, import_ttc, settings):
    settings.SEGUR_MAX_ZIP_BYTES = 2000
    trop_gros = zip_de_taille(2001)
    assert len(trop_gros) == 2001

    reponse = deposer(client_relais, import_ttc, trop_gros, en_json=True)
    assert reponse.status_code == 400
    assert reponse.json() == {"erreur": "Le fichier zip dépasse la taille maximale autorisée (2 000 octets)."}

    reponse = deposer(client_relais, import_ttc, trop_gros)
    assert reponse.status_code == 302 and reponse["Location"] == f"/pieces-jointes/{import_ttc.pk}/"
    assert "Le fichier zip dépasse la taille maximale autorisée (2 000 octets)." in texte(
        ecran(client_relais, import_ttc)
    )
    assert not ZipDepose.objects.exists()
    assert not (Path(settings.MEDIA_ROOT) / "zips").exists()

    # exactly the limit is accepted, and streamed to the storage as it was sent
    juste = zip_de_taille(2000)
    reponse = deposer(client_relais, import_ttc, juste, nom="juste.zip", en_json=True)
    assert reponse.status_code == 200
    depot = ZipDepose.objects.get()
    assert reponse.json() == {
        "zip": depot.pk,
        "statut_url": f"/pieces-jointes/zip/{depot.pk}/statut/",
        "message": "Le fichier « juste.zip » est en cours de traitement.",
    }
    assert depot.taille == 2000 and depot.nom_fichier == "juste.zip"
    assert depot.statut == ZipDepose.Statut.EN_ATTENTE
    assert depot.fichier.name == f"zips/{depot.fournisseur_id}/{import_ttc.pk}/{depot.cle}.zip"
    assert len(depot.cle) == 32 and depot.cle not in ("juste", "pieces")
    with depot.fichier.open("rb") as flux:
        assert flux.read() == juste


def test_la_limite_des_zips_n_est_pas_celle_des_json(client_relais, import_ttc, settings):
    settings.SEGUR_MAX_JSON_BYTES = 1000
    settings.SEGUR_MAX_ZIP_BYTES = 5000
    assert deposer(client_relais, import_ttc, zip_de_taille(3000), en_json=True).status_code == 200
    assert ZipDepose.objects.get().taille == 3000


def test_plusieurs_zips_pour_un_import_et_formulaire_vide(client_relais, import_ttc):
    reponse = client_relais.post(f"/pieces-jointes/{import_ttc.pk}/zip/", {}, HTTP_ACCEPT="application/json")
    assert reponse.status_code == 400 and reponse.json() == {"erreur": "Choisissez le fichier zip à importer."}
    for rang in range(3):
        assert deposer(client_relais, import_ttc, zip_de((NOM_PIECE, PDF)), nom=f"z{rang}.zip").status_code == 302
    assert list(ZipDepose.objects.values_list("nom_fichier", flat=True)) == ["z0.zip", "z1.zip", "z2.zip"]
    assert len(set(ZipDepose.objects.values_list("cle", flat=True))) == 3


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
    contenu = texte(ecran(client, import_demandes))
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
    assert f"<script>alert(1)</script>.pdf — refusé : {MOTIF_INCONNU}" in texte(reponse)


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


# --- idempotence and retry ----------------------------------------------------------------


def _etat_du_zip(depot) -> dict:
    depot.refresh_from_db()
    return {
        "zip": (
            depot.statut,
            depot.message,
            depot.nb_entrees,
            depot.nb_traitees,
            depot.nb_acceptees,
            depot.nb_refusees,
        ),
        "entrees": [(e.rang, e.nom, e.acceptee, e.motif, e.taille_lue) for e in depot.entrees.order_by("rang")],
        "pieces": sorted(
            (p.piece_attendue.nom_fichier, p.cle_stockage, p.fichier.name, p.taille, p.type_mime, p.sha256)
            for p in depot.pieces.all()
        ),
    }


ZIP_MIXTE = [(NOM_PIECE, PDF), ("inconnu.pdf", PDF), (NOM_PIECE_2, PDF_BIS), ("faux.png", ELF)]


def test_traiter_deux_fois_donne_le_meme_resultat(client_relais, import_deux, settings):
    depot = deposer_et_traiter(client_relais, import_deux, zip_de(*ZIP_MIXTE))
    premier = _etat_du_zip(depot)
    fichiers = fichiers_sous(Path(settings.MEDIA_ROOT))
    assert premier["zip"] == (ZipDepose.Statut.TRAITE, "", 4, 4, 2, 2)
    prefixe = f"pieces/{depot.fournisseur_id}/{import_deux.pk}/{depot.cle}/"
    assert [p[1] for p in premier["pieces"]] == [prefixe + "00001.pdf", prefixe + "00003.pdf"]

    services.traiter_zip(depot.pk)
    assert _etat_du_zip(depot) == premier
    assert fichiers_sous(Path(settings.MEDIA_ROOT)) == fichiers  # same keys, no « _xyz » copies
    assert EntreeZip.objects.count() == 4 and PieceRecue.objects.count() == 2
    for piece, contenu in zip(PieceRecue.objects.order_by("cle_stockage"), (PDF, PDF_BIS), strict=False):
        with piece.fichier.open("rb") as flux:
            assert flux.read() == contenu
    verifier_stockage(settings, [depot])


def test_worker_tue_au_milieu_puis_relance(client_relais, import_deux, settings, monkeypatch):
    """The storage fails on the 2nd accepted entry (as a killed worker would stop there): the task
    raises, nothing is committed for the zip; the retry gives the full result under the same keys."""
    deposer(client_relais, import_deux, zip_de(*ZIP_MIXTE))
    depot = ZipDepose.objects.get()
    stocker = services._stocker
    appels = []

    def stocker_puis_mourir(cle, contenu, sha256):
        appels.append(cle)
        if len(appels) == 2:
            raise RuntimeError("worker tué")
        return stocker(cle, contenu, sha256)

    monkeypatch.setattr(services, "_stocker", stocker_puis_mourir)
    with pytest.raises(RuntimeError, match="worker tué"):
        tasks.traiter_zip(depot.pk)
    depot.refresh_from_db()
    assert not depot.termine and depot.statut == ZipDepose.Statut.EN_COURS
    assert not EntreeZip.objects.filter(zip_depose=depot).exists()
    assert not PieceRecue.objects.filter(zip_depose=depot).exists()
    reponse = ecran(client_relais, import_deux)
    assert desactive(page(reponse).bouton("Terminer"))
    assert "En cours" in page(reponse).table(COLONNES_ZIPS)[0][1]

    monkeypatch.setattr(services, "_stocker", stocker)
    assert tasks.traiter_zip(depot.pk) == {"statut": "TRAITE", "acceptees": 2, "refusees": 2}
    etat = _etat_du_zip(depot)
    prefixe = f"pieces/{depot.fournisseur_id}/{import_deux.pk}/{depot.cle}/"
    assert etat["zip"] == (ZipDepose.Statut.TRAITE, "", 4, 4, 2, 2)
    assert [p[1] for p in etat["pieces"]] == [prefixe + "00001.pdf", prefixe + "00003.pdf"]
    assert fichiers_sous(Path(settings.MEDIA_ROOT) / prefixe) == {"00001.pdf", "00003.pdf"}
    # the same as a run that was never interrupted
    services.traiter_zip(depot.pk)
    assert _etat_du_zip(depot) == etat


# --- « Terminer » -------------------------------------------------------------------------


def test_terminer_refuse_tant_que_des_pieces_manquent_ou_qu_un_zip_attend(client_relais, import_deux):
    url = f"/pieces-jointes/{import_deux.pk}/terminer/"
    reponse = client_relais.post(url, follow=True)
    assert reponse.redirect_chain == [(f"/pieces-jointes/{import_deux.pk}/", 302)]
    assert MESSAGE_MANQUANTES in texte(reponse)

    deposer_et_traiter(client_relais, import_deux, zip_de((NOM_PIECE, PDF)))
    assert MESSAGE_MANQUANTES in texte(client_relais.post(url, follow=True))

    # a zip bringing the last piece, not processed yet
    deposer(client_relais, import_deux, zip_de((NOM_PIECE_2, PDF)))
    attente = ZipDepose.objects.last()
    assert attente.statut == ZipDepose.Statut.EN_ATTENTE
    reponse = ecran(client_relais, import_deux)
    assert desactive(page(reponse).bouton("Terminer")) and MESSAGE_COMPLET not in texte(reponse)
    assert page(reponse).table(COLONNES_ZIPS)[1][1] == (
        "En attente de traitement reçu, le traitement démarrera automatiquement"
    )
    assert MESSAGE_ZIP_EN_COURS in texte(client_relais.post(url, follow=True))
    import_deux.refresh_from_db()
    assert import_deux.etat == Import.Etat.IMPORTE
    assert set(Demande.objects.values_list("statut", flat=True)) == {StatutDemande.EN_ATTENTE_PIECES}

    services.traiter_zip(attente.pk)
    assert MESSAGE_COMPLET in texte(ecran(client_relais, import_deux))
    reponse = client_relais.post(url)
    assert reponse.status_code == 302 and reponse["Location"] == "/imports/"
    assert set(Demande.objects.values_list("statut", flat=True)) == {StatutDemande.DEPOSEE}


# --- downloads ----------------------------------------------------------------------------


def test_telechargements_reserves_au_proprietaire_et_aux_gestionnaires_autorises(client, demo, exemple_ttc, settings):
    client.force_login(utilisateur("relais"))
    import_demandes = importer(client, exemple_ttc)
    archive = zip_de((NOM_PIECE, PDF))
    depot = deposer_et_traiter(client, import_demandes, archive, nom="mes pièces.zip")
    piece = PieceRecue.objects.get()
    url_zip, url_piece = f"/pieces-jointes/zip/{depot.pk}/", f"/pieces-jointes/piece/{piece.pk}/"

    reponse = client.get(url_zip)
    assert reponse.status_code == 200 and contenu_telecharge(reponse) == archive
    assert reponse["Content-Type"] == "application/zip"
    assert (
        reponse["Content-Disposition"].startswith("attachment")
        and "mes%20pi%C3%A8ces.zip" in reponse["Content-Disposition"]
    )
    reponse = client.get(url_piece)
    assert reponse.status_code == 200 and contenu_telecharge(reponse) == PDF
    assert reponse["Content-Type"] == "application/pdf"
    assert reponse["Content-Disposition"] == f'attachment; filename="{NOM_PIECE}"'

    # never from a public media URL
    for chemin in (
        f"/media/{piece.cle_stockage}",
        f"/{piece.cle_stockage}",
        f"/media/{depot.fichier.name}",
        f"/{depot.fichier.name}",
        f"{settings.MEDIA_URL or '/'}{piece.cle_stockage}".replace("//", "/"),
    ):
        assert client.get(chemin).status_code == 404, chemin

    client.force_login(utilisateur("unikalo"))
    assert client.get(url_zip).status_code == 404
    assert client.get(url_piece).status_code == 404
    assert client.get(f"/pieces-jointes/zip/{depot.pk}/statut/").status_code == 404

    client.logout()
    for url in (url_zip, url_piece, f"/pieces-jointes/zip/{depot.pk}/statut/"):
        reponse = client.get(url)
        assert reponse.status_code == 302 and reponse["Location"].startswith("/connexion/?next="), url

    # ASP staff: the piece with piecesjointes.view_piecerecue, the zip with view_zipdepose (the
    # « Gestionnaires ASP » group has both)
    gestionnaire = utilisateur("gestionnaire")
    client.force_login(gestionnaire)
    reponse = client.get(url_piece)
    assert reponse.status_code == 200 and contenu_telecharge(reponse) == PDF
    reponse = client.get(url_zip)
    assert reponse.status_code == 200 and contenu_telecharge(reponse) == archive
    gestionnaire.groups.clear()
    gestionnaire.user_permissions.clear()
    client.force_login(utilisateur("gestionnaire"))
    assert client.get(url_piece).status_code == 404
    assert client.get(url_zip).status_code == 404
    gestionnaire.user_permissions.add(
        Permission.objects.get(content_type__app_label="piecesjointes", codename="view_piecerecue")
    )
    client.force_login(utilisateur("gestionnaire"))  # fresh permission cache
    reponse = client.get(url_piece)
    assert reponse.status_code == 200 and contenu_telecharge(reponse) == PDF
    gestionnaire.is_staff = False  # a non-staff account without fournisseur never gets it
    gestionnaire.save()
    client.force_login(utilisateur("gestionnaire"))
    assert client.get(url_piece).status_code == 404
    gestionnaire.is_staff = True
    gestionnaire.save()
    assert client.get("/pieces-jointes/piece/999999/").status_code == 404


def test_gestionnaire_autorise_telecharge_le_zip(client, demo, exemple_ttc):
    client.force_login(utilisateur("relais"))
    import_demandes = importer(client, exemple_ttc)
    archive = zip_de((NOM_PIECE, PDF))
    depot = deposer_et_traiter(client, import_demandes, archive)
    gestionnaire = utilisateur("gestionnaire")
    gestionnaire.user_permissions.add(
        Permission.objects.get(content_type__app_label="piecesjointes", codename="view_zipdepose")
    )
    client.force_login(utilisateur("gestionnaire"))
    reponse = client.get(f"/pieces-jointes/zip/{depot.pk}/")
    assert reponse.status_code == 200 and contenu_telecharge(reponse) == archive


def test_point_de_statut(client_relais, import_ttc):
    deposer(client_relais, import_ttc, zip_de((NOM_PIECE, PDF), ("x.pdf", PDF)))
    depot = ZipDepose.objects.get()
    assert statut_du_zip(client_relais, depot) == {
        "statut": "EN_ATTENTE",
        "libelle": "En attente de traitement",
        "termine": False,
        "nb_entrees": 0,
        "nb_traitees": 0,
        "nb_acceptees": 0,
        "nb_refusees": 0,
        "message": "",
    }
    services.traiter_zip(depot.pk)
    assert statut_du_zip(client_relais, depot) == {
        "statut": "TRAITE",
        "libelle": "Traité",
        "termine": True,
        "nb_entrees": 2,
        "nb_traitees": 2,
        "nb_acceptees": 1,
        "nb_refusees": 1,
        "message": "",
    }
    assert client_relais.get("/pieces-jointes/zip/999999/statut/").status_code == 404


# --- through the real Celery worker -------------------------------------------------------


@pytest.fixture
def demo_transactionnel(transactional_db):
    """A transactional test starts from whatever the previous one left: reload the référentiels."""
    from demandes import referentiels
    from demandes.management.commands.seed_demo import creer_donnees_demo
    from demandes.models import Couloir, Logiciel, OperateurMessagerie, TypePiece

    referentiels.charger(Couloir, Logiciel, OperateurMessagerie, TypePiece)
    return creer_donnees_demo()


@pytest.fixture
def relais_transactionnel(client, demo_transactionnel):
    client.force_login(utilisateur("relais"))
    return client


def envoyer(client, import_demandes, contenu: bytes, nom="pieces.zip") -> int:
    """Upload as the page's script does (Accept: application/json); the task is queued on commit."""
    reponse = deposer(client, import_demandes, contenu, nom=nom, en_json=True)
    assert reponse.status_code == 200, reponse.content
    corps = reponse.json()
    assert corps["statut_url"] == f"/pieces-jointes/zip/{corps['zip']}/statut/"
    return corps["zip"]


@pytest.mark.django_db(transaction=True)
def test_worker_accepte_la_bonne_piece(worker_celery, relais_transactionnel, exemple_ttc, settings):
    client = relais_transactionnel
    import_demandes = importer(client, exemple_ttc)
    zip_id = envoyer(client, import_demandes, zip_de((NOM_PIECE, PDF), ("en-trop.pdf", PDF)))
    etat = attendre_traitement(client, zip_id)
    assert etat == {
        "statut": "TRAITE",
        "libelle": "Traité",
        "termine": True,
        "nb_entrees": 2,
        "nb_traitees": 2,
        "nb_acceptees": 1,
        "nb_refusees": 1,
        "message": "",
    }
    depot = ZipDepose.objects.get(pk=zip_id)
    piece = PieceRecue.objects.get()
    assert piece.zip_depose == depot and piece.piece_attendue.nom_fichier == NOM_PIECE
    verifier_stockage(settings, [depot])
    reponse = client.get(f"/pieces-jointes/piece/{piece.pk}/")
    assert reponse.status_code == 200 and contenu_telecharge(reponse) == PDF
    contenu = texte(ecran(client, import_demandes))
    assert MESSAGE_COMPLET in contenu
    assert f"en-trop.pdf — refusé : {MOTIF_INCONNU}" in contenu


@pytest.mark.django_db(transaction=True)
def test_worker_un_zip_ulterieur_remplace_la_piece(worker_celery, relais_transactionnel, exemple_ttc, settings):
    client = relais_transactionnel
    import_demandes = importer(client, exemple_ttc)
    premier = envoyer(client, import_demandes, zip_de((NOM_PIECE, PDF)), nom="v1.zip")
    assert attendre_traitement(client, premier)["nb_acceptees"] == 1
    second = envoyer(client, import_demandes, zip_de((NOM_PIECE, PDF_BIS)), nom="v2.zip")
    assert attendre_traitement(client, second)["nb_acceptees"] == 1

    en_vigueur = PieceRecue.objects.get(zip_depose_id=second)
    assert PieceRecue.objects.count() == 2  # the older one stays as history
    reponse = ecran(client, import_demandes)
    assert page(reponse).lien("Oui").attrs["href"] == f"/pieces-jointes/piece/{en_vigueur.pk}/"
    assert contenu_telecharge(client.get(f"/pieces-jointes/piece/{en_vigueur.pk}/")) == PDF_BIS
    demande = Demande.objects.get(import_demandes=import_demandes)
    assert (
        page(client.get(f"/demandes/{demande.pk}/"))
        .lien(f"Oui, le {timezone.localtime(en_vigueur.date_reception).strftime('%d/%m/%Y')}")
        .attrs["href"]
        == f"/pieces-jointes/piece/{en_vigueur.pk}/"
    )

    # a third zip with a fake PDF under the same name is refused: the piece in force stays the 2nd
    troisieme = envoyer(client, import_demandes, zip_de((NOM_PIECE, ELF)), nom="v3.zip")
    assert attendre_traitement(client, troisieme)["nb_refusees"] == 1
    reponse = ecran(client, import_demandes)
    assert page(reponse).lien("Oui").attrs["href"] == f"/pieces-jointes/piece/{en_vigueur.pk}/"
    assert MESSAGE_COMPLET in texte(reponse)
    assert [ligne[0] for ligne in page(reponse).table(COLONNES_ZIPS)] == ["v1.zip", "v2.zip", "v3.zip"]
    verifier_stockage(settings, ZipDepose.objects.all())


@pytest.mark.django_db(transaction=True)
def test_worker_progression_du_traitement(worker_celery, relais_transactionnel, exemple_ttc, monkeypatch):
    """The worker is held after 20 entries (the progress step): the status endpoint and the page show
    « En cours 20 / 45 », « Terminer » is refused; released, the zip ends « Traité »."""
    client = relais_transactionnel
    import_demandes = importer(client, exemple_ttc)
    arrive, reprise = threading.Event(), threading.Event()
    examiner = controles.examiner

    def examiner_suspendu(*args, **kwargs):
        for verdict in examiner(*args, **kwargs):
            if verdict.rang == services.PROGRESSION_TOUS_LES + 1:
                arrive.set()
                reprise.wait(60)
            yield verdict

    monkeypatch.setattr(controles, "examiner", examiner_suspendu)
    entrees = [(NOM_PIECE, PDF)] + [(f"inconnu-{n:02d}.pdf", PDF) for n in range(44)]
    try:
        zip_id = envoyer(client, import_demandes, zip_de(*entrees))
        assert arrive.wait(30), "le worker n'a pas pris le zip"
        etat = statut_du_zip(client, ZipDepose(pk=zip_id))
        assert (etat["statut"], etat["termine"], etat["nb_entrees"], etat["nb_traitees"]) == ("EN_COURS", False, 45, 20)
        reponse = ecran(client, import_demandes)
        assert page(reponse).table(COLONNES_ZIPS)[0][1] == "En cours 20 / 45"
        assert desactive(page(reponse).bouton("Terminer")) and MESSAGE_COMPLET not in texte(reponse)
        assert "data-en-cours" in reponse.content.decode()  # the page polls the status endpoint
        assert MESSAGE_ZIP_EN_COURS in texte(
            client.post(f"/pieces-jointes/{import_demandes.pk}/terminer/", follow=True)
        )
    finally:
        reprise.set()
    etat = attendre_traitement(client, zip_id)
    assert (etat["statut"], etat["nb_entrees"], etat["nb_traitees"], etat["nb_acceptees"], etat["nb_refusees"]) == (
        "TRAITE",
        45,
        45,
        1,
        44,
    )
    assert MESSAGE_COMPLET in texte(ecran(client, import_demandes))


@pytest.mark.django_db(transaction=True)
def test_worker_terminer(worker_celery, relais_transactionnel, document_ttc, settings):
    client = relais_transactionnel
    import_demandes = importer(client, fichier_deux_lignes(document_ttc))
    url_terminer = f"/pieces-jointes/{import_demandes.pk}/terminer/"
    premier = envoyer(client, import_demandes, zip_de((NOM_PIECE, PDF), (NOM_PIECE_2, ELF)))
    assert attendre_traitement(client, premier)["nb_acceptees"] == 1

    reponse = client.post(url_terminer, follow=True)
    assert reponse.redirect_chain == [(f"/pieces-jointes/{import_demandes.pk}/", 302)]
    contenu = texte(reponse)
    assert MESSAGE_MANQUANTES in contenu and DEMANDE_NOUVEAU_ZIP in contenu
    assert NOM_PIECE_2 in contenu.split(DEMANDE_NOUVEAU_ZIP)[1]

    second = envoyer(client, import_demandes, zip_de((NOM_PIECE_2, PDF_BIS)))
    assert attendre_traitement(client, second)["nb_acceptees"] == 1
    assert MESSAGE_COMPLET in texte(ecran(client, import_demandes))

    relais = utilisateur("relais")
    reponse = client.post(url_terminer, follow=True)
    assert reponse.redirect_chain == [("/imports/", 302)]
    assert "Import terminé : 2 demande(s) déposée(s), transmise(s) aux gestionnaires de l'ASP." in texte(reponse)
    import_demandes.refresh_from_db()
    assert import_demandes.etat == Import.Etat.TERMINE
    for demande in Demande.objects.filter(import_demandes=import_demandes):
        assert demande.statut == StatutDemande.DEPOSEE
        dernier = demande.history.order_by("-history_date", "-history_id").first()
        assert dernier.statut == StatutDemande.DEPOSEE and dernier.history_user_id == relais.pk
    liste = page(client.get("/demandes/"))
    (table,) = [t for t in liste.tables if t and "Statut" in t[0]]
    colonnes = table[0]
    assert sorted(
        (ligne[colonnes.index("Numéro Editeur")], ligne[colonnes.index("Statut")]) for ligne in table[1:]
    ) == [("00001", "Déposée"), ("00002", "Déposée")]

    # afterwards: no more zips, no second « Terminer »
    reponse = deposer(client, import_demandes, zip_de((NOM_PIECE, PDF)), en_json=True)
    assert reponse.status_code == 400 and reponse.json() == {"erreur": MESSAGE_PLUS_DE_DEPOT}
    reponse = deposer(client, import_demandes, zip_de((NOM_PIECE, PDF)))
    assert MESSAGE_PLUS_DE_DEPOT in texte(client.get(reponse["Location"]))
    assert ZipDepose.objects.count() == 2
    assert MESSAGE_DEJA_TERMINE in texte(client.post(url_terminer, follow=True))
    reponse = ecran(client, import_demandes)
    assert "Cet import est terminé : ses demandes ont été transmises aux gestionnaires de l'ASP." in texte(reponse)
    assert 'id="formulaire-zip"' not in reponse.content.decode()
    assert not [b for b in page(reponse).boutons if b.texte == "Terminer"]
    verifier_stockage(settings, ZipDepose.objects.all())

    # the pieces are visible to a manager allowed to view them
    gestionnaire = utilisateur("gestionnaire")
    gestionnaire.user_permissions.add(
        Permission.objects.get(content_type__app_label="piecesjointes", codename="view_piecerecue")
    )
    client.force_login(gestionnaire)
    for piece, contenu in (
        (PieceRecue.objects.get(piece_attendue__nom_fichier=NOM_PIECE), PDF),
        (PieceRecue.objects.get(piece_attendue__nom_fichier=NOM_PIECE_2), PDF_BIS),
    ):
        reponse = client.get(f"/pieces-jointes/piece/{piece.pk}/")
        assert reponse.status_code == 200 and contenu_telecharge(reponse) == contenu
