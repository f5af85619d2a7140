"""Benchmark of the intake of a zip of attachments: throughput of the task body and peak memory
of a real Celery worker.

Run from the project root:

    DEBUG=1 .venv/bin/python bench/reception_zip.py [--essais 3] [--profil]

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/segur_benchzip REDIS_URL=redis://127.0.0.1:6379/4 \\
        DEBUG=1 .venv/bin/python bench/reception_zip.py

Without DATABASE_URL a throw-away SQLite file $TMPDIR/bench-zip-intake.sqlite3 is used (never
the portal's var/db.sqlite3); a PostgreSQL database is created when missing (psycopg2, through
the `postgres` database). Without REDIS_URL the embedded filesystem broker of the settings is
used. Without MEDIA_ROOT, stored files go to a temporary MEDIA_ROOT deleted at the end. The
worker subprocesses get the same environment (DEBUG, DATABASE_URL, REDIS_URL, MEDIA_ROOT).

Everything is measured in the same run; figures and ratios are printed, nothing is asserted:

1. an import of the demo supplier « relais » (numéro ANS mlp525off1) in state IMPORTE, created
   directly in the database: one Import row (résultat SIMULATION_OK, small stored file) and N
   Demande rows (EN_ATTENTE_PIECES, numero FINMDVZIP…, numeroEditeur ZIP…) each expecting one
   PieceAttendue `MDV-LGC-Va1-BDC-{numeroEditeur}.pdf`. The rows of a previous run (import
   named bench-zip-intake.json, demandes FINMDVZIP…) and their stored files are removed first,
   and again at the end;
2. two zips in a temporary directory, entries of 3 MiB - 100 bytes (b"%PDF-1.4\\n" then random
   bytes: incompressible), each entry an expected piece name, written with ZIP_DEFLATED
   (compresslevel 1: on random data zlib emits stored deflate blocks, the zip stays the size of
   its content but inflate and CRC-32 still run): the big one has as many entries as fit under
   SEGUR_MAX_ZIP_BYTES (200 MiB → 66), the small one ~20 MiB (7 entries);
3. throughput on the big zip, both from a warm page cache: `unzip -t` (best of N) against the
   task body `piecesjointes.services.traiter_zip(zip_id)` in process (best of N; idempotent, it
   replaces its rows and stored files), on a ZipDepose row whose file was saved through its
   FileField like deposer_zip does; for information, a bare Python zipfile read of every entry.
   Target: portal ≥ 0.5 × unzip -t throughput;
4. peak RSS of a real worker (`celery -A segur_portal worker --pool=solo --concurrency=1
   -l WARNING`): idle (started, 5 s, stopped), then a fresh worker per zip: the task is sent
   with piecesjointes.tasks.traiter_zip.apply_async((zip_id,), queue=…), i.e. .delay() routed
   to a queue of the bench's own (-Q) so that no other worker sharing the broker takes it and
   no stale message of the default queue is consumed; once the row is TRAITE the worker gets
   SIGTERM. Each worker is spawned by a small fresh wrapper that waits for it with os.wait4
   and reports its ru_maxrss (as bench/simulation.py does); /proc/PID/status VmHWM is read just
   before SIGTERM as a cross-check. Target: ≤ 150 MiB whatever the zip size;
5. a summary table with the targets.

When a target is missed (or with --profil): cProfile of traiter_zip on the big zip (top 15,
cumulative) and a tracemalloc run (peak of Python allocations, and the top allocation sites at
the heaviest moment sampled, i.e. at the storage of each accepted piece).
"""

import argparse
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import tracemalloc
import uuid
import zipfile
from decimal import Decimal
from pathlib import Path

from commun import (
    NUMERO_ANS,
    RACINE,
    TAILLE_PIECE,
    UTILISATEUR,
    commande_mesuree,
    decrire_base,
    ecrire_zip_incompressible,
    fin_de,
    fmt_durees,
    imprimer_tableau,
    lire_statut_proc,
    meilleur_de,
    mo,
    preparer_base,
    preparer_django,
    profiler,
    verdict,
)
from commun import nom_piece as nom_de_piece

os.environ["CELERY_TASK_ALWAYS_EAGER"] = "0"  # the worker measure needs a real broker round trip
_MEDIA_TEMPORAIRE = preparer_django("bench-zip-intake")

