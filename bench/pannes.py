"""Benchmark of the faults of the zip-attachments pipeline: each fault is replayed on a real stack
and the script prints the time to recovery and what was lost.

Run from the project root (PostgreSQL on 127.0.0.1:5432, user postgres, trust; the binaries
redis-server, createdb and dropdb on the PATH):

    .venv/bin/python bench/pannes.py [--relance-apres 10] [--periode 5] [--demandes 30] [--grosses 60]

Nothing else is needed: the script starts its own stack as subprocesses and stops all of it at
the end (in a `finally`, also on Ctrl-C), then drops its database:

- a private PostgreSQL database `segur_bench_pannes` (dropped and created again with dropdb /
  createdb -h 127.0.0.1 -U postgres), migrated (`manage.py migrate`), with the demo data
  (`manage.py seed_demo`, DEBUG=1: supplier « relais », password « demo »);
- its OWN redis-server on a free port (`--save "" --appendonly no`: no persistence, like a broker
  that loses its queue on restart), so that stopping it disturbs no other Redis of the machine;
- gunicorn (`segur_portal.wsgi:application --workers 3`, DEBUG=0, the production settings with the
  HTTPS redirect and secure cookies turned off for plain HTTP on 127.0.0.1). The static files are
  collected first into the temporary directory (like the Dockerfile's collectstatic): gunicorn runs
  a settings module written there that imports segur_portal.settings and only moves STATIC_ROOT;
- 2 Celery workers (prefork, --concurrency=2, -n w1@%h / w2@%h) and one Celery beat (schedule
  file in the temporary directory); each in its own session, so that a whole worker (main process
  and pool) can be SIGKILLed with os.killpg.

The sweeper's delays are shortened through the environment: SEGUR_ZIP_RELANCE_APRES (default of the
portal 120 s, here 10 s) and SEGUR_REPRISE_PERIODE (default 60 s, here 5 s). Files (uploads, zips,
pieces) go to a temporary MEDIA_ROOT deleted at the end; the logs of the processes too (their last
lines are printed when a scenario goes wrong, or with --journaux).

The client is the supplier's browser, played with urllib + http.cookiejar: log in through
/connexion/, simulate a JSON file built from schemas/modeles/avance-structure-ttc.json on
/imports/simulation/, « Importer », upload zips on /pieces-jointes/<import>/zip/ (Accept:
application/json) and poll /pieces-jointes/zip/<id>/statut/ every 0.5 s as the page does. The
database is read directly (psycopg2) for what was lost: the PieceRecue rows of the import, checked
against their stored file (present, same size, same SHA-256).

Each scenario runs on a fresh import (N demandes, one expected PDF each, N = --demandes, the big zip
of scenario 2 has --grosses entries of 3 MiB - 100 bytes):

1. task run twice, after « Terminer »: a zip processed, « Terminer » pressed, then
   piecesjointes.tasks.traiter_zip sent again for the same zip (`celery -A segur_portal call`);
   pieces before / after (target: the same, nothing lost) and the demandes still « Déposée »;
2. worker killed whole mid-zip: a big zip uploaded; as soon as it is EN_COURS both workers' process
   groups get SIGKILL and 2 new workers are started; time from the kill until the zip is TRAITE with
   every piece (target ≤ SEGUR_ZIP_RELANCE_APRES + SEGUR_REPRISE_PERIODE + processing time);
3. broker down during the upload: the bench's redis-server stopped (SIGTERM), a zip uploaded (target:
   200 JSON « a bien été reçu : son traitement est en attente », no 500), redis-server started again
   on the same port; time from the restart to TRAITE;
4. Redis restarted without persistence while the message waits: workers stopped (warm shutdown), a
   zip uploaded (its message queued in Redis), redis-server restarted (queue emptied), workers
   started again; time from the restart to TRAITE.

One line per scenario (time to recovery, expected bound, pieces expected / received, HTTP errors),
then a summary table and the bound formula. Nothing is asserted: each target is printed « OK » or
« ÉCART » and the run goes on. The processing time in the bound is the one measured in the same
scenario (from the start of the attempt that succeeded to TRAITE, polled every 50 ms). The whole run
is bounded (about 9 minutes at most, every wait has a timeout).
"""

import argparse
import hashlib
import http.cookiejar
import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
import zipfile
from pathlib import Path

import psycopg2
from commun import (
    NUMERO_ANS,
    RACINE,
    TAILLE_PIECE,
    TAUX_TVA,
    TYPE_DEMANDE,
    UTILISATEUR,
    construire_document,
    ecrire_zip_incompressible,
    fin_de,
    ligne_de_tableau,
    mo,
    port_libre,
    version_de,
)
from commun import nom_piece as nom_de_piece

BIN = RACINE / ".venv" / "bin"
PYTHON = str(BIN / "python")
CELERY = str(BIN / "celery")
GUNICORN = str(BIN / "gunicorn")
MANAGE = str(RACINE / "manage.py")

BASE = "segur_bench_pannes"
PG = {"host": "127.0.0.1", "port": 5432, "user": "postgres"}
URL_BASE = f"postgres://postgres@127.0.0.1:5432/{BASE}"
HOTE = "127.0.0.1"

MOT_DE_PASSE = "demo"  # the demo password of UTILISATEUR (relais)
MESSAGE_EN_ATTENTE = "a bien été reçu : son traitement est en attente"

RELANCE_APRES_DEFAUT, PERIODE_DEFAUT = 120, 60  # the portal's defaults (settings.py)
PDF = (
    b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
    b"2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
)

NOMS = {
    1: "1. tâche rejouée après « Terminer »",
    2: "2. workers tués (SIGKILL) en plein zip",
    3: "3. broker arrêté pendant le dépôt",
    4: "4. Redis redémarré, message perdu",
}
TITRES = {
    1: "tâche traiter_zip envoyée une 2e fois, après « Terminer »",
    2: "les 2 workers tués entiers (SIGKILL du groupe) en plein traitement d'un gros zip",
    3: "broker (redis-server) arrêté pendant le dépôt du zip",
    4: "Redis redémarré sans persistance pendant que le message attend (message perdu)",
}

DUREE_MAX_TOTALE = 540  # s: every wait is cut to what is left of it
DELAI_DEMARRAGE = 120
DELAI_REPRISE = 120
DELAI_ARRET = 20
PAS_BASE = 0.05  # s between two reads of the zip's row
PAS_HTTP = 0.5  # s between two polls of the status URL (as the page does)


# --- Small helpers --------------------------------------------------------------------------------


class Chrono:
    """The global deadline of the run."""

    def __init__(self, duree):
        self.fin = time.monotonic() + duree

    def reste(self, delai):
        return max(0.0, min(delai, self.fin - time.monotonic()))


