"""Fixtures of the e-mail notification tests: the sending tasks run inline (`taches_immediates`
of tests/conftest.py), the users of two suppliers — with and
without an address, active or not — and a mail backend that refuses every message."""

import pytest
from django.contrib.auth import get_user_model

from tests.documents import SIRET_RELAIS
from tests.parcours import utilisateur


@pytest.fixture(autouse=True)
def _taches_immediates_ici(taches_immediates):
    """Every test of this folder runs the sending tasks inline (tests/conftest.py)."""


@pytest.fixture
def comptes(demo):
    """relais: two users with an address (relais, relais-compta), one deactivated, one without an
    address; hopital: one user with an address. {username: Utilisateur}"""
    Utilisateur = get_user_model()
    relais = utilisateur("relais")
    relais.email = "contact@relais.example"
    relais.save()
    hopital = utilisateur("hopital")
    hopital.email = "dsi@hopital.example"
    hopital.save()
    fournisseur_relais = demo[SIRET_RELAIS]
    autres = {
        "relais-compta": Utilisateur.objects.create_user(
            "relais-compta", "compta@relais.example", "x", fournisseur=fournisseur_relais
        ),
        "relais-parti": Utilisateur.objects.create_user(
            "relais-parti", "parti@relais.example", "x", fournisseur=fournisseur_relais, is_active=False
        ),
        "relais-sans-adresse": Utilisateur.objects.create_user(
            "relais-sans-adresse", "", "x", fournisseur=fournisseur_relais
        ),
    }
    return {"relais": relais, "hopital": hopital, **autres}


class BackendEnPanne:
    """A mail backend whose server refuses everything (as smtplib would)."""

    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        import smtplib

        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")


# The browser tests of this folder use the Chromium of tests/navigateur/ (same fixture, same live server).
from tests.navigateur.conftest import navigateur  # noqa: E402, F401
