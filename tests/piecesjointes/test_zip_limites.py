"""Limits of the attachments step against abuse: a zip whose central directory is hostile (millions
of entries, a forged or lying end-of-central-directory record) is refused before zipfile parses it,
within a bounded memory and time; refused and failed zips are purged from the storage after
SEGUR_RETENTION_ZIPS_REFUSES_JOURS days (the row and its reason stay); each supplier has a storage
quota, SEGUR_QUOTA_STOCKAGE_OCTETS, checked at upload.

Every hostile zip is generated here, in memory: nothing big is committed. Only the central directory
matters to zipfile's parse, so the « many tiny entries » zips are a central directory repeated
n times (each entry 51 bytes) followed by its end records."""

import os
import re
import struct
import time
import tracemalloc
import zipfile
from datetime import timedelta
from pathlib import Path

from django.utils import timezone

from piecesjointes import services, tasks
from piecesjointes.models import ZipDepose
from tests.factories import MO, NOM_PIECE, PDF, PIC_MAX, zip_de, zip_de_taille
from tests.pages import COLONNES_ZIPS, MESSAGE_ARCHIVE_ILLISIBLE, desactive, page, texte
from tests.parcours import deposer, deposer_et_traiter, ecran

DUREE_MAX = 5.0  # seconds, generous for a slow CI machine: the refusal itself takes milliseconds


# --- building hostile archives ------------------------------------------------------------


def entree_centrale(nom: bytes = b"a.pdf", extra: bytes = b"") -> bytes:
    """One central directory header, 46 bytes + the name (+ an extra field), pointing at offset 0."""
    return (
        struct.pack(
            zipfile.structCentralDir,
            zipfile.stringCentralDir,
            20,  # create_version
            3,  # create_system
            20,  # extract_version
            0,  # reserved
            0,  # flag_bits
            0,  # compress_type (stored)
            0,  # time
            0x21,  # date
            0,  # CRC
            0,  # compress_size
            0,  # file_size
            len(nom),
            len(extra),
            0,  # comment length
            0,  # disk start
            0,  # internal attributes
            0,  # external attributes
            0,  # local header offset
        )
        + nom
        + extra
    )


def fin_classique(nb_entrees: int, taille: int, debut: int) -> bytes:
    return struct.pack(
        zipfile.structEndArchive, zipfile.stringEndArchive, 0, 0, nb_entrees, nb_entrees, taille, debut, 0
    )


def fin_zip64(nb_entrees: int, taille: int, debut: int) -> bytes:
    """ZIP64 end of central directory record + its locator + a classic record saying « see ZIP64 »."""
    enregistrement = struct.pack(
        zipfile.structEndArchive64,
        zipfile.stringEndArchive64,
        zipfile.sizeEndCentDir64 - 12,
        45,
        45,
        0,
        0,
        nb_entrees,
        nb_entrees,
        taille,
        debut,
    )
    localisateur = struct.pack(
        zipfile.structEndArchive64Locator, zipfile.stringEndArchive64Locator, 0, debut + taille, 1
    )
    return enregistrement + localisateur + fin_classique(0xFFFF, 0xFFFFFFFF, 0xFFFFFFFF)


def repertoire_geant(nb_entrees: int, *, nb_declare: int | None = None, zip64: bool = True) -> bytes:
    """A central directory of nb_entrees tiny entries; its end record declares nb_declare of them."""
    repertoire = entree_centrale() * nb_entrees
    declare = nb_entrees if nb_declare is None else nb_declare
    fin = fin_zip64(declare, len(repertoire), 0) if zip64 else fin_classique(declare, len(repertoire), 0)
    return repertoire + fin


def avec_fin_zip64_forgee(archive: bytes, nb_declare: int) -> bytes:
    """A real zip whose end record is replaced by a ZIP64 one claiming nb_declare entries."""
    assert archive[-22:-18] == zipfile.stringEndArchive
    _sig, _d, _ds, _n, _total, taille, debut, _c = struct.unpack(zipfile.structEndArchive, archive[-22:])
    return archive[:-22] + fin_zip64(nb_declare, taille, debut)