CHRONO = Chrono(DUREE_MAX_TOTALE)


def ok(condition):
    return "OK" if condition else "ÉCART"


# --- The JSON file and the zips -------------------------------------------------------------------


def numero_editeur(scenario: int, i: int) -> str:
    return f"PANNE{scenario}{i:03d}"


def nom_piece(scenario: int, i: int) -> str:
    return nom_de_piece(numero_editeur(scenario, i))


def document_json(scenario: int, nb: int) -> bytes:
    """nb valid lines of the guide's TTC model; numéros éditeur, FINESS and piece names unique per
    scenario (a live demande of another scenario would otherwise make a line invalid)."""
    return construire_document(
        nb, editeur=lambda i: numero_editeur(scenario, i), rang=lambda i: scenario * 1000 + i, decalage_geo=0
    ).encode()


def zip_petit(chemin: Path, scenario: int, nb: int) -> Path:
    """Every expected piece, the minimal PDF of the tests (a line of its own to differ)."""
    with zipfile.ZipFile(chemin, "w", zipfile.ZIP_DEFLATED) as archive:
        for i in range(1, nb + 1):
            archive.writestr(nom_piece(scenario, i), PDF + f"% piece {scenario}-{i}\n".encode())
    return chemin


def zip_gros(chemin: Path, scenario: int, nb: int) -> Path:
    """Entries of 3 MiB - 100 bytes, « %PDF-1.4 » then random bytes (incompressible)."""
    return ecrire_zip_incompressible(chemin, [nom_piece(scenario, i) for i in range(1, nb + 1)])


# --- The browser ----------------------------------------------------------------------------------


class _SansRedirection(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # the 3xx comes back as is: its Location is checked


class Reponse:
    def __init__(self, statut, entetes, corps):
        self.statut, self.entetes, self.corps = statut, entetes, corps

    @property
    def location(self):
        return (self.entetes or {}).get("Location", "") if self.entetes else ""

    def json(self):
        return json.loads(self.corps.decode())

    def texte(self):
        return self.corps.decode(errors="replace")


class Navigateur:
    """The supplier's browser: cookies, CSRF token, and every HTTP error (5xx or no answer) seen."""

    def __init__(self, base, dossier: Path):
        self.base, self.dossier = base, dossier
        self.cookies = http.cookiejar.CookieJar()
        self.ouvreur = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies), _SansRedirection())
        self.erreurs = []

    def cookie(self, nom):
        return next((c.value for c in self.cookies if c.name == nom), "")

    def requete(self, methode, chemin, corps=None, entetes=None, delai=120.0, compter=True):
        requete = urllib.request.Request(self.base + chemin, data=corps, method=methode, headers=entetes or {})
        try:
            with self.ouvreur.open(requete, timeout=delai) as reponse:
                return Reponse(reponse.status, reponse.headers, reponse.read())
        except urllib.error.HTTPError as erreur:
            reponse = Reponse(erreur.code, erreur.headers, erreur.read())
            if erreur.code >= 500 and compter:
                self.erreurs.append(f"{methode} {chemin} → {erreur.code}")
            return reponse
        except (urllib.error.URLError, OSError) as erreur:
            if compter:
                self.erreurs.append(f"{methode} {chemin} → {type(erreur).__name__}: {erreur}")
            return Reponse(None, None, b"")

    def get(self, chemin, **options):
        return self.requete("GET", chemin, **options)

    def post(self, chemin, champs):
        champs = {"csrfmiddlewaretoken": self.cookie("csrftoken"), **champs}
        return self.requete(
            "POST",
            chemin,
            urllib.parse.urlencode(champs).encode(),
            {"Content-Type": "application/x-www-form-urlencoded"},
        )

    def post_fichier(self, chemin, champs, nom_champ, nom_fichier, source, type_mime, entetes=None):
        """multipart/form-data; `source` is bytes or a Path, streamed from a file written in the
        temporary directory (a 200 MB zip is not held in memory twice)."""
        frontiere = uuid.uuid4().hex
        champs = {"csrfmiddlewaretoken": self.cookie("csrftoken"), **champs}
        debut = b"".join(
            f'--{frontiere}\r\nContent-Disposition: form-data; name="{cle}"\r\n\r\n{valeur}\r\n'.encode()
            for cle, valeur in champs.items()
        )
        debut += (
            f'--{frontiere}\r\nContent-Disposition: form-data; name="{nom_champ}"; filename="{nom_fichier}"\r\n'
            f"Content-Type: {type_mime}\r\n\r\n"
        ).encode()
        fin = f"\r\n--{frontiere}--\r\n".encode()
        corps = self.dossier / f"corps-{frontiere}.multipart"
        with open(corps, "wb") as sortie:
            sortie.write(debut)
            if isinstance(source, Path):
                with open(source, "rb") as entree:
                    shutil.copyfileobj(entree, sortie, 8 * 1024 * 1024)
            else:
                sortie.write(source)
            sortie.write(fin)
        try:
            with open(corps, "rb") as flux:
                return self.requete(
                    "POST",
                    chemin,
                    flux,
                    {
                        "Content-Type": f"multipart/form-data; boundary={frontiere}",
                        "Content-Length": str(corps.stat().st_size),
                        **(entetes or {}),
                    },
                    delai=300.0,
                )
        finally:
            corps.unlink(missing_ok=True)

    def connexion(self):
        page = self.get("/connexion/")
        if page.statut != 200:
            raise RuntimeError(f"GET /connexion/ → {page.statut}")
        reponse = self.post("/connexion/", {"username": UTILISATEUR, "password": MOT_DE_PASSE, "next": ""})
        if reponse.statut != 302 or not self.cookie("sessionid"):
            raise RuntimeError(f"connexion refusée ({reponse.statut}) : {reponse.texte()[:300]}")


# --- The database ---------------------------------------------------------------------------------


def connecter():
    lien = psycopg2.connect(dbname=BASE, **PG)
    lien.autocommit = True
    return lien


def une(lien, requete, parametres=()):
    with lien.cursor() as curseur:
        curseur.execute(requete, parametres)
        return curseur.fetchone()


def toutes(lien, requete, parametres=()):
    with lien.cursor() as curseur:
        curseur.execute(requete, parametres)
        return curseur.fetchall()


def ligne_zip(lien, zip_id):
    colonnes = ("statut", "nb_tentatives", "nb_entrees", "nb_traitees", "nb_acceptees", "date_traitement", "message")
    valeurs = une(lien, f"SELECT {', '.join(colonnes)} FROM piecesjointes_zipdepose WHERE id = %s", [zip_id])
    return dict(zip(colonnes, valeurs, strict=True)) if valeurs else None


