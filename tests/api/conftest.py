"""Fixtures of the API tests (tests/api/): a token of a supplier's user, and a client that sends it."""

import pytest
from django.test import Client

from demandes import jetons
from tests.parcours import utilisateur


class ClientAPI:
    """Django's test client with « Authorization: Bearer <jeton> » on every request."""

    def __init__(self, jeton: str | None):
        self.client = Client()
        self.entetes = {"HTTP_AUTHORIZATION": f"Bearer {jeton}"} if jeton else {}

    def get(self, chemin, donnees=None, **extra):
        return self.client.get(chemin, donnees, **self.entetes, **extra)

    def post(self, chemin, donnees=None, **extra):
        return self.client.post(chemin, donnees or {}, **self.entetes, **extra)


def jeton_de(identifiant: str, nom: str = "logiciel de test", jours: int = 30) -> str:
    _, clair = jetons.creer_jeton(utilisateur(identifiant), nom=nom, jours=jours)
    return clair


@pytest.fixture
def api_relais(demo) -> ClientAPI:
    """The API as relais's software calls it."""
    return ClientAPI(jeton_de("relais"))


@pytest.fixture
def api_unikalo(demo) -> ClientAPI:
    return ClientAPI(jeton_de("unikalo"))