def traiter_en_mesurant(depot_id: int, capsys, libelle: str, duree_max=DUREE_MAX) -> ZipDepose:
    """The task body twice (it is idempotent): timed, then under tracemalloc (peak of the Python
    allocations; tracemalloc slows every allocation down, hence the separate timing). Printed."""
    debut = time.perf_counter()
    premier = services.traiter_zip(depot_id)
    duree = time.perf_counter() - debut
    tracemalloc.start()
    try:
        depot = services.traiter_zip(depot_id)
        _courant, pic = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    with capsys.disabled():
        print(f"\n[zip hostile] {libelle} : {duree:.2f} s, pic tracemalloc {pic / MO:.1f} Mo")
    assert (depot.statut, depot.message) == (premier.statut, premier.message)
    assert pic <= PIC_MAX, f"{libelle} : pic mémoire de {pic / MO:.0f} Mo (budget {PIC_MAX // MO} Mo)"
    assert duree < duree_max, f"{libelle} : {duree:.1f} s"
    return depot


def depot_unique(client, import_demandes, archive: bytes, nom: str) -> int:
    reponse = deposer(client, import_demandes, archive, nom=nom)
    assert reponse.status_code == 302, reponse.content[:500]
    return ZipDepose.objects.get(nom_fichier=nom).pk


def ligne_du_zip(client, import_demandes, nom: str) -> str:
    lignes = page(ecran(client, import_demandes)).table(COLONNES_ZIPS)
    (statut,) = [s for n, s in lignes if n.startswith(nom)]
    return statut


# --- 1. hostile central directories ---------------------------------------------------------


def test_un_million_d_entrees_refuse_sans_analyser_le_repertoire(client_relais, import_ttc, settings, capsys):
    """51 Mo of central directory, 1 000 000 tiny entries (ZIP64 end record, honest count): refused on
    the count read from the end record, with the message of the cap, in bounded memory."""
    archive = repertoire_geant(1_000_000)
    assert len(archive) > 50_000_000
    depot = traiter_en_mesurant(depot_unique(client_relais, import_ttc, archive, "million.zip"), capsys, "1 M entrées")
    message = f"L'archive contient 1000000 fichiers : {settings.SEGUR_MAX_ENTREES_ZIP} au plus."
    assert (depot.statut, depot.message) == (ZipDepose.Statut.REFUSE, message)
    assert (depot.nb_traitees, depot.nb_acceptees, depot.nb_refusees) == (0, 0, 0)
    assert not depot.entrees.exists()
    assert ligne_du_zip(client_relais, import_ttc, "million.zip") == f"Refusé {message}"


def test_fin_de_repertoire_forgee_annoncant_des_millions_d_entrees(client_relais, import_ttc, settings, capsys):
    """A small zip holding the expected piece, whose ZIP64 end record claims 3 900 000 entries: the
    archive is refused on what it declares (the attack's figure), before any entry is read."""
    archive = avec_fin_zip64_forgee(zip_de((NOM_PIECE, PDF)), 3_900_000)
    assert len(archive) < 2000
    depot = traiter_en_mesurant(depot_unique(client_relais, import_ttc, archive, "forge.zip"), capsys, "EOCD forgé")
    message = f"L'archive contient 3900000 fichiers : {settings.SEGUR_MAX_ENTREES_ZIP} au plus."
    assert (depot.statut, depot.message) == (ZipDepose.Statut.REFUSE, message)
    assert not depot.pieces.exists() and not depot.entrees.exists()
    assert ligne_du_zip(client_relais, import_ttc, "forge.zip") == f"Refusé {message}"


def test_fin_de_repertoire_menteuse_repertoire_demesure(client_relais, import_ttc, capsys):
    """The end record says 1 entry but its central directory is 51 Mo (1 000 000 entries): a size
    absurd for what it declares, refused before zipfile reads it into memory."""
    archive = repertoire_geant(1_000_000, nb_declare=1, zip64=False)
    depot = traiter_en_mesurant(
        depot_unique(client_relais, import_ttc, archive, "menteur.zip"),
        capsys,
        "1 entrée déclarée, 51 Mo de répertoire",
    )
    assert depot.statut == ZipDepose.Statut.REFUSE
    assert depot.message.startswith("Le répertoire de l'archive est anormalement grand"), depot.message
    assert ligne_du_zip(client_relais, import_ttc, "menteur.zip") == f"Refusé {depot.message}"


