"""What the benchmarks share: Django set up on a throw-away database and MEDIA_ROOT, the demo data,
valid JSON files of N lines and zips of incompressible pieces, timings (best of N), the peak RSS of
a subprocess (os.wait4) or of a live one (/proc), cProfile, and the printing of figures and tables.

Imported by the scripts of this folder as `commun` (Python puts a script's own folder first on
sys.path); it sets nothing up by itself: bench/pannes.py, which runs its stack in subprocesses,
uses its generators without ever loading Django.
"""

import copy
import cProfile
import io
import json
import os
import pstats
import re
import socket
import sys
import tempfile
import time
import zipfile
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as version_installee
from pathlib import Path

RACINE = Path(__file__).resolve().parents[1]
MODELE = RACINE / "schemas" / "modeles" / "avance-structure-ttc.json"

# The demo supplier « relais » and its solution (data of demandes.management.commands.seed_demo).
SIRET = "77625125800013"
UTILISATEUR = "relais"
NUMERO_ANS = "mlp525off1"
TAUX_TVA = "20"
TYPE_DEMANDE = "AVANCE"
MONTANT = "10750.00"
_MARQUE_MONTANT = "@@MONTANT@@"

# A piece of 3 MiB - 100 bytes: « %PDF-1.4 » then random bytes (incompressible).
ENTETE_PDF = b"%PDF-1.4\n"
TAILLE_PIECE = 3 * 1024 * 1024 - 100


# --- Django ---------------------------------------------------------------------------------------


def preparer_django(jetable: str | None = None) -> str | None:
    """Django set up with the portal's settings (DEBUG=1 unless told). With `jetable` (a name), and
    unless the environment says otherwise: the database is the SQLite file $TMPDIR/<jetable>.sqlite3
    (never the portal's var/db.sqlite3), a PostgreSQL database of DATABASE_URL is created when missing,
    and the stored files go to a temporary MEDIA_ROOT — returned, for the caller to remove at the end."""
    sys.path.insert(0, str(RACINE))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "segur_portal.settings")
    os.environ.setdefault("DEBUG", "1")
    media_temporaire = None
    if jetable:
        os.environ.setdefault("DATABASE_URL", f"sqlite:///{Path(tempfile.gettempdir()) / f'{jetable}.sqlite3'}")
        if "MEDIA_ROOT" not in os.environ:
            media_temporaire = tempfile.mkdtemp(prefix=f"{jetable}-media-")
            os.environ["MEDIA_ROOT"] = media_temporaire
        creer_base_postgres_si_absente(os.environ["DATABASE_URL"])
    import django

    django.setup()
    return media_temporaire


def creer_base_postgres_si_absente(url: str):
    """CREATE DATABASE through the `postgres` database when `url` names a PostgreSQL one that is missing."""
    if not url.startswith(("postgres://", "postgresql://", "pgsql://")):
        return
    import environ
    import psycopg2
    from psycopg2 import sql

    config = environ.Env.db_url_config(url)
    connexion = psycopg2.connect(
        dbname="postgres",
        user=config.get("USER") or None,
        password=config.get("PASSWORD") or None,
        host=config.get("HOST") or None,
        port=config.get("PORT") or None,
    )
    connexion.autocommit = True
    try:
        with connexion.cursor() as curseur:
            curseur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [config["NAME"]])
            if curseur.fetchone() is None:
                curseur.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(config["NAME"])))
                print(f"Base PostgreSQL {config['NAME']} créée.")
    finally:
        connexion.close()


def preparer_base():
    """migrate, then the demo data (re)created; returns the supplier « relais »."""
    from django.core.management import call_command
    from django.db import transaction

    from demandes.management.commands.seed_demo import creer_donnees_demo
    from demandes.models import Fournisseur

    print("Préparation : migrate + données de démonstration…", flush=True)
    call_command("migrate", verbosity=0, interactive=False)
    with transaction.atomic():
        creer_donnees_demo()
    return Fournisseur.objects.get(siret=SIRET)