def nb_attendues(lien, import_id):
    return une(
        lien,
        "SELECT count(*) FROM demandes_pieceattendue pa JOIN demandes_demande d ON d.id = pa.demande_id "
        "WHERE d.import_demandes_id = %s",
        [import_id],
    )[0]


def pieces_recues(lien, import_id):
    """(piece_attendue_id, zip_depose_id, sha256, cle_stockage, taille) of the import's PieceRecue."""
    return sorted(
        toutes(
            lien,
            "SELECT pr.piece_attendue_id, pr.zip_depose_id, pr.sha256, pr.cle_stockage, pr.taille "
            "FROM piecesjointes_piecerecue pr JOIN demandes_pieceattendue pa ON pa.id = pr.piece_attendue_id "
            "JOIN demandes_demande d ON d.id = pa.demande_id WHERE d.import_demandes_id = %s",
            [import_id],
        )
    )


def pieces_intactes(recues, media: Path):
    """Expected pieces with at least one reception whose stored file is there, whole (size, SHA-256)."""
    intactes = set()
    for piece_id, _zip, sha256, cle, taille in recues:
        chemin = media / cle
        try:
            if chemin.stat().st_size == taille and hashlib.sha256(chemin.read_bytes()).hexdigest() == sha256:
                intactes.add(piece_id)
        except OSError:
            pass
    return intactes


def demandes_par_statut(lien, import_id):
    return dict(
        toutes(
            lien,
            "SELECT statut, count(*) FROM demandes_demande WHERE import_demandes_id = %s GROUP BY statut",
            [import_id],
        )
    )


# --- The stack ------------------------------------------------------------------------------------