def test_fin_de_repertoire_menteuse_entrees_comptees_en_flux(client_relais, import_ttc, settings, capsys):
    """The end record says 1 entry; the central directory (15 Mo, under the size bound) holds 300 000
    tiny entries: counted on a stream, the count stops past the cap and the zip is refused."""
    archive = repertoire_geant(300_000, nb_declare=1, zip64=False)
    depot = traiter_en_mesurant(
        depot_unique(client_relais, import_ttc, archive, "compte.zip"), capsys, "1 entrée déclarée, 300 000 réelles"
    )
    assert depot.statut == ZipDepose.Statut.REFUSE
    assert re.fullmatch(
        rf"L'archive contient plus de \d+ fichiers : {settings.SEGUR_MAX_ENTREES_ZIP} au plus\.", depot.message
    ), depot.message
    assert ligne_du_zip(client_relais, import_ttc, "compte.zip") == f"Refusé {depot.message}"


def test_le_plus_gros_repertoire_admis_reste_dans_le_budget(client_relais, import_ttc, settings, capsys):
    """What the checks let zipfile parse at most: 20 000 files and 20 000 folders (the cap counts
    files only) in a central directory at its size bound (1 Ko per entry of the cap), each header
    padded with an extra field. Processed to the end (every name refused: none is expected), its
    memory stays in the budget."""
    maximum = settings.SEGUR_MAX_ENTREES_ZIP
    plafond = maximum * 1024
    par_entree = plafond // (2 * maximum)

    def entree(nom: bytes) -> bytes:
        bourrage = par_entree - 46 - len(nom) - 4
        return entree_centrale(nom, struct.pack("<HH", 0xCAFE, bourrage) + b"e" * bourrage)

    repertoire = b"".join(entree(f"d{n:05d}/".encode()) + entree(f"f{n:05d}.pdf".encode()) for n in range(maximum))
    assert len(repertoire) == plafond
    archive = repertoire + fin_zip64(2 * maximum, len(repertoire), 0)
    depot = traiter_en_mesurant(
        depot_unique(client_relais, import_ttc, archive, "limite.zip"), capsys, "répertoire maximal admis", 120
    )
    assert (depot.statut, depot.nb_entrees, depot.nb_acceptees, depot.nb_refusees) == (
        ZipDepose.Statut.TRAITE,
        maximum,
        0,
        maximum,
    )


# --- 2. purge of refused and failed zips ----------------------------------------------------


def vieillir_de(depot_id: int, jours: float):
    quand = timezone.now() - timedelta(days=jours)
    ZipDepose.objects.filter(pk=depot_id).update(date_depot=quand, date_traitement=quand, date_activite=quand)


def chemin(depot_id: int) -> Path:
    return Path(ZipDepose.objects.get(pk=depot_id).fichier.path)