def option_purger_quand_meme(parser) -> None:
    parser.add_argument(
        "--purger-quand-meme",
        action="store_true",
        help="vider les tables même si le nom de la base ne contient pas « bench »",
    )


def refuser_une_base_qui_n_est_pas_de_bench(ce_qui_est_vide: str, purger_quand_meme: bool = False) -> None:
    """A benchmark empties tables: it runs on a database named « …bench… » only (unless told to),
    then says which database and which Python, Django and DEBUG it measures."""
    import django
    from django.conf import settings

    base = settings.DATABASES["default"]
    if "bench" not in Path(str(base["NAME"])).name and not purger_quand_meme:
        sys.exit(
            f"La base « {base['NAME']} » ne semble pas dédiée au benchmark (« bench » absent du nom) : "
            f"ce script vide {ce_qui_est_vide}. Utilisez --purger-quand-meme pour passer outre."
        )
    print(
        f"Base : {decrire_base()}  —  Python {sys.version.split()[0]}, Django {django.get_version()}, "
        f"DEBUG={settings.DEBUG}"
    )


def modeles_et_ceux_qui_les_visent(racines) -> set:
    """These models and, recursively, every model pointing at one of them (history tables, pieces,
    payments…, whatever the project adds later), those whose table exists."""
    from django.apps import apps
    from django.db import connection

    modeles = set(racines)
    tous = [m for m in apps.get_models(include_auto_created=True) if m._meta.managed and not m._meta.proxy]
    ajoute = True
    while ajoute:
        ajoute = False
        for modele in tous:
            if modele not in modeles and any(
                champ.is_relation and champ.concrete and champ.related_model in modeles
                for champ in modele._meta.get_fields(include_hidden=True)
            ):
                modeles.add(modele)
                ajoute = True
    existantes = set(connection.introspection.table_names())
    return {m for m in modeles if m._meta.db_table in existantes}


def vider_les_tables(tables) -> None:
    """Empties these tables: one TRUNCATE on PostgreSQL (no CASCADE: every referencing table is
    listed, and an unexpected one fails loudly), DELETEs in one transaction on SQLite (which checks
    the foreign keys at the commit)."""
    from django.db import connection, transaction

    with connection.cursor() as curseur:
        if connection.vendor == "postgresql":
            curseur.execute("TRUNCATE " + ", ".join(connection.ops.quote_name(t) for t in tables))
        else:
            with transaction.atomic():
                for table in tables:
                    curseur.execute(f"DELETE FROM {connection.ops.quote_name(table)}")


def decrire_base(avec_nom=True) -> str:
    """« sqlite3 (/tmp/….sqlite3) », « postgresql (segur_bench) »; without `avec_nom`, the engine alone."""
    from django.conf import settings

    base = settings.DATABASES["default"]
    moteur = base["ENGINE"].rsplit(".", 1)[-1]
    return f"{moteur} ({base.get('NAME')})" if avec_nom else moteur


def est_postgres() -> bool:
    from django.db import connection

    return connection.vendor == "postgresql"


def percentile(valeurs, p):
    """The p-th percentile of `valeurs`, interpolated between the two nearest ranks."""
    ordonnees = sorted(valeurs)
    rang = (len(ordonnees) - 1) * p / 100
    bas = int(rang)
    haut = min(bas + 1, len(ordonnees) - 1)
    return ordonnees[bas] + (ordonnees[haut] - ordonnees[bas]) * (rang - bas)


# --- The JSON file and the zips ---------------------------------------------------------------------


def cle_luhn(chiffres: str) -> str:
    """The digit that makes chiffres + digit pass the Luhn check."""
    total = 0
    for rang, caractere in enumerate(reversed(chiffres)):
        valeur = int(caractere)
        if rang % 2 == 0:  # doubled once the key is appended
            valeur *= 2
            if valeur > 9:
                valeur -= 9
        total += valeur
    return str((10 - total % 10) % 10)


def finess(prefixe: str, numero: int) -> str:
    corps = f"{prefixe}{numero:07d}"
    return corps + cle_luhn(corps)


