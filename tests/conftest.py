"""The fixtures every part of the suite uses, defined once: the demo data and the accounts (logged in
or not), the guide's examples, a storage of each test's own, the transactional variants for the
tests that need real commits (threads, a real Celery worker), and that worker.

Fixtures of one part only live in its folder's conftest.py (tests/gestion/, tests/piecesjointes/,
tests/navigateur/…). Builders are in tests/factories.py and tests/documents.py."""

import json

import pytest

from demandes.valeurs import StatutDemande, StatutPaiement, TypeDemande

from .documents import MODELES, SIRET_RELAIS
from .factories import creer_demandes, deposee_le
from .parcours import utilisateur


@pytest.fixture(autouse=True)
def stockage_temporaire(settings, tmp_path):
    """Files stored by each test go to its own <tmp>/stockage/fichiers: the folder around
    MEDIA_ROOT stays empty, so that a file written outside the storage (path traversal) is seen."""
    settings.MEDIA_ROOT = str(tmp_path / "stockage" / "fichiers")


# --- The demo data and the accounts -------------------------------------------------------------


def _creer_demo():
    """Demo fournisseurs, solutions and users (référentiels come from the migrations)."""
    from demandes.management.commands.seed_demo import creer_donnees_demo

    return creer_donnees_demo()


@pytest.fixture
def demo(db):
    """The demo fournisseurs, solutions and users: {siret: Fournisseur}."""
    return _creer_demo()


@pytest.fixture
def demo_transactionnel(transactional_db):
    """The demo data for a test whose transactions really commit (threads, a real worker). A
    transactional test starts from whatever the previous one left: the référentiels are reloaded."""
    from demandes import referentiels
    from demandes.models import Couloir, Logiciel, OperateurMessagerie, TypePiece

    referentiels.charger(Couloir, Logiciel, OperateurMessagerie, TypePiece)
    return _creer_demo()


@pytest.fixture
def relais(demo):
    """The demo supplier RELAIS (a Fournisseur), owner of the solution mlp525off1."""
    return demo[SIRET_RELAIS]


@pytest.fixture
def client_relais(client, demo):
    """The test client logged in as the demo supplier RELAIS."""
    client.force_login(utilisateur("relais"))
    return client


@pytest.fixture
def relais_transactionnel(client, demo_transactionnel):
    """`client_relais` on the transactional demo data."""
    client.force_login(utilisateur("relais"))
    return client


@pytest.fixture
def gestionnaire(demo):
    """The demo ASP manager (group « Gestionnaires ASP »), with an e-mail address."""
    compte = utilisateur("gestionnaire")
    compte.email = "gestionnaire@asp.gouv.fr"
    compte.save()
    return compte


@pytest.fixture
def client_gestionnaire(client, gestionnaire):
    """The test client logged in as the demo ASP manager."""
    client.force_login(gestionnaire)
    return client


# --- Data sets of several folders ---------------------------------------------------------------------


@pytest.fixture
def quatre_demandes(demo):
    """relais's FINMDV000001 to 000004 (an avance en attente des pièces, a solde décidée and paid,
    an avance décidée being paid, an avance rejetée), deposited from January to April 2024, and
    hopital's FINHOP000001."""
    (d1,) = creer_demandes(debut=1, editeur="B")
    (d2,) = creer_demandes(
        debut=2,
        editeur="D",
        type_demande=TypeDemande.SOLDE,
        statut=StatutDemande.DECIDEE,
        paiement=StatutPaiement.EFFECTUE,
    )
    (d3,) = creer_demandes(debut=3, editeur="A", statut=StatutDemande.DECIDEE, paiement=StatutPaiement.EN_COURS)
    (d4,) = creer_demandes(debut=4, editeur="C", statut=StatutDemande.REJETEE, montant="10750.50")
    for demande, jour in ((d1, "2024-01-10"), (d2, "2024-02-15"), (d3, "2024-03-20"), (d4, "2024-04-25")):
        deposee_le(demande, jour)
    creer_demandes("bnd52qq600", editeur="H")  # hopital's FINHOP000001
    return d1, d2, d3, d4


# --- The guide's examples -------------------------------------------------------------------------


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


# --- A real Celery worker -------------------------------------------------------------------------


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


@pytest.fixture
def taches_immediates():
    """Celery eager: what `.delay()` queues runs at once, in the caller's thread (the live server's
    for a browser test), its retries too; a task's exception stays in its result. The notification
    mails of a decision then reach Django's locmem outbox (`mail.outbox`) as soon as it commits."""
    # Registered: a task queued by name runs eagerly only if the app knows it.
    import demandes.tasks  # noqa: F401
    import piecesjointes.tasks  # noqa: F401
    from segur_portal.celery import app

    avant = app.conf.task_always_eager, app.conf.task_eager_propagates
    app.conf.task_always_eager, app.conf.task_eager_propagates = True, False
    yield
    app.conf.task_always_eager, app.conf.task_eager_propagates = avant