class Processus:
    """A subprocess in its own session (process group = its pid), its output in a log file."""

    def __init__(self, nom, commande, env, dossier: Path):
        self.nom = nom
        self.journal = dossier / f"{nom}.log"
        with open(self.journal, "ab") as sortie:
            sortie.write(f"\n===== {time.strftime('%H:%M:%S')} {' '.join(commande)}\n".encode())
            self.popen = subprocess.Popen(
                commande,
                cwd=dossier,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=sortie,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.pid = self.popen.pid

    def vivant(self):
        return self.popen.poll() is None

    def signal_groupe(self, sig):
        try:
            os.killpg(self.pid, sig)
        except ProcessLookupError:
            pass

    def tuer(self):
        """SIGKILL to the whole group (a worker's main process and its pool)."""
        self.signal_groupe(signal.SIGKILL)
        try:
            self.popen.wait(timeout=DELAI_ARRET)
        except subprocess.TimeoutExpired:
            pass

    def arreter(self, delai=DELAI_ARRET, signal_envoye=False):
        """SIGTERM to the main process (a worker's warm shutdown), SIGKILL to what is left of the group
        after `delai`. Nothing is sent to a process that had already ended (its pid may be reused)."""
        if not self.vivant():
            return
        if not signal_envoye:
            try:
                os.kill(self.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        try:
            self.popen.wait(timeout=delai)
        except subprocess.TimeoutExpired:
            print(f"   ({self.nom} ne s'arrête pas après SIGTERM en {delai} s : SIGKILL)")
        self.signal_groupe(signal.SIGKILL)  # what is left of the group (pool children), if anything
        try:
            self.popen.wait(timeout=DELAI_ARRET)
        except subprocess.TimeoutExpired:
            pass


class Pile:
    """PostgreSQL database, redis-server, gunicorn, 2 Celery workers and beat."""

    def __init__(self, dossier: Path, relance_apres: int, periode: int):
        self.dossier = dossier
        self.media = dossier / "media"
        self.statiques = dossier / "static"
        self.media.mkdir()
        (dossier / "televersements").mkdir()
        self.port_redis = port_libre(HOTE)
        self.port_web = port_libre(HOTE)
        self.url_redis = f"redis://{HOTE}:{self.port_redis}/0"
        self.processus = []  # every process ever started: all stopped in fermer()
        self.redis = self.gunicorn = self.beat = None
        self.workers = []
        self.generation_workers = 0
        self.tuer_apres_entrees = 0  # scenario 2: SIGKILL once this many entries are counted (0: at EN_COURS)
        self.relance_apres, self.periode = relance_apres, periode
        (dossier / "reglages_bench_pannes.py").write_text(
            "import os\nfrom pathlib import Path\n\nfrom segur_portal.settings import *  # noqa: F401,F403\n\n"
            "# Only difference: the static files collected into the bench's temporary directory.\n"
            'STATIC_ROOT = Path(os.environ["BENCH_STATIC_ROOT"])\n'
        )
        env = {
            cle: valeur
            for cle, valeur in os.environ.items()
            if not cle.startswith(("CELERY_", "DJANGO_", "AWS_", "SEGUR_"))
            and cle not in ("DATABASE_URL", "REDIS_URL", "MEDIA_ROOT", "DEBUG", "ALLOWED_HOSTS")
        }
        env.update(
            {
                "PYTHONPATH": os.pathsep.join([str(RACINE), str(dossier)]),
                "DJANGO_SETTINGS_MODULE": "segur_portal.settings",
                "DEBUG": "0",
                "SECRET_KEY": "bench-pannes-" + secrets.token_hex(24),
                "SECURE_SSL_REDIRECT": "0",
                "SESSION_COOKIE_SECURE": "0",
                "CSRF_COOKIE_SECURE": "0",
                "ALLOWED_HOSTS": HOTE,
                "DATABASE_URL": URL_BASE,
                "REDIS_URL": self.url_redis,
                "MEDIA_ROOT": str(self.media),
                "FILE_UPLOAD_TEMP_DIR": str(dossier / "televersements"),
                "BENCH_STATIC_ROOT": str(self.statiques),
                "SEGUR_ZIP_RELANCE_APRES": str(relance_apres),
                "SEGUR_REPRISE_PERIODE": str(periode),
                "CELERY_TASK_ALWAYS_EAGER": "0",
                "LOG_FORMAT": "console",
                "LOG_LEVEL": "INFO",
                "PYTHONUNBUFFERED": "1",
            }
        )
        self.env = env

    def lancer(self, nom, commande, env=None):
        processus = Processus(nom, commande, env or self.env, self.dossier)
        self.processus.append(processus)
        return processus

    # -- database
    def creer_base(self):
        options = ["-h", PG["host"], "-p", str(PG["port"]), "-U", PG["user"]]
        subprocess.run(
            ["dropdb", *options, "--if-exists", "--force", BASE], check=True, timeout=60, capture_output=True
        )
        subprocess.run(["createdb", *options, BASE], check=True, timeout=60)

    def supprimer_base(self):
        options = ["-h", PG["host"], "-p", str(PG["port"]), "-U", PG["user"]]
        subprocess.run(["dropdb", *options, "--if-exists", "--force", BASE], timeout=60, capture_output=True)

    def preparer(self):
        """collectstatic (in the background) while migrate and seed_demo run."""
        env_statiques = {**self.env, "DJANGO_SETTINGS_MODULE": "reglages_bench_pannes"}
        statiques = self.lancer(
            "collectstatic", [PYTHON, MANAGE, "collectstatic", "--noinput", "-v", "0"], env_statiques
        )
        env_demo = {**self.env, "DEBUG": "1"}
        for commande in (["migrate", "--noinput", "-v", "0"], ["seed_demo"]):
            execution = subprocess.run(
                [PYTHON, MANAGE, *commande],
                cwd=self.dossier,
                env=env_demo,
                capture_output=True,
                text=True,
                timeout=CHRONO.reste(240),
            )
            if execution.returncode != 0:
                raise RuntimeError(f"manage.py {commande[0]} : {execution.stdout[-2000:]}{execution.stderr[-3000:]}")
        try:
            statiques.popen.wait(timeout=CHRONO.reste(240))
        except subprocess.TimeoutExpired:
            raise RuntimeError("collectstatic trop long") from None
        if statiques.popen.returncode != 0:
            raise RuntimeError(f"collectstatic : {fin_de(statiques.journal)}")

    # -- redis
    def client_redis(self):
        import redis

        return redis.Redis(host=HOTE, port=self.port_redis, socket_connect_timeout=1, socket_timeout=2)

    def demarrer_redis(self):
        self.redis = self.lancer(
            "redis",
            [
                "redis-server",
                "--port", str(self.port_redis),
                "--bind", HOTE,
                "--save", "",
                "--appendonly", "no",
                "--dir", str(self.dossier),
            ],
        )  # fmt: skip
        limite = time.monotonic() + CHRONO.reste(20)
        while time.monotonic() < limite:
            try:
                if self.client_redis().ping():
                    return time.monotonic()
            except Exception:  # noqa: BLE001 - not up yet
                pass
            if not self.redis.vivant():
                break
            time.sleep(0.05)
        raise RuntimeError(f"redis-server ne répond pas :\n{fin_de(self.redis.journal)}")

    def arreter_redis(self):
        self.redis.arreter()

    # -- web, workers, beat
    def demarrer_gunicorn(self):
        env = {**self.env, "DJANGO_SETTINGS_MODULE": "reglages_bench_pannes"}
        self.gunicorn = self.lancer(
            "gunicorn",
            [
                GUNICORN,
                "segur_portal.wsgi:application",
                "--workers", "3",
                "--bind", f"{HOTE}:{self.port_web}",
                "--timeout", "120",
                "--access-logfile", "-",
            ],
            env,
        )  # fmt: skip

    def demarrer_workers(self):
        self.generation_workers += 1
        self.workers = [
            self.lancer(
                f"worker-w{n}-{self.generation_workers}",
                [CELERY, "-A", "segur_portal", "worker", "--concurrency=2", "-n", f"w{n}@%h", "--loglevel=INFO"],
            )
            for n in (1, 2)
        ]
        return self.workers

    def workers_prets(self, delai=60):
        """Both workers have logged « ready »."""
        limite = time.monotonic() + CHRONO.reste(delai)
        while time.monotonic() < limite:
            if all(w.vivant() and " ready." in w.journal.read_text(errors="replace") for w in self.workers):
                return True
            time.sleep(0.2)
        return False

    def tuer_workers(self):
        for worker in self.workers:
            worker.signal_groupe(signal.SIGKILL)
        for worker in self.workers:
            worker.tuer()

    def arreter_workers(self):
        vivants = [w for w in self.workers if w.vivant()]
        for worker in vivants:
            os.kill(worker.pid, signal.SIGTERM)
        for worker in vivants:
            worker.arreter(signal_envoye=True)

    def demarrer_beat(self):
        self.beat = self.lancer(
            "beat",
            [
                CELERY,
                "-A",
                "segur_portal",
                "beat",
                "--loglevel=INFO",
                "--schedule",
                str(self.dossier / "beat-schedule"),
            ],
        )

    def fermer(self):
        for processus in reversed(self.processus):
            processus.arreter(delai=10)

    def journaux(self, lignes=15):
        vus = {}
        for processus in self.processus:
            vus[processus.journal] = processus.nom
        blocs = []
        for chemin, nom in vus.items():
            if nom == "collectstatic" or not chemin.exists():
                continue
            # The polls of the status URL and the periodic sweeps that found nothing are left out.
            utiles = [
                ligne
                for ligne in chemin.read_text(errors="replace").splitlines()
                if "/statut/" not in ligne and "relances': 0" not in ligne and "'relances': 0" not in ligne
            ]
            blocs.append(f"   --- {nom} ({chemin.name})\n" + "\n".join("   " + l for l in utiles[-lignes:]))
        return "\n".join(blocs)


def attendre_sante(navigateur, delai=DELAI_DEMARRAGE):
    """/sante/ answers 200: database, storage, broker and a worker answering a ping."""
    limite = time.monotonic() + CHRONO.reste(delai)
    derniere = None
    while time.monotonic() < limite:
        derniere = navigateur.get("/sante/?format=json", compter=False, delai=10)
        if derniere.statut == 200:
            return derniere
        time.sleep(0.5)
    raise RuntimeError(
        f"/sante/ ne répond pas 200 : {derniere.statut if derniere else None} {derniere and derniere.texte()[:400]}"
    )


# --- The steps of a scenario ----------------------------------------------------------------------


def creer_import(navigateur, lien, scenario, nb):
    """Simulation of a JSON file of nb lines, then « Importer »: an import IMPORTE, nb demandes."""
    contenu = document_json(scenario, nb)
    reponse = navigateur.post_fichier(
        "/imports/simulation/",
        {"type_demande": TYPE_DEMANDE, "numero_ans": NUMERO_ANS, "taux_tva": TAUX_TVA},
        "fichier",
        f"pannes-{scenario}.json",
        contenu,
        "application/json",
    )
    trouve = re.fullmatch(r"/imports/(\d+)/", reponse.location)
    if reponse.statut != 302 or not trouve:
        raise RuntimeError(f"simulation : {reponse.statut} {reponse.location} {reponse.texte()[:300]}")
    import_id = int(trouve.group(1))
    resultat = une(lien, "SELECT resultat, nb_valides FROM imports_import WHERE id = %s", [import_id])
    if resultat != ("SIMULATION_OK", nb):
        erreurs = toutes(
            lien, "SELECT rang, code, champ, message FROM imports_erreurligne WHERE import_demandes_id = %s "
            "ORDER BY id LIMIT 5", [import_id]
        )  # fmt: skip
        raise RuntimeError(f"simulation {import_id} : {resultat}, erreurs {erreurs}")
    reponse = navigateur.post(f"/imports/{import_id}/importer/", {})
    if reponse.statut != 302 or reponse.location != f"/pieces-jointes/{import_id}/":
        raise RuntimeError(f"« Importer » : {reponse.statut} {reponse.location}")
    etape = navigateur.get(f"/pieces-jointes/{import_id}/")
    etat = une(lien, "SELECT etat FROM imports_import WHERE id = %s", [import_id])[0]
    if etape.statut != 200 or etat != "IMPORTE" or nb_attendues(lien, import_id) != nb:
        raise RuntimeError(f"import {import_id} : écran {etape.statut}, état {etat}")
    return import_id


def deposer(navigateur, import_id, chemin: Path):
    """The zip upload as the page's script sends it. Returns (HTTP status, JSON or None, seconds)."""
    debut = time.monotonic()
    reponse = navigateur.post_fichier(
        f"/pieces-jointes/{import_id}/zip/",
        {},
        "fichier",
        chemin.name,
        chemin,
        "application/zip",
        {"Accept": "application/json"},
    )
    duree = time.monotonic() - debut
    try:
        donnees = reponse.json() if reponse.statut == 200 else None
    except ValueError:
        donnees = None
    return reponse.statut, donnees, duree, reponse


class Suivi:
    """Follows a zip until it is finished: its row every 50 ms (attempts, statut), its status URL
    every 0.5 s like the page (the HTTP errors are counted by the browser)."""

    def __init__(self, navigateur, lien, zip_id):
        self.navigateur, self.lien, self.zip_id = navigateur, lien, zip_id
        self.debuts = {}  # attempt number -> monotonic time its EN_COURS was first seen
        self.fin = None
        self.ligne = None
        self.statut_http = None

    def attendre(self, delai, condition=None):
        """Until the zip is finished (or `condition(ligne)`), at most `delai` s."""
        limite = time.monotonic() + CHRONO.reste(delai)
        prochain_http = 0.0
        while True:
            maintenant = time.monotonic()
            ligne = ligne_zip(self.lien, self.zip_id)
            self.ligne = ligne
            if ligne["statut"] == "EN_COURS" and ligne["nb_tentatives"] not in self.debuts:
                self.debuts[ligne["nb_tentatives"]] = maintenant
            if maintenant >= prochain_http:
                reponse = self.navigateur.get(f"/pieces-jointes/zip/{self.zip_id}/statut/", delai=10)
                if reponse.statut == 200:
                    self.statut_http = reponse.json()
                prochain_http = maintenant + PAS_HTTP
            fini = condition(ligne) if condition else ligne["statut"] not in ("EN_ATTENTE", "EN_COURS")
            if fini:
                self.fin = maintenant
                return True
            if maintenant >= limite:
                return False
            time.sleep(PAS_BASE)

    def duree_traitement(self, depuis=None):
        """From the start of the last attempt seen (or `depuis`) to the end."""
        if self.fin is None:
            return None
        debut = self.debuts[max(self.debuts)] if self.debuts else depuis
        return self.fin - debut if debut is not None else None


def bilan_pieces(lien, import_id, media):
    recues = pieces_recues(lien, import_id)
    return nb_attendues(lien, import_id), recues, pieces_intactes(recues, media)


# --- The scenarios --------------------------------------------------------------------------------


def scenario_1(pile, navigateur, lien, nb):
    """Task run twice, after « Terminer »."""
    r = {"nom": NOMS[1], "cibles": []}
    import_id = creer_import(navigateur, lien, 1, nb)
    chemin = zip_petit(pile.dossier / "pannes-1.zip", 1, nb)
    statut, donnees, _, reponse = deposer(navigateur, import_id, chemin)
    if statut != 200 or not donnees:
        raise RuntimeError(f"dépôt : {statut} {reponse.texte()[:300]}")
    zip_id = donnees["zip"]
    debut = time.monotonic()
    suivi = Suivi(navigateur, lien, zip_id)
    suivi.attendre(60)
    t_premier = (suivi.fin or time.monotonic()) - debut
    premier = suivi.ligne
    attendues, avant, intactes_avant = bilan_pieces(lien, import_id, pile.media)
    print(
        f"   import {import_id} ({nb} demandes), zip {zip_id} : {premier['statut']}, {premier['nb_acceptees']} "
        f"acceptées, dépôt → fin {t_premier:.2f} s ; {len(avant)} PieceRecue, {len(intactes_avant)} intactes"
    )
    terminer = navigateur.post(f"/pieces-jointes/{import_id}/terminer/", {})
    deposees_avant = demandes_par_statut(lien, import_id).get("DEPOSEE", 0)
    print(f"   « Terminer » : {terminer.statut} → {terminer.location or '—'} ; {deposees_avant}/{nb} demandes Déposée")
    r["cibles"].append(
        ("« Terminer » accepté (302 → /imports/)", terminer.statut == 302 and terminer.location == "/imports/")
    )

    date_avant = ligne_zip(lien, zip_id)["date_traitement"]
    debut = time.monotonic()
    appel = subprocess.run(
        [CELERY, "-A", "segur_portal", "call", "piecesjointes.tasks.traiter_zip", f"--args=[{zip_id}]"],
        cwd=pile.dossier,
        env=pile.env,
        capture_output=True,
        text=True,
        timeout=CHRONO.reste(60),
    )
    duree_appel = time.monotonic() - debut
    print(
        f"   celery call piecesjointes.tasks.traiter_zip --args=[{zip_id}] : code {appel.returncode}, "
        f"tâche {appel.stdout.strip()[:40] or '—'} ({duree_appel:.2f} s)"
    )
    suivi2 = Suivi(navigateur, lien, zip_id)
    rejoue = suivi2.attendre(60, condition=lambda ligne: ligne["date_traitement"] != date_avant)
    apres_ligne = suivi2.ligne
    duree = (suivi2.fin - debut) if rejoue else None
    attendues, apres, intactes_apres = bilan_pieces(lien, import_id, pile.media)
    deposees_apres = demandes_par_statut(lien, import_id)
    identiques = [(p, z, s) for p, z, s, _, _ in avant] == [(p, z, s) for p, z, s, _, _ in apres]
    print(
        f"   2e passage {'terminé' if rejoue else 'NON observé'}"
        + (f" en {duree:.2f} s" if rejoue else "")
        + f" : statut {apres_ligne['statut']}, {apres_ligne['nb_acceptees']} acceptées, {apres_ligne['nb_tentatives']} "
        f"tentative(s) ; PieceRecue {len(avant)} → {len(apres)} ({'identiques' if identiques else 'DIFFÉRENTES'}), "
        f"intactes {len(intactes_avant)} → {len(intactes_apres)} ; demandes {deposees_apres}"
    )
    borne = duree_appel + t_premier + 2.0
    r.update(
        reprise=duree,
        borne=borne,
        borne_texte=f"appel {duree_appel:.1f} + traitement {t_premier:.1f} + 2",
        attendues=attendues,
        recues=len(intactes_apres),
    )
    r["cibles"] += [
        ("2e passage exécuté", rejoue and appel.returncode == 0),
        ("pièces identiques avant / après", identiques and len(intactes_apres) == len(intactes_avant) == attendues),
        ("zip toujours TRAITE", apres_ligne["statut"] == "TRAITE" and apres_ligne["nb_acceptees"] == attendues),
        (f"{nb} demandes toujours « Déposée »", deposees_apres == {"DEPOSEE": nb}),
    ]
    return r


def scenario_2(pile, navigateur, lien, nb):
    """A whole worker (main process + pool) killed mid-zip, both of them."""
    r = {"nom": NOMS[2], "cibles": []}
    import_id = creer_import(navigateur, lien, 2, nb)
    debut = time.monotonic()
    chemin = zip_gros(pile.dossier / "pannes-2.zip", 2, nb)
    print(
        f"   import {import_id} ({nb} demandes) ; zip de {nb} × {TAILLE_PIECE} octets : {mo(chemin.stat().st_size):.1f} Mo, écrit en {time.monotonic() - debut:.1f} s"
    )

    arret = {}

    def guetter():
        """Own connection: as soon as a zip of the import is EN_COURS, SIGKILL both workers' groups."""
        guet = connecter()
        try:
            limite = time.monotonic() + CHRONO.reste(180)
            while time.monotonic() < limite and "fin" not in arret:
                trouve = une(
                    guet,
                    "SELECT id, statut, nb_traitees, nb_entrees FROM piecesjointes_zipdepose WHERE import_demandes_id = %s",
                    [import_id],
                )
                if trouve and trouve[1] == "EN_COURS" and trouve[2] >= pile.tuer_apres_entrees:
                    pile.tuer_workers()
                    arret.update(t=time.monotonic(), zip=trouve[0], traitees=trouve[2], entrees=trouve[3])
                    dossier = pile.media / "pieces"
                    arret["fichiers"] = sum(1 for p in dossier.glob(f"*/{import_id}/*/*") if p.is_file())
                    pile.demarrer_workers()
                    return
                if trouve and trouve[1] not in ("EN_ATTENTE", "EN_COURS"):
                    arret["rate"] = trouve[1]
                    return
                time.sleep(0.01)
        finally:
            guet.close()

    guetteur = threading.Thread(target=guetter, daemon=True)
    guetteur.start()
    statut, donnees, duree_depot, reponse = deposer(navigateur, import_id, chemin)
    print(f"   dépôt : {statut} en {duree_depot:.1f} s — {donnees and donnees.get('message')}")
    if statut != 200:
        arret["fin"] = True  # no zip to watch
    guetteur.join(timeout=CHRONO.reste(120))
    arret["fin"] = True
    chemin.unlink(missing_ok=True)
    if statut != 200 or not donnees:
        raise RuntimeError(f"dépôt : {statut} {reponse.texte()[:300]}")
    zip_id = donnees["zip"]
    if "t" not in arret:
        raise RuntimeError(f"zip jamais vu EN_COURS ({arret.get('rate', 'délai dépassé')}) : aucun arrêt en plein zip")
    print(
        f"   SIGKILL des 2 workers (groupes) avec le zip {zip_id} EN_COURS, {arret['traitees']}/{arret['entrees']} "
        f"entrées comptées, {arret['fichiers']} pièce(s) déjà écrite(s) dans le stockage ; 2 nouveaux workers démarrés"
    )
    suivi = Suivi(navigateur, lien, zip_id)
    suivi.debuts[1] = arret["t"]
    fini = suivi.attendre(DELAI_REPRISE)
    ligne = suivi.ligne
    reprise = (suivi.fin - arret["t"]) if fini and ligne["statut"] == "TRAITE" else None
    traitement = suivi.duree_traitement() if fini else None
    attendues, recues, intactes = bilan_pieces(lien, import_id, pile.media)
    print(
        f"   après l'arrêt : statut {ligne['statut']} ({ligne['nb_tentatives']} tentatives, {ligne['nb_acceptees']} "
        f"acceptées) "
        + (f"en {suivi.fin - arret['t']:.2f} s" if fini else "— non terminé dans le délai")
        + (f", dernière tentative {traitement:.2f} s" if traitement is not None else "")
        + f" ; {len(recues)} PieceRecue, {len(intactes)} intactes"
    )
    client = pile.client_redis()
    try:
        non_acquittes = client.hlen("unacked")
    finally:
        client.close()
    print(
        f"   messages non acquittés restés dans Redis (hash « unacked ») : {non_acquittes} — redistribués après "
        "visibility_timeout = SEGUR_ZIP_DUREE_MAX (900 s par défaut) : un passage de plus, idempotent"
    )
    cible_arret = ("arrêt en plein traitement", arret["traitees"] < arret["entrees"] or arret["entrees"] == 0)
    return noter_la_reprise(r, pile, ligne, reprise, traitement, attendues, intactes, cible_arret)


def scenario_3(pile, navigateur, lien, nb):
    """The broker is down while the zip is uploaded."""
    r = {"nom": NOMS[3], "cibles": []}
    import_id = creer_import(navigateur, lien, 3, nb)
    chemin = zip_petit(pile.dossier / "pannes-3.zip", 3, nb)
    pile.arreter_redis()
    t_arret = time.monotonic()
    print(f"   import {import_id} ({nb} demandes) ; redis-server arrêté (SIGTERM), port {pile.port_redis} fermé")
    statut, donnees, duree_depot, reponse = deposer(navigateur, import_id, chemin)
    message = (donnees or {}).get("message", "")
    print(f"   dépôt broker arrêté : {statut} en {duree_depot:.2f} s — « {message or reponse.texte()[:200]} »")
    sante = navigateur.get("/sante/?format=json", compter=False, delai=15)
    print(f"   /sante/ pendant la panne : {sante.statut} (attendu : 500, le broker est signalé)")
    # The outage lasts over one beat tick: a sweep is due while the broker is down.
    time.sleep(max(0.0, t_arret + pile.periode + 1.0 - time.monotonic()))
    t_redemarrage = pile.demarrer_redis()
    print(f"   redis-server redémarré sur le même port (vide) après {t_redemarrage - t_arret:.1f} s de panne")
    if statut != 200 or not donnees:
        r.update(reprise=None, borne=None, borne_texte="—", attendues=nb_attendues(lien, import_id), recues=0)
        r["cibles"].append(("dépôt 200 JSON « en attente »", False))
        return r
    zip_id = donnees["zip"]
    print(f"   zip {zip_id} : {ligne_zip(lien, zip_id)['statut']} au redémarrage")
    cible_depot = ("dépôt 200 JSON « en attente »", statut == 200 and MESSAGE_EN_ATTENTE in message)
    return mesurer_la_reprise(
        r, pile, navigateur, lien, import_id, zip_id, t_redemarrage, "après le redémarrage :", cible_depot
    )


def messages_en_file(pile, zip_id):
    """(messages in the « celery » list, how many are traiter_zip for this zip)."""
    client = pile.client_redis()
    try:
        messages = client.lrange("celery", 0, -1)
    finally:
        client.close()
    les_notres = 0
    for brut in messages:
        try:
            message = json.loads(brut)
            entetes = message.get("headers", {})
            if entetes.get("task") == "piecesjointes.tasks.traiter_zip" and str(zip_id) in entetes.get("argsrepr", ""):
                les_notres += 1
        except (ValueError, AttributeError):
            pass
    return len(messages), les_notres


def scenario_4(pile, navigateur, lien, nb):
    """Redis restarted without persistence while the zip's message waits in its queue."""
    r = {"nom": NOMS[4], "cibles": []}
    import_id = creer_import(navigateur, lien, 4, nb)
    chemin = zip_petit(pile.dossier / "pannes-4.zip", 4, nb)
    pile.arreter_workers()
    print(f"   import {import_id} ({nb} demandes) ; workers arrêtés (SIGTERM, arrêt à chaud)")
    statut, donnees, duree_depot, reponse = deposer(navigateur, import_id, chemin)
    message = (donnees or {}).get("message", "")
    print(f"   dépôt : {statut} en {duree_depot:.2f} s — « {message or reponse.texte()[:200]} »")
    if statut != 200 or not donnees:
        raise RuntimeError(f"dépôt : {statut} {reponse.texte()[:300]}")
    zip_id = donnees["zip"]
    en_file, les_notres = messages_en_file(pile, zip_id)
    pile.arreter_redis()
    t_redemarrage = pile.demarrer_redis()
    apres, _ = messages_en_file(pile, zip_id)
    print(
        f"   file « celery » avant le redémarrage : {en_file} message(s) dont {les_notres} traiter_zip({zip_id}) ; "
        f"après : {apres}"
    )
    pile.demarrer_workers()
    cible_perte = ("message en file puis perdu", les_notres >= 1 and apres == 0)
    return mesurer_la_reprise(
        r,
        pile,
        navigateur,
        lien,
        import_id,
        zip_id,
        t_redemarrage,
        "2 workers redémarrés ; Redis redémarré,",
        cible_perte,
    )


def mesurer_la_reprise(r, pile, navigateur, lien, import_id, zip_id, t_redemarrage, contexte, cible_propre):
    """Waits for the zip to be processed after the fault ended at `t_redemarrage`; fills the
    scenario's result (recovery time, bound, pieces) and its targets."""
    suivi = Suivi(navigateur, lien, zip_id)
    fini = suivi.attendre(DELAI_REPRISE)
    ligne = suivi.ligne
    reprise = (suivi.fin - t_redemarrage) if fini and ligne["statut"] == "TRAITE" else None
    traitement = suivi.duree_traitement() if fini else None
    attendues, recues, intactes = bilan_pieces(lien, import_id, pile.media)
    print(
        f"   {contexte} statut {ligne['statut']} ({ligne['nb_tentatives']} tentative(s), "
        f"{ligne['nb_acceptees']} acceptées) "
        + (f"en {suivi.fin - t_redemarrage:.2f} s après la fin de la panne" if fini else "— non terminé")
        + (f", traitement {traitement:.2f} s" if traitement is not None else "")
        + f" ; {len(recues)} PieceRecue, {len(intactes)} intactes"
    )
    return noter_la_reprise(r, pile, ligne, reprise, traitement, attendues, intactes, cible_propre)


def noter_la_reprise(r, pile, ligne, reprise, traitement, attendues, intactes, cible_propre):
    """The scenario's result: recovery time against its bound (relance + period + processing),
    pieces expected and found intact, and its targets."""
    borne = pile.relance_apres + pile.periode + (traitement or 0.0)
    r.update(
        reprise=reprise,
        borne=borne,
        borne_texte=f"{pile.relance_apres} + {pile.periode} + {traitement or 0:.1f}",
        attendues=attendues,
        recues=len(intactes),
    )
    r["cibles"] += [
        cible_propre,
        ("zip TRAITE après reprise", ligne["statut"] == "TRAITE"),
        ("reprise ≤ borne", reprise is not None and reprise <= borne),
    ]
    return r


# --- Main -----------------------------------------------------------------------------------------


def versions(pile):
    with psycopg2.connect(dbname="postgres", **PG) as lien, lien.cursor() as curseur:
        curseur.execute("SHOW server_version")
        postgres = curseur.fetchone()[0]
    lien.close()
    redis_version = subprocess.run(["redis-server", "--version"], capture_output=True, text=True).stdout.strip()
    print(
        f"Python {sys.version.split()[0]} — PostgreSQL {postgres} — {redis_version.split(' sha=')[0]} — "
        f"Django {version_de('django')}, Celery {version_de('celery')}, kombu {version_de('kombu')}, redis-py {version_de('redis')}, "
        f"gunicorn {version_de('gunicorn')} — {os.cpu_count()} CPU, charge "
        f"{' '.join(f'{c:.2f}' for c in os.getloadavg())}"
    )


def imprimer_resume(resultats, pile):
    print("\nRésumé")
    entetes = ("scénario", "reprise (s)", "borne (s)", "pièces att./reçues", "perdues", "erreurs HTTP", "verdict")
    formats = ("<40", "<11", "<36", "<18", "<7", "<12", "<7")
    print(ligne_de_tableau(entetes, formats))
    for r in resultats:
        if "erreur" in r and "attendues" not in r:
            print(f"   {r['nom']:{formats[0]}} ÉCART — non mesuré : {r['erreur'][:160]}")
            continue
        reprise = f"{r['reprise']:.2f}" if r.get("reprise") is not None else "—"
        borne = f"{r['borne']:.1f} ({r['borne_texte']})" if r.get("borne") is not None else "—"
        pieces = f"{r['attendues']} / {r['recues']}"
        perdues = r["attendues"] - r["recues"]
        verdict = ok(all(v for _, v in r["cibles"]) and perdues == 0 and not r["erreurs_http"])
        cellules = (r["nom"], reprise, borne, pieces, str(perdues), str(len(r["erreurs_http"])), verdict)
        print(ligne_de_tableau(cellules, formats))
    print(
        f"\nBorne de reprise = SEGUR_ZIP_RELANCE_APRES ({pile.relance_apres} s) + SEGUR_REPRISE_PERIODE "
        f"({pile.periode} s) + durée du traitement (mesurée, tentative réussie) ; avec les valeurs par défaut : "
        f"{RELANCE_APRES_DEFAUT} s + {PERIODE_DEFAUT} s + traitement. Scénario 1 : aucune reprise, "
        "durée de `celery call` + durée du 1er traitement + 2 s."
    )


def main():
    sys.stdout.reconfigure(line_buffering=True)
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--relance-apres", type=int, default=10, help="SEGUR_ZIP_RELANCE_APRES (s, défaut 10)")
    parser.add_argument("--periode", type=int, default=5, help="SEGUR_REPRISE_PERIODE (s, défaut 5)")
    parser.add_argument("--demandes", type=int, default=30, help="demandes par import (défaut 30)")
    parser.add_argument("--grosses", type=int, default=60, help="entrées de 3 Mo du gros zip (défaut 60, ≤ 66)")
    parser.add_argument(
        "--tuer-apres-entrees",
        type=int,
        default=0,
        help="scénario 2 : SIGKILL dès que N entrées sont comptées (progression tous les 20 ; défaut 0 : dès EN_COURS)",
    )
    parser.add_argument("--journaux", action="store_true", help="afficher la fin des journaux des processus")
    args = parser.parse_args()
    for binaire in ("redis-server", "createdb", "dropdb"):
        if shutil.which(binaire) is None:
            sys.exit(f"{binaire} est introuvable")

    # SIGTERM (e.g. `timeout`) goes through the same `finally` as Ctrl-C: the stack is stopped.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    dossier = Path(tempfile.mkdtemp(prefix="bench-pannes-"))
    pile = Pile(dossier, args.relance_apres, args.periode)
    pile.tuer_apres_entrees = args.tuer_apres_entrees
    resultats = []
    lien = None
    base_creee = False
    try:
        versions(pile)
        print(
            f"SEGUR_ZIP_RELANCE_APRES = {args.relance_apres} s (défaut {RELANCE_APRES_DEFAUT} s), "
            f"SEGUR_REPRISE_PERIODE = {args.periode} s (défaut {PERIODE_DEFAUT} s), "
            "SEGUR_ZIP_TENTATIVES_MAX = 3 (défaut)"
        )
        debut = time.monotonic()
        pile.creer_base()
        base_creee = True
        print(f"Préparation : base {BASE} créée, migrate + seed_demo + collectstatic…", flush=True)
        pile.preparer()
        pile.demarrer_redis()
        pile.demarrer_gunicorn()
        pile.demarrer_workers()
        pile.demarrer_beat()
        navigateur = Navigateur(f"http://{HOTE}:{pile.port_web}", dossier)
        attendre_sante(navigateur)
        if not pile.workers_prets():
            raise RuntimeError("les workers ne sont pas prêts")
        navigateur.connexion()
        lien = connecter()
        print(
            f"Pile prête en {time.monotonic() - debut:.1f} s : gunicorn 3 workers sur {HOTE}:{pile.port_web}, "
            f"redis-server {HOTE}:{pile.port_redis} (sans persistance), 2 workers Celery prefork ×2, beat ; "
            f"MEDIA_ROOT {pile.media} ; connecté en tant que « {UTILISATEUR} »"
        )

        for numero, fonction, nb in (
            (1, scenario_1, args.demandes),
            (2, scenario_2, args.grosses),
            (3, scenario_3, args.demandes),
            (4, scenario_4, args.demandes),
        ):
            print(f"\nScénario {numero} — {TITRES[numero]}", flush=True)
            if CHRONO.reste(60) < 60:
                resultats.append({"nom": NOMS[numero], "erreur": "non exécuté, durée maximale du banc atteinte"})
                print("   non exécuté : durée maximale du banc atteinte")
                continue
            navigateur.erreurs = []
            try:
                # Every scenario starts on a healthy stack: Redis and both workers up (even after a
                # scenario that failed half-way).
                if not pile.redis.vivant():
                    pile.demarrer_redis()
                if not all(w.vivant() for w in pile.workers):
                    pile.demarrer_workers()
                pile.workers_prets()
                resultat = fonction(pile, navigateur, lien, nb)
            except Exception as erreur:  # noqa: BLE001 - reported, the run goes on
                resultat = {"nom": NOMS[numero], "erreur": f"{type(erreur).__name__}: {erreur}"}
                print(f"   ÉCHEC du scénario : {resultat['erreur']}")
                print(pile.journaux())
            resultat["erreurs_http"] = list(navigateur.erreurs)
            if "attendues" in resultat:
                perdues = resultat["attendues"] - resultat["recues"]
                reprise = (
                    f"{resultat['reprise']:.2f} s" if resultat.get("reprise") is not None else "— (pas de reprise)"
                )
                borne = f"≤ {resultat['borne']:.1f} s" if resultat.get("borne") is not None else "—"
                print(
                    f"=> {resultat['nom']} : reprise {reprise} (borne {borne} : "
                    f"{ok(resultat.get('reprise') is not None and resultat.get('borne') is not None and resultat['reprise'] <= resultat['borne'])}) ; "
                    f"pièces attendues / reçues {resultat['attendues']} / {resultat['recues']} ({ok(perdues == 0)}) ; "
                    f"erreurs HTTP {len(resultat['erreurs_http'])} ({ok(not resultat['erreurs_http'])})"
                )
                for libelle, valeur in resultat["cibles"]:
                    print(f"   - {libelle} : {ok(valeur)}")
                for erreur in resultat["erreurs_http"][:10]:
                    print(f"   ! {erreur}")
                if args.journaux or not all(v for _, v in resultat["cibles"]) or perdues or resultat["erreurs_http"]:
                    print(pile.journaux())
            resultats.append(resultat)

        imprimer_resume(resultats, pile)
    finally:
        if lien is not None:
            lien.close()
        pile.fermer()
        restants = [p for p in pile.processus if p.vivant()]
        if base_creee:
            pile.supprimer_base()
        shutil.rmtree(dossier, ignore_errors=True)
        print(
            f"\nArrêt : {len(pile.processus)} processus lancés, {len(restants)} encore vivant(s) ; base {BASE} "
            f"supprimée ; {dossier} supprimé."
        )


if __name__ == "__main__":
    main()