import django  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core.files import File  # noqa: E402
from django.core.files.base import ContentFile  # noqa: E402
from django.core.files.storage import default_storage  # noqa: E402
from django.db import connections, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from demandes.models import Demande, PieceAttendue, Solution  # noqa: E402
from demandes.valeurs import StatutDemande, TypeDemande  # noqa: E402
from imports.models import ErreurLigne, Import  # noqa: E402
from piecesjointes import services as services_pj  # noqa: E402
from piecesjointes.models import EntreeZip, PieceRecue, ZipDepose  # noqa: E402
from piecesjointes.tasks import traiter_zip as tache_traiter_zip  # noqa: E402
from segur_portal.celery import app as application_celery  # noqa: E402

NOM_IMPORT = "bench-zip-intake.json"
PREFIXE_NUMERO = "FINMDVZIP"
PREFIXE_EDITEUR = "ZIP"
FILE_CELERY = "bench-zip-intake"

SURCOUT_ENTREE = 200  # local header + central directory + deflate block headers, generous
TAILLE_PETIT_ZIP = 20 * 1024 * 1024

CIBLE_RATIO_DEBIT = 0.5
CIBLE_RSS_MO = 150
ATTENTE_REPOS_S = 5
DELAI_MAX_TACHE_S = 900
DELAI_ARRET_S = 60

CELERY = str(RACINE / ".venv" / "bin" / "celery")


# --- 1. The import and its demandes ----------------------------------------------------------------


def nom_piece(i):
    return nom_de_piece(f"{PREFIXE_EDITEUR}{i:05d}")


def nettoyer(fournisseur):
    """Removes the rows (and stored files) of a previous run of this bench, and only those."""
    imports = Import.objects.filter(fournisseur=fournisseur, nom_fichier=NOM_IMPORT)
    zips = ZipDepose.objects.filter(import_demandes__in=imports)
    recues = PieceRecue.objects.filter(zip_depose__in=zips) | PieceRecue.objects.filter(
        piece_attendue__demande__numero__startswith=PREFIXE_NUMERO
    )
    for nom in (
        list(recues.values_list("fichier", flat=True))
        + list(zips.values_list("fichier", flat=True))
        + list(imports.values_list("fichier", flat=True))
    ):
        if nom and default_storage.exists(nom):
            default_storage.delete(nom)
    with transaction.atomic():
        recues.delete()
        EntreeZip.objects.filter(zip_depose__in=zips).delete()
        zips.delete()
        PieceAttendue.objects.filter(demande__numero__startswith=PREFIXE_NUMERO).delete()
        # Raw delete: no collector walking every reverse relation of Demande (the bench creates
        # no beneficiary, history row or payment for them).
        Demande.objects.filter(numero__startswith=PREFIXE_NUMERO)._raw_delete(Demande.objects.db)
        ErreurLigne.objects.filter(import_demandes__in=imports).delete()
        imports.delete()


def preparer_import(fournisseur, nb):
    solution = Solution.objects.get(numero_ans=NUMERO_ANS)
    utilisateur = fournisseur.utilisateurs.get(username=UTILISATEUR)
    contenu = json.dumps({"bench": "reception_zip", "demandes": nb}).encode()
    with transaction.atomic():
        import_demandes = Import(
            fournisseur=fournisseur,
            utilisateur=utilisateur,
            solution=solution,
            numero_ans=NUMERO_ANS,
            type_demande=TypeDemande.AVANCE,
            taux_tva="20",
            nom_fichier=NOM_IMPORT,
            sha256=hashlib.sha256(contenu).hexdigest(),
            taille=len(contenu),
            nb_lignes=nb,
            nb_valides=nb,
            resultat=Import.Resultat.SIMULATION_OK,
            etat=Import.Etat.IMPORTE,
            date_import=timezone.now(),
            nb_retenues=nb,
        )
        import_demandes.fichier.save("televersement.json", ContentFile(contenu), save=False)
        import_demandes.save()
        demandes = Demande.objects.bulk_create(
            [
                Demande(
                    numero=f"{PREFIXE_NUMERO}{i:06d}",
                    type_demande=TypeDemande.AVANCE,
                    fournisseur=fournisseur,
                    solution=solution,
                    numero_editeur=f"{PREFIXE_EDITEUR}{i:05d}",
                    date_commande=timezone.localdate(),
                    regime_tva="TTC",
                    montant_ht=Decimal("10000.00"),
                    statut=StatutDemande.EN_ATTENTE_PIECES,
                    import_demandes=import_demandes,
                    rang=i,
                )
                for i in range(1, nb + 1)
            ]
        )
        PieceAttendue.objects.bulk_create(
            [
                PieceAttendue(
                    demande=demande, nom_fichier=nom_piece(i), format_fichier="PDF", type_fichier="BON_COMMANDE"
                )
                for i, demande in enumerate(demandes, start=1)
            ]
        )
    return import_demandes