def test_purge_des_zips_refuses_et_en_echec(client_relais, import_ttc, settings):
    assert settings.MEDIA_ROOT  # the autouse fixture's storage
    refuse = deposer_et_traiter(client_relais, import_ttc, os.urandom(4096), nom="refuse.zip")
    traite = deposer_et_traiter(client_relais, import_ttc, zip_de((NOM_PIECE, PDF)), nom="traite.zip")
    recent = deposer_et_traiter(client_relais, import_ttc, b"pas un zip", nom="recent.zip")
    deposer(client_relais, import_ttc, zip_de((NOM_PIECE, PDF)), nom="echec.zip")
    echec = ZipDepose.objects.get(nom_fichier="echec.zip")
    ZipDepose.objects.filter(pk=echec.pk).update(
        statut=ZipDepose.Statut.EN_ECHEC, nb_tentatives=3, message=services.MESSAGE_ECHEC.format(n=3)
    )
    assert refuse.statut == recent.statut == ZipDepose.Statut.REFUSE and traite.statut == ZipDepose.Statut.TRAITE
    fichiers = {d: chemin(d) for d in (refuse.pk, traite.pk, recent.pk, echec.pk)}
    assert all(p.exists() for p in fichiers.values())
    for depot_id in (refuse.pk, traite.pk, echec.pk):
        vieillir_de(depot_id, 31)
    vieillir_de(recent.pk, 29)

    resultat = tasks.purger_zips_refuses()
    assert resultat["zips_purges"] == 2
    assert not fichiers[refuse.pk].exists() and not fichiers[echec.pk].exists()
    assert fichiers[traite.pk].exists() and fichiers[recent.pk].exists()  # processed / still within retention
    # the rows and their reasons stay
    refuse_apres = ZipDepose.objects.get(pk=refuse.pk)
    assert (refuse_apres.statut, refuse_apres.message) == (ZipDepose.Statut.REFUSE, MESSAGE_ARCHIVE_ILLISIBLE)
    assert ZipDepose.objects.get(pk=echec.pk).statut == ZipDepose.Statut.EN_ECHEC

    # the page: still « Refusé » with its reason, the file said deleted, no « Relancer » for it
    reponse = ecran(client_relais, import_ttc)
    lignes = dict(page(reponse).table(COLONNES_ZIPS))
    assert lignes["refuse.zip fichier supprimé après 30 jours de conservation"] == f"Refusé {MESSAGE_ARCHIVE_ILLISIBLE}"
    assert "echec.zip fichier supprimé après 30 jours de conservation" in lignes
    assert "traite.zip" in lignes and "recent.zip" in lignes
    assert f"/pieces-jointes/zip/{echec.pk}/relancer/" not in reponse.content.decode()
    assert f'href="/pieces-jointes/zip/{refuse.pk}/"' not in reponse.content.decode()

    # the download answers a clean French page, never a 500
    reponse = client_relais.get(f"/pieces-jointes/zip/{refuse.pk}/")
    assert reponse.status_code == 410
    contenu = texte(reponse, lu=True)
    assert "Le fichier « refuse.zip » n'est plus disponible" in contenu
    assert "conservés 30 jours" in contenu
    assert client_relais.get(f"/pieces-jointes/zip/{recent.pk}/").status_code == 200

    # a purged failed zip cannot be relaunched (there is nothing left to process)
    suite = client_relais.post(f"/pieces-jointes/zip/{echec.pk}/relancer/", follow=True)
    assert "Le fichier « echec.zip » a été supprimé après 30 jours de conservation" in texte(suite, lu=True)
    assert ZipDepose.objects.get(pk=echec.pk).statut == ZipDepose.Statut.EN_ECHEC

    # a redelivered task on a purged zip keeps its result
    assert services.traiter_zip(refuse.pk).message == MESSAGE_ARCHIVE_ILLISIBLE

    # idempotent
    assert tasks.purger_zips_refuses()["zips_purges"] == 0
    assert fichiers[traite.pk].exists() and fichiers[recent.pk].exists()


def test_purge_retention_reglable_et_fichier_deja_absent(client_relais, import_ttc, settings):
    settings.SEGUR_RETENTION_ZIPS_REFUSES_JOURS = 7
    vieux = deposer_et_traiter(client_relais, import_ttc, b"vieux", nom="vieux.zip")
    jeune = deposer_et_traiter(client_relais, import_ttc, b"jeune", nom="jeune.zip")
    disparu = deposer_et_traiter(client_relais, import_ttc, b"disparu", nom="disparu.zip")
    vieillir_de(vieux.pk, 8)
    vieillir_de(jeune.pk, 6)
    vieillir_de(disparu.pk, 8)
    chemin(disparu.pk).unlink()  # a purge interrupted after the delete, or a storage cleaned by hand

    assert tasks.purger_zips_refuses()["zips_purges"] == 2
    assert not chemin_existe(vieux.pk) and chemin(jeune.pk).exists()
    reponse = client_relais.get(f"/pieces-jointes/zip/{disparu.pk}/")
    assert reponse.status_code == 410 and "conservés 7 jours" in texte(reponse, lu=True)


