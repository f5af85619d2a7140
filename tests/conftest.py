import copy
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

# The guide's two models, shipped with the portal (served by the documentation page).
MODELES = Path(__file__).resolve().parents[1] / "schemas" / "modeles"


@pytest.fixture
def demo(db):
    """The demo fournisseurs, solutions and users (référentiels come from the migrations)."""
    from demandes.management.commands.seed_demo import creer_donnees_demo

    return creer_donnees_demo()


@pytest.fixture
def relais(demo):
    return demo["77625125800013"]


@pytest.fixture
def client_relais(client, demo):
    """The test client logged in as the demo supplier RELAIS."""
    from django.contrib.auth import get_user_model

    client.force_login(get_user_model().objects.get(username="relais"))
    return client


@pytest.fixture
def stockage_temporaire(settings, tmp_path):
    """Files stored by the test go to a folder of its own."""
    settings.MEDIA_ROOT = str(tmp_path / "fichiers")


@pytest.fixture
def exemple_ttc() -> bytes:
    return (MODELES / "avance-structure-ttc.json").read_bytes()


@pytest.fixture
def exemple_ht() -> bytes:
    return (MODELES / "avance-structure-ht.json").read_bytes()


@pytest.fixture
def document_ttc(exemple_ttc) -> dict:
    """The TTC example as a Python dict, to modify and dump again."""
    return json.loads(exemple_ttc)


def vers_octets(document: dict) -> bytes:
    return json.dumps(document, ensure_ascii=False, indent=2).encode("utf-8")


def ligne_type(document: dict, **remplacements) -> dict:
    ligne = copy.deepcopy(document["lignesImport"][0])
    ligne.update(remplacements)
    return ligne


@pytest.fixture(scope="session")
def worker_celery(django_db_setup, django_db_blocker):
    """A real Celery worker (in a thread of the test process, so it uses the test database) on
    the configured broker: Redis when REDIS_URL is set (CI), the embedded broker otherwise."""
    from celery.contrib.testing.worker import start_worker
    from celery.signals import task_postrun
    from django.db import connections

    from segur_portal.celery import app

    def fermer_connexions(**kwargs):
        # The worker thread's connections would otherwise outlive the test database.
        connections.close_all()

    task_postrun.connect(fermer_connexions, weak=False)
    app.conf.task_always_eager = False
    with django_db_blocker.unblock():
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=30, loglevel="WARNING"):
            yield app
    task_postrun.disconnect(fermer_connexions)


# Headless Chromium through Playwright, for the tests marked `browser`. No skip: without Chromium at
# /usr/bin/chromium the launch fails, and so does the test (CI installs it).
CHROMIUM = "/usr/bin/chromium"
ARGUMENTS_CHROMIUM = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
OPTIONS_CONTEXTE = {"accept_downloads": True, "locale": "fr-FR", "viewport": {"width": 1280, "height": 900}}
DELAI_NAVIGATEUR = 20_000  # ms: default timeout of every page


@dataclass
class Navigateur:
    """The live server's URL and the launched Chromium (a Playwright Browser)."""

    url: str
    browser: Any

    def nouvelle_page(self):
        """A page in a new browser context (its own cookies, so its own session): close it with
        `page.context.close()`; the browser closes whatever is left at teardown."""
        page = self.browser.new_context(**OPTIONS_CONTEXTE).new_page()
        page.set_default_timeout(DELAI_NAVIGATEUR)
        return page

    def se_connecter(self, page, identifiant: str):
        """The guide's login form, with the demo password."""
        page.goto(f"{self.url}/connexion/")
        page.get_by_label("Identifiant").fill(identifiant)
        page.get_by_label("Mot de passe").fill("demo")
        page.get_by_role("button", name="Se connecter").click()


@pytest.fixture
def navigateur(live_server, transactional_db, settings, tmp_path, monkeypatch):
    """Chromium launched against the live server, the demo data loaded: yields a `Navigateur`."""
    from django.db import connections
    from playwright.sync_api import sync_playwright

    from demandes import referentiels
    from demandes.management.commands.seed_demo import creer_donnees_demo
    from demandes.models import Couloir, Logiciel, OperateurMessagerie, TypePiece

    # Playwright's sync API runs an event loop in this thread; the ORM is used around it.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    settings.MEDIA_ROOT = str(tmp_path / "fichiers")
    # The live server speaks plain HTTP.
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False

    # A transactional test starts from whatever the previous one left: reload the référentiels.
    referentiels.charger(Couloir, Logiciel, OperateurMessagerie, TypePiece)
    creer_donnees_demo()

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGUMENTS_CHROMIUM)
        try:
            yield Navigateur(live_server.url, browser)
        finally:
            try:
                browser.close()
            finally:
                # Inside Playwright's event loop the ORM gets a connection of its own (asgiref's
                # Local follows the running loop's context): close it, or it outlives the test database.
                connections.close_all()