# --- 2. The zips -----------------------------------------------------------------------------------


def ecrire_zip(chemin: Path, nb_entrees: int) -> int:
    ecrire_zip_incompressible(chemin, [nom_piece(i) for i in range(1, nb_entrees + 1)])
    return chemin.stat().st_size


def deposer(import_demandes, chemin: Path) -> ZipDepose:
    """Like deposer_zip, without queuing: the file saved through the FileField (default storage)."""
    depot = ZipDepose(
        import_demandes=import_demandes,
        fournisseur_id=import_demandes.fournisseur_id,
        nom_fichier=chemin.name,
        taille=chemin.stat().st_size,
    )
    with open(chemin, "rb") as flux:
        depot.fichier.save("archive.zip", File(flux, name=chemin.name), save=False)
    depot.save()
    return depot


def rechauffer(chemin):
    """Reads the file once so that every measure starts from the page cache."""
    with open(chemin, "rb") as f:
        while f.read(8 * 1024 * 1024):
            pass


def chemin_stocke(depot):
    try:
        return Path(depot.fichier.path)
    except NotImplementedError:  # remote storage: nothing to warm up locally
        return None


# --- 3. Throughput ---------------------------------------------------------------------------------


def unzip_t(chemin):
    execution = subprocess.run(["unzip", "-t", str(chemin)], capture_output=True, text=True)
    if execution.returncode != 0:
        sys.exit(f"unzip -t a échoué (code {execution.returncode}) :\n{execution.stdout[-2000:]}\n{execution.stderr}")
    return execution.stdout.strip().splitlines()[-1]


def zipfile_seul(chemin):
    """Bare Python: every entry read (inflate + CRC-32) in 64 KiB blocks, nothing kept."""
    total = 0
    with zipfile.ZipFile(chemin) as archive:
        for info in archive.infolist():
            with archive.open(info) as flux:
                while bloc := flux.read(64 * 1024):
                    total += len(bloc)
    return total


def verifier_pieces_stockees(depot, chemin_zip):
    """Once, outside the timings: the first and last stored pieces hold the bytes of their entry."""
    recues = list(
        PieceRecue.objects.filter(zip_depose=depot)
        .select_related("piece_attendue")
        .order_by("piece_attendue__nom_fichier")
    )
    with zipfile.ZipFile(chemin_zip) as archive:
        for recue in (recues[0], recues[-1]):
            attendu = hashlib.sha256(archive.read(recue.piece_attendue.nom_fichier)).hexdigest()
            with default_storage.open(recue.fichier.name, "rb") as flux:
                stocke = hashlib.sha256(flux.read()).hexdigest()
            if not (attendu == stocke == recue.sha256):
                sys.exit(f"Pièce stockée incohérente : {recue.piece_attendue.nom_fichier} ({recue.fichier.name})")
    return len(recues)


def traiter(depot, nb_attendues):
    resultat = services_pj.traiter_zip(depot.pk)
    if resultat.statut != ZipDepose.Statut.TRAITE or resultat.nb_acceptees != nb_attendues:
        motifs = list(EntreeZip.objects.filter(zip_depose=resultat, acceptee=False).values_list("nom", "motif")[:10])
        sys.exit(
            f"traiter_zip : statut {resultat.statut} « {resultat.message} », {resultat.nb_acceptees} acceptées "
            f"sur {nb_attendues} attendues. Refus : {motifs}"
        )
    return resultat


# --- 4. Worker peak memory -------------------------------------------------------------------------


