"""Headless Chromium through Playwright, for the tests marked `browser`. No skip: without Chromium at
/usr/bin/chromium the launch fails, and so does the test (CI installs it)."""

from dataclasses import dataclass
from typing import Any

import pytest

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


def _chromium(live_server, settings, monkeypatch):
    """Chromium launched against the live server (the files go to the test's own storage,
    `stockage_temporaire`): yields a `Navigateur`."""
    from django.db import connections
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the ORM is used around it.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    # The live server speaks plain HTTP.
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False

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


@pytest.fixture
def navigateur(live_server, demo_transactionnel, settings, monkeypatch):
    """Chromium against the live server, the demo data loaded (`demo_transactionnel`)."""
    yield from _chromium(live_server, settings, monkeypatch)


@pytest.fixture
def navigateur_portail_vierge(live_server, transactional_db, settings, monkeypatch):
    """Chromium against a portal with no supplier yet: the référentiels and the demo ASP manager
    (« gestionnaire » / « demo ») only — where an enrolment starts from."""
    from demandes import referentiels
    from demandes.management.commands.seed_demo import creer_gestionnaire_demo
    from demandes.models import Couloir, Logiciel, OperateurMessagerie, TypePiece

    referentiels.charger(Couloir, Logiciel, OperateurMessagerie, TypePiece)
    creer_gestionnaire_demo()
    yield from _chromium(live_server, settings, monkeypatch)