def nom_piece(numero_editeur: str) -> str:
    """The bon de commande a line of the guide's model announces."""
    return f"MDV-LGC-Va1-BDC-{numero_editeur}.pdf"


def construire_document(nb_lignes: int, *, editeur=lambda i: f"{i:05d}", rang=lambda i: i, decalage_geo=-1) -> str:
    """nb_lignes valid lines of the guide's TTC model (relais, mlp525off1, régime TTC), written as the
    published example is: numLigne 1…n, numeroEditeur `editeur(i)`, FINESSJuridique and FINESSGeo
    (Luhn key) numbered from `rang(i)` — the géographiques from (rang(i) + decalage_geo) × their count —
    and the piece named after the numeroEditeur, all distinct across the file."""
    modele = json.loads(MODELE.read_text(encoding="utf-8"))
    gabarit = modele["lignesImport"][0]
    nb_geo = len(gabarit["beneficiaires"]["structure"]["FINESSGeo"]) or 1
    lignes = []
    for i in range(1, nb_lignes + 1):
        ligne = copy.deepcopy(gabarit)
        numero_editeur = editeur(i)
        ligne["numLigne"] = i
        ligne["numeroEditeur"] = numero_editeur
        ligne["commande"]["montantSegurHT"] = _MARQUE_MONTANT
        structure = ligne["beneficiaires"]["structure"]
        structure["FINESSJuridique"] = finess("8", rang(i))
        structure["FINESSGeo"] = [finess("9", (rang(i) + decalage_geo) * nb_geo + k) for k in range(nb_geo)]
        ligne["piecesJustificatives"][0]["nomFichier"] = nom_piece(numero_editeur)
        lignes.append(ligne)
    modele["lignesImport"] = lignes
    texte = json.dumps(modele, indent=2, ensure_ascii=False)
    # The amount as the literal 10750.00, like the published example (json would write 10750.0).
    return texte.replace(f'"{_MARQUE_MONTANT}"', MONTANT) + "\n"


def verifier_generation(texte: str, nb_lignes: int) -> None:
    """Cheap sanity check of `construire_document` itself (the engine has the last word): the number
    of lines, FINESS distinct and with a valid key. Django must be set up (demandes.validateurs)."""
    from demandes.validateurs import finess_valide

    doc = json.loads(texte)
    geos = [g for l in doc["lignesImport"] for g in l["beneficiaires"]["structure"]["FINESSGeo"]]
    problemes = []
    if len(doc["lignesImport"]) != nb_lignes:
        problemes.append("nombre de lignes")
    if len(set(geos)) != len(geos) or not all(finess_valide(g) for g in geos):
        problemes.append("FINESSGeo")
    if not all(finess_valide(l["beneficiaires"]["structure"]["FINESSJuridique"]) for l in doc["lignesImport"]):
        problemes.append("FINESSJuridique")
    if problemes:
        sys.exit(f"Générateur incohérent : {', '.join(problemes)}")


