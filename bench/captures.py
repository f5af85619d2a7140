"""Screenshots of every supplier screen, in every state, at 1280 px and at 375 px, with the count
of axe-core violations of each by impact (issue 12: screenshots to look at, screen by screen).

Run from the project root, on a fresh clone after `make install`, without any service:

    make captures            # or: .venv/bin/python bench/captures.py [--dossier var/captures]

Everything is throw-away: a SQLite database in a temporary folder (migrated and loaded with
seed_demo once, then copied afresh for each width), a temporary MEDIA_ROOT, Celery on kombu's
in-memory broker with a worker in a thread of this process (the zips are processed as in
production, by a worker); DATABASE_URL / REDIS_URL of the environment are ignored.
The portal is served by Django's live server thread (static files included) and driven by headless
Chromium (/usr/bin/chromium, as the browser tests) through the journey of
tests/navigateur/parcours_fournisseur.py, the one the accessibility test audits: each state is
saved as a full-page PNG `<dossier>/<nn>-<écran>-<largeur>.png` (previous PNGs of the folder are
removed first), and audited with tests/navigateur/accessibilite.py. The list of files is printed,
each with its violations by impact (the rules of the moderate and minor ones in brackets) and
the serious or critical rules at fault, described. Nothing is asserted:
the browser tests do that (tests/navigateur/test_navigateur_accessibilite.py)."""

import argparse
import io
import os
import re
import shutil
import sys
import tempfile
import time
import unicodedata
from collections import Counter
from contextlib import contextmanager, redirect_stdout
from pathlib import Path

RACINE = Path(__file__).resolve().parents[1]
IMPACTS = ("critical", "serious", "moderate", "minor")


def preparer_django(dossier: Path) -> Path:
    """Django set up on a throw-away SQLite database of `dossier`, migrated, with the demo data;
    returns the path of the database file."""
    base = dossier / "captures.sqlite3"
    os.environ.update(
        DJANGO_SETTINGS_MODULE="segur_portal.settings",
        DEBUG="1",
        DATABASE_URL=f"sqlite:///{base}",
        MEDIA_ROOT=str(dossier / "fichiers"),
        CELERY_TASK_ALWAYS_EAGER="0",
        CELERY_BROKER_URL="memory://localhost/",  # in this process, read by the worker thread of `worker`
        LOG_LEVEL="WARNING",
        # Playwright's sync API runs an event loop in this thread; the ORM is used around it.
        DJANGO_ALLOW_ASYNC_UNSAFE="true",
    )
    os.environ.pop("REDIS_URL", None)
    sys.path.insert(0, str(RACINE))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    with redirect_stdout(io.StringIO()):  # its list of demo accounts
        call_command("seed_demo")
    return base


@contextmanager
def worker():
    """A Celery worker in a thread of this process, on the in-memory broker (the tests' worker_celery)."""
    from celery.contrib.testing.worker import start_worker
    from celery.signals import task_postrun
    from django.db import connections

    from segur_portal.celery import app

    def fermer_connexions(**kwargs):
        connections.close_all()  # the database file is replaced between the widths

    task_postrun.connect(fermer_connexions, weak=False)
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=30, loglevel="WARNING"):
        yield
    task_postrun.disconnect(fermer_connexions)


def nom_de_fichier(rang: int, ecran: str, largeur: int) -> str:
    """« 05-ecran-d-import-erreur-de-format-375.png »"""
    ascii_ = unicodedata.normalize("NFKD", ecran).encode("ascii", "ignore").decode()
    return f"{rang:02d}-{re.sub(r'[^a-z0-9]+', '-', ascii_.lower()).strip('-')}-{largeur}.png"


def main() -> int:
    arguments = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    arguments.add_argument("--dossier", default=str(RACINE / "var" / "captures"), help="où écrire les PNG")
    options = arguments.parse_args()
    sortie = Path(options.dossier)
    sortie.mkdir(parents=True, exist_ok=True)
    for ancien in sortie.glob("*.png"):
        ancien.unlink()

    temporaire = Path(tempfile.mkdtemp(prefix="segur-captures-"))
    try:
        return capturer(temporaire, sortie)
    finally:
        shutil.rmtree(temporaire, ignore_errors=True)


def capturer(temporaire: Path, sortie: Path) -> int:
    debut = time.monotonic()
    base = preparer_django(temporaire)
    from django.contrib.staticfiles.handlers import StaticFilesHandler
    from django.db import connections
    from django.test.testcases import LiveServerThread
    from playwright.sync_api import sync_playwright

    from tests.navigateur.accessibilite import LARGEURS, decrire, violations
    from tests.navigateur.conftest import ARGUMENTS_CHROMIUM, CHROMIUM, DELAI_NAVIGATEUR, OPTIONS_CONTEXTE
    from tests.navigateur.parcours_fournisseur import ECRANS, MENU_MOBILE, ecrans_vus, ecrire_fichiers, parcourir

    connections.close_all()
    modele = temporaire / "modele.sqlite3"  # the migrated demo database, copied afresh for each width
    shutil.copyfile(base, modele)
    fichiers = ecrire_fichiers(temporaire / "envois")

    serveur = LiveServerThread("127.0.0.1", StaticFilesHandler)
    serveur.daemon = True
    serveur.start()
    serveur.is_ready.wait()
    if serveur.error:
        raise serveur.error
    url = f"http://127.0.0.1:{serveur.port}"
    total: Counter = Counter()
    try:
        with worker(), sync_playwright() as p:
            navigateur = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGUMENTS_CHROMIUM)
            for dimensions in LARGEURS.values():
                connections.close_all()
                shutil.copyfile(modele, base)
                largeur = dimensions["width"]
                page = navigateur.new_context(**{**OPTIONS_CONTEXTE, "viewport": dimensions}).new_page()
                page.set_default_timeout(DELAI_NAVIGATEUR)

                def regarder(page, ecran, largeur=largeur):
                    chemin = sortie / nom_de_fichier(ECRANS.index(ecran) + 1, ecran, largeur)
                    # the open menu is a modal over the viewport: the viewport is what the user sees
                    page.screenshot(path=str(chemin), full_page=ecran != MENU_MOBILE)
                    trouvees = violations(page)
                    par_impact = Counter(v["impact"] for v in trouvees)
                    total.update(par_impact)
                    compte = " · ".join(f"{impact} {par_impact[impact]}" for impact in IMPACTS)
                    autres = sorted({v["id"] for v in trouvees if v["impact"] not in ("critical", "serious")})
                    nom = chemin.relative_to(RACINE) if chemin.is_relative_to(RACINE) else chemin
                    print(f"{nom}  {compte}" + (f"  ({', '.join(autres)})" if autres else ""))
                    for violation in trouvees:
                        if violation["impact"] in ("critical", "serious"):
                            print(f"    {decrire(violation)}")

                parcourir(page, url, fichiers, regarder)
                page.context.close()
            navigateur.close()
    finally:
        serveur.terminate()
        connections.close_all()
    print(
        f"{sum(len(ecrans_vus(d['width'])) for d in LARGEURS.values())} captures dans {sortie} en {time.monotonic() - debut:.0f} s — violations axe : "
        + " · ".join(f"{impact} {total[impact]}" for impact in IMPACTS)
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