def chemin_existe(depot_id: int) -> bool:
    depot = ZipDepose.objects.get(pk=depot_id)
    return bool(depot.fichier) and Path(depot.fichier.path).exists()


# --- 3. storage quota per supplier -----------------------------------------------------------


MESSAGE_QUOTA = re.compile(r"Votre espace de stockage est plein \((.+) utilisés sur (.+)\) : contactez l'ASP\.")


def test_quota_de_stockage_par_fournisseur(client_relais, import_ttc, settings):
    settings.SEGUR_QUOTA_STOCKAGE_OCTETS = 10 * 1024
    racine = Path(settings.MEDIA_ROOT)
    premier = deposer_et_traiter(client_relais, import_ttc, zip_de_taille(4000), nom="premier.zip")
    assert premier.nb_acceptees == 1  # a piece of len(PDF) bytes stored too
    assert deposer(client_relais, import_ttc, b"z" * 4000, nom="illisible.zip").status_code == 302
    illisible = services.traiter_zip(ZipDepose.objects.get(nom_fichier="illisible.zip").pk)
    assert illisible.statut == ZipDepose.Statut.REFUSE
    # used: 4000 + 4000 + len(PDF); the zips alone would leave room for 2100 bytes, not the pieces
    assert 8000 + 2100 <= 10 * 1024 < 8000 + len(PDF) + 2100
    fichiers_avant = sorted(p for p in racine.rglob("*") if p.is_file())

    reponse = deposer(client_relais, import_ttc, zip_de_taille(2100), nom="de trop.zip", en_json=True)
    assert reponse.status_code == 400
    trouve = MESSAGE_QUOTA.fullmatch(reponse.json()["erreur"])
    assert trouve, reponse.json()
    assert trouve.groups() == ("8 Ko", "10 Ko")
    reponse = deposer(client_relais, import_ttc, zip_de_taille(2100), nom="de trop.zip")
    assert reponse.status_code == 302
    assert "Votre espace de stockage est plein (8 Ko utilisés sur 10 Ko) : contactez l'ASP." in texte(
        ecran(client_relais, import_ttc), lu=True
    )
    # nothing stored
    assert not ZipDepose.objects.filter(nom_fichier="de trop.zip").exists()
    assert sorted(p for p in racine.rglob("*") if p.is_file()) == fichiers_avant

    # the purge of the refused zip gives its room back
    vieillir_de(illisible.pk, 31)  # SEGUR_RETENTION_ZIPS_REFUSES_JOURS: 30 by default
    assert tasks.purger_zips_refuses()["zips_purges"] == 1
    reponse = deposer(client_relais, import_ttc, zip_de_taille(2100), nom="de trop.zip", en_json=True)
    assert reponse.status_code == 200, reponse.content


def test_quota_exactement_atteint_et_autres_fournisseurs(client_relais, import_ttc, settings, demo):
    """Exactly the quota is accepted; another supplier's files never count."""
    autre = demo["87950324100017"]
    ZipDepose.objects.create(
        import_demandes=import_ttc, fournisseur=autre, nom_fichier="autre.zip", fichier="zips/autre.zip", taille=10**12
    )
    settings.SEGUR_QUOTA_STOCKAGE_OCTETS = 6000
    assert deposer(client_relais, import_ttc, zip_de_taille(3000), nom="a.zip", en_json=True).status_code == 200
    assert deposer(client_relais, import_ttc, zip_de_taille(3000), nom="b.zip", en_json=True).status_code == 200
    reponse = deposer(client_relais, import_ttc, zip_de_taille(1000), nom="c.zip", en_json=True)
    assert reponse.status_code == 400
    assert MESSAGE_QUOTA.fullmatch(reponse.json()["erreur"]).groups() == ("5,9 Ko", "5,9 Ko")
    assert not desactive(page(ecran(client_relais, import_ttc)).bouton("Importer"))