def purger_file():
    try:
        with application_celery.connection_for_write() as connexion:
            return connexion.default_channel.queue_purge(FILE_CELERY) or 0
    except Exception as erreur:  # noqa: BLE001 - informative only
        print(f"   (purge de la file {FILE_CELERY} impossible : {erreur})")
        return 0


class Worker:
    """A Celery worker spawned through the wait4 wrapper."""

    def __init__(self, dossier: Path, nom: str):
        self.rapport = dossier / f"{nom}.rusage.json"
        self.fichier_pid = dossier / f"{nom}.pid"
        self.journal_chemin = dossier / f"{nom}.log"
        for chemin in (self.rapport, self.fichier_pid):
            chemin.unlink(missing_ok=True)
        commande = [
            CELERY,
            "-A",
            "segur_portal",
            "worker",
            "--pool=solo",
            "--concurrency=1",
            "-l",
            "WARNING",
            "-Q",
            FILE_CELERY,
            "-n",
            f"benchzip-{uuid.uuid4().hex[:8]}@%h",
        ]
        self.journal = open(self.journal_chemin, "w")
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(RACINE), env.get("PYTHONPATH")]))
        # Same working directory as the bench (its temporary directory): see main().
        self.enveloppe = subprocess.Popen(
            commande_mesuree(self.rapport, commande, self.fichier_pid),
            cwd=os.getcwd(),
            env=env,
            stdout=self.journal,
            stderr=subprocess.STDOUT,
        )
        self.pid = None
        limite = time.monotonic() + 30
        while self.pid is None:
            if self.fichier_pid.exists():
                self.pid = int(self.fichier_pid.read_text())
            elif self.enveloppe.poll() is not None or time.monotonic() > limite:
                sys.exit(f"Le worker n'a pas démarré :\n{self.journal_chemin.read_text()[-3000:]}")
            else:
                time.sleep(0.02)
        self.debut = time.perf_counter()

    def vivant(self):
        return self.enveloppe.poll() is None

    def arreter(self):
        """SIGTERM (warm shutdown), then the wrapper's report. Returns (report, VmHWM KiB before stop)."""
        _, hwm = lire_statut_proc(self.pid)
        if self.vivant():
            try:
                os.kill(self.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        try:
            self.enveloppe.wait(timeout=DELAI_ARRET_S)
        except subprocess.TimeoutExpired:
            print(f"   le worker {self.pid} ne s'arrête pas après SIGTERM : SIGKILL")
            try:
                os.kill(self.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.enveloppe.wait(timeout=DELAI_ARRET_S)
        self.journal.close()
        if not self.rapport.exists():
            sys.exit(f"L'enveloppe de mesure n'a rien rapporté :\n{self.journal_chemin.read_text()[-3000:]}")
        return json.loads(self.rapport.read_text()), hwm

    def fin_du_journal(self, lignes=15):
        return fin_de(self.journal_chemin, lignes)


def worker_au_repos(dossier):
    worker = Worker(dossier, "worker-repos")
    time.sleep(ATTENTE_REPOS_S)
    rss, _ = lire_statut_proc(worker.pid)
    rapport, hwm = worker.arreter()
    return {
        "maxrss_ko": rapport["maxrss_ko"],
        "vmhwm_ko": hwm,
        "vmrss_ko": rss,
        "code": rapport["code"],
        "journal": worker.fin_du_journal(),
    }


def worker_sur_zip(dossier, depot, nb_attendues, nom):
    ZipDepose.objects.filter(pk=depot.pk).update(
        statut=ZipDepose.Statut.EN_ATTENTE, nb_traitees=0, date_traitement=None
    )
    worker = Worker(dossier, nom)
    envoi = time.perf_counter()
    tache_traiter_zip.apply_async((depot.pk,), queue=FILE_CELERY)
    debut_traitement = None
    statut = None
    while True:
        statut = ZipDepose.objects.filter(pk=depot.pk).values_list("statut", flat=True).get()
        if statut == ZipDepose.Statut.EN_COURS and debut_traitement is None:
            debut_traitement = time.perf_counter()
        if statut in (ZipDepose.Statut.TRAITE, ZipDepose.Statut.REFUSE):
            break
        if not worker.vivant():
            sys.exit(f"Le worker s'est arrêté avant la fin du traitement :\n{worker.fin_du_journal(40)}")
        if time.perf_counter() - envoi > DELAI_MAX_TACHE_S:
            worker.arreter()
            sys.exit(f"Zip non traité après {DELAI_MAX_TACHE_S} s (statut {statut}) :\n{worker.fin_du_journal(40)}")
        time.sleep(0.1)
    fin = time.perf_counter()
    # Give the worker the time to ack the message before stopping it (acks_late).
    time.sleep(0.5)
    rapport, hwm = worker.arreter()
    ligne = ZipDepose.objects.get(pk=depot.pk)
    return {
        "maxrss_ko": rapport["maxrss_ko"],
        "vmhwm_ko": hwm,
        "code": rapport["code"],
        "statut": statut,
        "acceptees": ligne.nb_acceptees,
        "attendues": nb_attendues,
        "envoi_traite_s": fin - envoi,
        "traitement_s": (fin - debut_traitement) if debut_traitement else None,
        "journal": worker.fin_du_journal(),
    }


# --- Profiles ----------------------------------------------------------------------------------------


def profiler_temps(depot, nb_attendues, lignes=15):
    return profiler(lambda: traiter(depot, nb_attendues), lignes)


def profiler_memoire(depot, nb_attendues, lignes=10):
    """tracemalloc over traiter_zip. The snapshot kept is the one with the most traced memory among
    those taken at each call of services._stocker (the accepted piece is then held in memory)."""
    original = services_pj._stocker
    plus_lourd = {"courant": -1, "instantane": None}

    def stocker_observe(cle, contenu):
        courant, _ = tracemalloc.get_traced_memory()
        if courant > plus_lourd["courant"]:
            plus_lourd["courant"] = courant
            plus_lourd["instantane"] = tracemalloc.take_snapshot()
        return original(cle, contenu)

    services_pj._stocker = stocker_observe
    tracemalloc.start(8)
    try:
        base, _ = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        traiter(depot, nb_attendues)
        courant, pic = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
        services_pj._stocker = original
    sortie = [
        f"   tracemalloc : avant {mo(base):.1f} Mo, pic {mo(pic):.1f} Mo (+{mo(pic - base):.1f} Mo), "
        f"après {mo(courant):.1f} Mo",
        f"   instantané le plus lourd (à l'appel de _stocker) : {mo(plus_lourd['courant']):.1f} Mo tracés ; "
        f"{lignes} premiers sites d'allocation :",
    ]
    if plus_lourd["instantane"] is not None:
        filtre = [tracemalloc.Filter(False, tracemalloc.__file__)]
        for stat in plus_lourd["instantane"].filter_traces(filtre).statistics("lineno")[:lignes]:
            cadre = stat.traceback[0]
            sortie.append(f"     {mo(stat.size):8.2f} Mo  {stat.count:6d} blocs  {cadre.filename}:{cadre.lineno}")
    return "\n".join(sortie)


# --- Main ------------------------------------------------------------------------------------------


def main():
    sys.stdout.reconfigure(line_buffering=True)  # keeps the order with stderr (warnings) when piped
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--essais", type=int, default=3, help="essais par mesure de débit (défaut : 3)")
    parser.add_argument("--profil", action="store_true", help="profiler traiter_zip même si les cibles sont atteintes")
    args = parser.parse_args()
    if shutil.which("unzip") is None:
        sys.exit("unzip est introuvable : apt-get install -y unzip")

    broker = (
        settings.CELERY_BROKER_URL.split("@")[-1] if "@" in settings.CELERY_BROKER_URL else settings.CELERY_BROKER_URL
    )
    print(f"Base : {decrire_base()} — broker : {broker} (file {FILE_CELERY}) — MEDIA_ROOT : {settings.MEDIA_ROOT}")
    print(
        f"Python {sys.version.split()[0]}, Django {django.get_version()}, {os.cpu_count()} CPU, charge "
        f"{' '.join(f'{c:.2f}' for c in os.getloadavg())} — "
        f"plafonds : zip {mo(settings.SEGUR_MAX_ZIP_BYTES):.0f} Mo, pièce {mo(settings.SEGUR_MAX_PIECE_BYTES):.0f} Mo"
    )
    fournisseur = preparer_base()

    nb_gros = (settings.SEGUR_MAX_ZIP_BYTES - 22) // (TAILLE_PIECE + SURCOUT_ENTREE)
    nb_petit = max(1, round(TAILLE_PETIT_ZIP / TAILLE_PIECE))
    dossier = Path(tempfile.mkdtemp(prefix="bench-zip-intake-"))
    # kombu's filesystem transport keeps its exchange tables in "control/" under the current
    # directory: the bench and its workers run from the temporary directory so that nothing is
    # written into the project tree.
    repertoire_initial = os.getcwd()
    os.chdir(dossier)
    try:
        nettoyer(fournisseur)
        purges = purger_file()

        # 1. The import.
        debut = time.perf_counter()
        import_demandes = preparer_import(fournisseur, nb_gros)
        print(
            f"\n1. Import {import_demandes.pk} (relais, {NUMERO_ANS}, IMPORTE) : {nb_gros} demandes EN_ATTENTE_PIECES, "
            f"une pièce attendue chacune — créé en {time.perf_counter() - debut:.2f} s"
            + (f" ({purges} message(s) périmé(s) purgé(s) de la file)" if purges else "")
        )

        # 2. The zips.
        debut = time.perf_counter()
        gros, petit = dossier / "pieces-200.zip", dossier / "pieces-20.zip"
        taille_gros = ecrire_zip(gros, nb_gros)
        taille_petit = ecrire_zip(petit, nb_petit)
        print(
            f"2. Zips (ZIP_DEFLATED niveau 1, contenu aléatoire incompressible, entrées de {TAILLE_PIECE} octets) "
            f"— écrits en {time.perf_counter() - debut:.1f} s :"
        )
        print(
            f"   {gros.name} : {nb_gros} entrées, {mo(taille_gros):.1f} Mo ({taille_gros} octets, "
            f"plafond {settings.SEGUR_MAX_ZIP_BYTES})"
        )
        print(f"   {petit.name} : {nb_petit} entrées, {mo(taille_petit):.1f} Mo ({taille_petit} octets)")
        depot_gros = deposer(import_demandes, gros)
        depot_petit = deposer(import_demandes, petit)
        for chemin in (gros, chemin_stocke(depot_gros)):
            if chemin:
                rechauffer(chemin)

        # 3. Throughput.
        print(
            f"3. Débit sur {gros.name} ({mo(taille_gros):.1f} Mo), cache de pages chaud, meilleur de {args.essais} :",
            flush=True,
        )
        t_unzip, d_unzip, resume_unzip = meilleur_de(lambda: unzip_t(gros), args.essais)
        debit_unzip = mo(taille_gros) / t_unzip
        print(
            f"   unzip -t                 : {t_unzip:.3f} s ({fmt_durees(d_unzip)}) → {debit_unzip:.0f} Mo/s "
            f"— « {resume_unzip.strip()} »"
        )
        t_zf, d_zf, _ = meilleur_de(lambda: zipfile_seul(gros), args.essais)
        debit_zf = mo(taille_gros) / t_zf
        print(f"   zipfile Python seul      : {t_zf:.3f} s ({fmt_durees(d_zf)}) → {debit_zf:.0f} Mo/s (information)")
        t_portail, d_portail, resultat = meilleur_de(lambda: traiter(depot_gros, nb_gros), args.essais)
        debit_portail = mo(taille_gros) / t_portail
        print(
            f"   traiter_zip en processus : {t_portail:.3f} s ({fmt_durees(d_portail)}) → {debit_portail:.0f} Mo/s "
            f"— {resultat.nb_acceptees} acceptées, {resultat.nb_refusees} refusées"
        )
        verifiees = verifier_pieces_stockees(depot_gros, gros)
        print(f"   ({verifiees} PieceRecue ; première et dernière pièces stockées identiques à leur entrée, SHA-256)")
        ratio = debit_portail / debit_unzip
        print(
            f"   débit portail / unzip -t : {ratio:.2f} (cible ≥ {CIBLE_RATIO_DEBIT} : "
            f"{verdict(ratio >= CIBLE_RATIO_DEBIT)})"
        )

        # 4. Worker peak memory.
        connections.close_all()
        print("4. Pic RSS d'un worker réel (--pool=solo), mesuré par wait4 :", flush=True)
        repos = worker_au_repos(dossier)
        print(
            f"   au repos ({ATTENTE_REPOS_S} s) : ru_maxrss {repos['maxrss_ko'] / 1024:.1f} Mo "
            f"(VmRSS {((repos['vmrss_ko'] or 0) / 1024):.1f} Mo, VmHWM {((repos['vmhwm_ko'] or 0) / 1024):.1f} Mo "
            f"avant SIGTERM), code de sortie {repos['code']}"
        )
        if repos["code"] != 0 and repos["journal"]:
            print("   " + repos["journal"].replace("\n", "\n   "))
        mesures_worker = []
        for depot, nb, taille, nom in (
            (depot_petit, nb_petit, taille_petit, "worker-20"),
            (depot_gros, nb_gros, taille_gros, "worker-200"),
        ):
            m = worker_sur_zip(dossier, depot, nb, nom)
            mesures_worker.append((taille, m))
            traitement = f"{m['traitement_s']:.2f} s" if m["traitement_s"] is not None else "—"
            print(
                f"   zip {mo(taille):.1f} Mo : statut {m['statut']}, {m['acceptees']}/{m['attendues']} acceptées ; "
                f"ru_maxrss {m['maxrss_ko'] / 1024:.1f} Mo (VmHWM {((m['vmhwm_ko'] or 0) / 1024):.1f} Mo avant "
                f"SIGTERM), +{(m['maxrss_ko'] - repos['maxrss_ko']) / 1024:.1f} Mo sur le repos ; envoi → TRAITE "
                f"{m['envoi_traite_s']:.2f} s (démarrage compris), EN_COURS → TRAITE ≈ {traitement} ; "
                f"code de sortie {m['code']}"
            )
            if m["code"] != 0 or m["statut"] != ZipDepose.Statut.TRAITE:
                print("   " + m["journal"].replace("\n", "\n   "))

        # 5. Summary.
        print("\n5. Résumé")
        lignes = [
            ("unzip -t (zip 200 Mo)", f"{debit_unzip:.0f} Mo/s", "référence", ""),
            ("traiter_zip en processus (zip 200 Mo)", f"{debit_portail:.0f} Mo/s", "", ""),
            ("débit portail / unzip -t", f"{ratio:.2f}", f"≥ {CIBLE_RATIO_DEBIT}", verdict(ratio >= CIBLE_RATIO_DEBIT)),
            ("zipfile Python seul (information)", f"{debit_zf:.0f} Mo/s", "", ""),
            ("pic RSS worker au repos", f"{repos['maxrss_ko'] / 1024:.1f} Mo", "comparaison", ""),
        ]
        for taille, m in mesures_worker:
            rss = m["maxrss_ko"] / 1024
            lignes.append(
                (
                    f"pic RSS worker, zip {mo(taille):.0f} Mo",
                    f"{rss:.1f} Mo",
                    f"≤ {CIBLE_RSS_MO} Mo",
                    verdict(rss <= CIBLE_RSS_MO),
                )
            )
        imprimer_tableau(("mesure", "valeur", "cible", "verdict"), lignes, ("<44", ">16", "<20", ""), separateur="  ")

        rss_max = max(m["maxrss_ko"] for _, m in mesures_worker) / 1024
        if args.profil or ratio < CIBLE_RATIO_DEBIT or rss_max > CIBLE_RSS_MO:
            raison = "demandé (--profil)" if args.profil else "une cible n'est pas atteinte"
            print(
                f"\nProfil cProfile de traiter_zip (zip {mo(taille_gros):.0f} Mo) — {raison} — 15 premières entrées "
                f"(cumulé) :"
            )
            print(profiler_temps(depot_gros, nb_gros))
            print(f"Mémoire (tracemalloc) de traiter_zip (zip {mo(taille_gros):.0f} Mo) :")
            print(profiler_memoire(depot_gros, nb_gros))
    finally:
        try:
            nettoyer(fournisseur)
        finally:
            os.chdir(repertoire_initial)
            shutil.rmtree(dossier, ignore_errors=True)
            if _MEDIA_TEMPORAIRE:
                shutil.rmtree(_MEDIA_TEMPORAIRE, ignore_errors=True)


if __name__ == "__main__":
    main()