def ecrire_zip_incompressible(chemin: Path, noms) -> Path:
    """A zip of one piece of TAILLE_PIECE bytes per name, written with ZIP_DEFLATED (compresslevel 1:
    on random data zlib emits stored deflate blocks, the zip stays the size of its content but inflate
    and CRC-32 still run)."""
    with zipfile.ZipFile(chemin, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for nom in noms:
            archive.writestr(nom, ENTETE_PDF + os.urandom(TAILLE_PIECE - len(ENTETE_PDF)))
    return chemin


# --- Measures ---------------------------------------------------------------------------------------


def chrono(fonction):
    """(seconds, result) of one call."""
    debut = time.perf_counter()
    resultat = fonction()
    return time.perf_counter() - debut, resultat


def meilleur_de(fonction, essais=3):
    """(best seconds, every seconds, last result) of `essais` calls."""
    durees, resultat = [], None
    for _ in range(essais):
        duree, resultat = chrono(fonction)
        durees.append(duree)
    return min(durees), durees, resultat


# Fresh, small process: spawns the measured command, writes its pid to argv[2] (unless « - »), waits
# for it with wait4 and writes the child's own rusage as JSON to argv[1]. Output of the child goes
# through. Going through it keeps the parent's (large) memory out of the child's high-water mark.
ENVELOPPE = r"""
import json, os, sys, time
rapport, fichier_pid, commande = sys.argv[1], sys.argv[2], sys.argv[3:]
debut = time.perf_counter()
pid = os.posix_spawn(commande[0], commande, os.environ)
if fichier_pid != "-":
    with open(fichier_pid + ".tmp", "w") as f:
        f.write(str(pid))
    os.replace(fichier_pid + ".tmp", fichier_pid)
_, statut, usage = os.wait4(pid, 0)
duree = time.perf_counter() - debut
with open(rapport, "w") as f:
    json.dump({"secondes": duree, "code": os.waitstatus_to_exitcode(statut), "maxrss_ko": usage.ru_maxrss}, f)
"""


def commande_mesuree(rapport: Path, commande, fichier_pid: Path | None = None) -> list[str]:
    """The command line that runs `commande` through ENVELOPPE (its rusage written to `rapport`)."""
    return [sys.executable, "-c", ENVELOPPE, str(rapport), str(fichier_pid) if fichier_pid else "-", *commande]


def lire_statut_proc(pid):
    """VmRSS and VmHWM of a live process, in KiB (None when unreadable)."""
    valeurs = {}
    try:
        with open(f"/proc/{pid}/status") as f:
            for ligne in f:
                cle, _, reste = ligne.partition(":")
                if cle in ("VmRSS", "VmHWM"):
                    valeurs[cle] = int(reste.split()[0])
    except OSError:
        return None, None
    return valeurs.get("VmRSS"), valeurs.get("VmHWM")


def profiler(appel, lignes=15, rapport=None) -> str:
    """The `lignes` top cumulative entries of a cProfile of `appel()`; with `rapport`, what
    rapport(stats) prints instead (stats: the pstats.Stats, full paths, printing to stats.stream)."""
    profil = cProfile.Profile()
    profil.enable()
    appel()
    profil.disable()
    tampon = io.StringIO()
    stats = pstats.Stats(profil, stream=tampon)
    if rapport is None:
        stats.strip_dirs().sort_stats("cumulative").print_stats(lignes)
    else:
        rapport(stats)
    return tampon.getvalue()


# --- Processes and versions -------------------------------------------------------------------------


def port_libre(hote="127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((hote, 0))
        return s.getsockname()[1]


def version_de(paquet: str) -> str:
    try:
        return version_installee(paquet)
    except PackageNotFoundError:
        return "?"


def fin_de(chemin: Path, lignes=25) -> str:
    """The last lines of a log file (empty when unreadable)."""
    try:
        texte = chemin.read_text(errors="replace").strip()
    except OSError:
        return ""
    return "\n".join(texte.splitlines()[-lignes:])


# --- Figures ----------------------------------------------------------------------------------------


def mo(octets):
    return octets / (1024 * 1024)


def fmt_durees(durees):
    return ", ".join(f"{d:.3f}" for d in durees)


def entier(n) -> str:
    """12 345 (thin French grouping with a plain space)."""
    return f"{n:,.0f}".replace(",", " ")


def verdict(ok):
    return "atteinte" if ok else "NON atteinte"


def ligne_de_tableau(cellules, formats, marge="   ", separateur=" ") -> str:
    """One row of a table of figures: each cell formatted with its column's spec (« <40 », « >9.3f »…)."""
    return (marge + separateur.join(f"{c:{spec}}" for c, spec in zip(cellules, formats, strict=True))).rstrip()


def imprimer_tableau(entetes, lignes, formats, marge="   ", separateur=" "):
    """A table of figures: its header (the titles aligned as their column, at its width), then one
    line per row."""
    largeurs = [re.match(r"[<>^]?\d*", spec).group() for spec in formats]
    print(ligne_de_tableau(entetes, largeurs, marge, separateur))
    for ligne in lignes:
        print(ligne_de_tableau(ligne, formats, marge, separateur))
