import copy
import json
from pathlib import Path

import pytest

# The guide's two models, kept in ../shared beside the repository (also in CI).
EXEMPLES = Path(__file__).resolve().parents[2] / "shared" / "examples"


@pytest.fixture
def demo(db):
    """The demo fournisseurs, solutions and users (référentiels come from the migrations)."""
    from demandes.management.commands.seed_demo import creer_donnees_demo

    return creer_donnees_demo()


@pytest.fixture
def relais(demo):
    return demo["77625125800013"]


@pytest.fixture
def exemple_ttc() -> bytes:
    return (EXEMPLES / "avance-structure-ttc.json").read_bytes()


@pytest.fixture
def exemple_ht() -> bytes:
    return (EXEMPLES / "avance-structure-ht.json").read_bytes()


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
