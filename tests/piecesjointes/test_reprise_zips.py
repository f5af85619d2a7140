"""Attachments never lost, never stuck (docs/pannes.md): the zip task gives the same pieces however
often and whenever it runs, a zip whose processing was lost is sent again by the sweeper, a broker
down at upload loses nothing, a failed zip can be relaunched and never blocks « Terminer », the
database down answers 503, and the output file of the simulation is replaced by the import's."""

import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.utils import timezone

from demandes.models import Demande
from demandes.valeurs import StatutDemande
from imports.models import Import
from piecesjointes import services
from piecesjointes.models import EntreeZip, PieceRecue, ZipDepose
from tests import RACINE
from tests.documents import fichier_deux_lignes
from tests.factories import NOM_PIECE, NOM_PIECE_2, PDF, PDF_BIS, zip_de
from tests.marques import SUR_POSTGRES
from tests.pages import COLONNES_ZIPS, MESSAGE_COMPLET, contenu_telecharge, desactive, page, texte
from tests.parcours import (
    attendre_traitement,
    deposer,
    deposer_et_traiter,
    ecran,
    envoyer,
    import_de,
    importer,
    port_libre,
    simuler,
    utilisateur,
)

MESSAGE_RECU_EN_ATTENTE = (
    "Le fichier « pieces.zip » a bien été reçu : son traitement est en attente et démarrera automatiquement, "
    "sans nouvel envoi de votre part."
)


def etat_des_pieces(import_demandes) -> list[tuple]:
    """What a manager would find: each received piece, its file and its bytes on the storage."""
    lignes = []
    for piece in PieceRecue.objects.filter(zip_depose__import_demandes=import_demandes).order_by(
        "piece_attendue_id", "id"
    ):
        with piece.fichier.open("rb") as flux:
            lignes.append((piece.piece_attendue.nom_fichier, piece.zip_depose_id, piece.fichier.name, flux.read()))
    return lignes


def verdicts(depot) -> list[tuple]:
    return list(EntreeZip.objects.filter(zip_depose=depot).values_list("nom", "acceptee", "motif"))


def vieillir(depot, secondes):
    """As if the zip's last sign of life were `secondes` old (a lost message, a killed worker)."""
    ZipDepose.objects.filter(pk=depot.pk).update(date_activite=timezone.now() - timedelta(seconds=secondes))


# --- idempotent by construction -------------------------------------------------------------


def test_traiter_deux_fois_donne_les_memes_pieces(client_relais, import_deux):
    depot = deposer_et_traiter(
        client_relais, import_deux, zip_de((NOM_PIECE, PDF), ("inconnu.pdf", PDF), (NOM_PIECE_2, PDF_BIS))
    )
    avant, verdicts_avant = etat_des_pieces(import_deux), verdicts(depot)
    assert [p[0] for p in avant] == [NOM_PIECE, NOM_PIECE_2]

    services.traiter_zip(depot.pk)
    services.traiter_zip(depot.pk)
    assert etat_des_pieces(import_deux) == avant
    assert verdicts(depot) == verdicts_avant
    depot.refresh_from_db()
    assert (depot.statut, depot.nb_acceptees, depot.nb_refusees) == (ZipDepose.Statut.TRAITE, 2, 1)


def test_traiter_apres_terminer_ne_retire_aucune_piece(client_relais, import_deux):
    """The data loss the issue saw: a redelivery after « Terminer » took the 5 pieces away."""
    depot = deposer_et_traiter(client_relais, import_deux, zip_de((NOM_PIECE, PDF), (NOM_PIECE_2, PDF)))
    reponse = client_relais.post(f"/pieces-jointes/{import_deux.pk}/terminer/")
    assert reponse.status_code == 302
    avant = etat_des_pieces(import_deux)

    services.traiter_zip(depot.pk)  # a redelivery, a manual retry

    assert etat_des_pieces(import_deux) == avant and len(avant) == 2
    assert all(acceptee for _, acceptee, _ in verdicts(depot)), verdicts(depot)
    assert set(Demande.objects.filter(import_demandes=import_deux).values_list("statut", flat=True)) == {
        StatutDemande.DEPOSEE
    }
    page_demande = client_relais.get(f"/demandes/{Demande.objects.filter(import_demandes=import_deux).first().pk}/")
    assert page_demande.status_code == 200


def test_un_fichier_partiel_laisse_par_un_worker_tue_est_remplace(client_relais, import_deux):
    depot = deposer_et_traiter(client_relais, import_deux, zip_de((NOM_PIECE, PDF), (NOM_PIECE_2, PDF_BIS)))
    piece = PieceRecue.objects.get(piece_attendue__nom_fichier=NOM_PIECE_2)
    ancienne_cle = piece.cle_stockage
    Path(piece.fichier.path).write_bytes(PDF_BIS[:10])  # a write cut short

    services.traiter_zip(depot.pk)

    piece.refresh_from_db()
    with piece.fichier.open("rb") as flux:
        assert flux.read() == PDF_BIS
    assert piece.fichier.name == piece.cle_stockage
    assert Path(piece.cle_stockage).parent == Path(ancienne_cle).parent  # still under the zip's private key


@pytest.mark.skipif(not SUR_POSTGRES, reason="concurrence réelle : PostgreSQL (la CI)")
@pytest.mark.django_db(transaction=True)
def test_deux_traitements_simultanes_du_meme_zip(relais_transactionnel, document_ttc):
    client = relais_transactionnel
    import_demandes = importer(client, fichier_deux_lignes(document_ttc), nom="deux.json")
    reponse = deposer(client, import_demandes, zip_de((NOM_PIECE, PDF), (NOM_PIECE_2, PDF_BIS), ("x.pdf", PDF)))
    assert reponse.status_code == 302
    depot = ZipDepose.objects.get(import_demandes=import_demandes)
    erreurs = []

    def traiter():
        try:
            services.traiter_zip(depot.pk)
        except Exception as erreur:  # reported below
            erreurs.append(erreur)
        finally:
            connection.close()

    fils = [threading.Thread(target=traiter) for _ in range(3)]
    for fil in fils:
        fil.start()
    for fil in fils:
        fil.join(60)
    assert erreurs == []
    pieces = etat_des_pieces(import_demandes)
    assert [(nom, contenu) for nom, _, _, contenu in pieces] == [(NOM_PIECE, PDF), (NOM_PIECE_2, PDF_BIS)]
    depot.refresh_from_db()
    assert (depot.statut, depot.nb_acceptees, depot.nb_refusees) == (ZipDepose.Statut.TRAITE, 2, 1)


# --- nothing stuck: the sweeper -------------------------------------------------------------


def test_le_balayeur_ne_touche_pas_un_zip_vivant(client_relais, import_deux, settings):
    deposer(client_relais, import_deux, zip_de((NOM_PIECE, PDF)))
    assert services.relancer_zips_bloques() == {"relances": 0, "non_envoyes": 0}
    depot = ZipDepose.objects.get()
    depot.statut = ZipDepose.Statut.EN_COURS
    depot.save()
    vieillir(depot, settings.SEGUR_ZIP_RELANCE_APRES - 5)
    assert services.relancer_zips_bloques()["relances"] == 0


@pytest.mark.django_db(transaction=True)
def test_zip_laisse_en_cours_par_un_worker_tue_traite_apres_le_balayage(
    worker_celery, relais_transactionnel, document_ttc, settings
):
    """A worker killed whole leaves the zip « En cours » and its message gone: the next sweep sends
    it again and the real worker processes it; « Terminer » is then possible."""
    client = relais_transactionnel
    import_demandes = importer(client, fichier_deux_lignes(document_ttc), nom="deux.json")
    zip_id = envoyer(client, import_demandes, zip_de((NOM_PIECE, PDF), (NOM_PIECE_2, PDF)))
    attendre_traitement(client, zip_id)
    # What a killed worker leaves: the attempt started, no result, no message any more.
    PieceRecue.objects.all().delete()
    EntreeZip.objects.all().delete()
    ZipDepose.objects.filter(pk=zip_id).update(statut=ZipDepose.Statut.EN_COURS, nb_traitees=3, nb_tentatives=1)
    depot = ZipDepose.objects.get(pk=zip_id)
    vieillir(depot, settings.SEGUR_ZIP_RELANCE_APRES + 1)
    assert MESSAGE_COMPLET not in texte(ecran(client, import_demandes), lu=True)

    debut = time.monotonic()
    assert services.relancer_zips_bloques() == {"relances": 1, "non_envoyes": 0}
    etat = attendre_traitement(client, zip_id)
    assert etat["statut"] == "TRAITE" and etat["nb_acceptees"] == 2
    assert time.monotonic() - debut < settings.SEGUR_REPRISE_PERIODE
    assert ZipDepose.objects.get(pk=zip_id).nb_tentatives == 2
    assert client.post(f"/pieces-jointes/{import_demandes.pk}/terminer/").status_code == 302
    assert set(Demande.objects.filter(import_demandes=import_demandes).values_list("statut", flat=True)) == {
        StatutDemande.DEPOSEE
    }


def test_zip_en_echec_apres_n_tentatives_puis_relance_par_le_fournisseur(client_relais, import_deux, settings):
    deposer(client_relais, import_deux, zip_de((NOM_PIECE, PDF), (NOM_PIECE_2, PDF)))
    depot = ZipDepose.objects.get()
    ZipDepose.objects.filter(pk=depot.pk).update(
        statut=ZipDepose.Statut.EN_COURS, nb_tentatives=settings.SEGUR_ZIP_TENTATIVES_MAX
    )
    vieillir(depot, settings.SEGUR_ZIP_RELANCE_APRES + 1)
    assert services.relancer_zips_bloques() == {"relances": 0, "non_envoyes": 0}
    depot.refresh_from_db()
    assert depot.statut == ZipDepose.Statut.EN_ECHEC

    reponse = ecran(client_relais, import_deux)
    ligne = page(reponse).table(COLONNES_ZIPS)[0][1]
    assert ligne.startswith("En échec Le traitement de ce fichier a échoué 3 fois.")
    assert client_relais.get(f"/pieces-jointes/zip/{depot.pk}/statut/").json()["termine"] is True

    bouton = page(reponse).bouton("Relancer")
    assert not desactive(bouton)
    formulaire = f"/pieces-jointes/zip/{depot.pk}/relancer/"
    assert formulaire in reponse.content.decode()
    suite = client_relais.post(formulaire, follow=True)
    assert "Le traitement du fichier « pieces.zip » est relancé." in texte(suite, lu=True)
    depot.refresh_from_db()
    assert (depot.statut, depot.nb_tentatives, depot.message) == (ZipDepose.Statut.EN_ATTENTE, 0, "")

    services.traiter_zip(depot.pk)
    assert MESSAGE_COMPLET in texte(ecran(client_relais, import_deux), lu=True)
    # a zip that is not in failure cannot be relaunched
    refus = client_relais.post(formulaire, follow=True)
    assert "Seul un fichier zip en échec peut être relancé." in texte(refus, lu=True)


def test_un_zip_en_echec_ne_bloque_pas_terminer_apres_un_nouveau_depot(client_relais, import_deux):
    deposer(client_relais, import_deux, zip_de((NOM_PIECE, PDF), (NOM_PIECE_2, PDF)))
    ZipDepose.objects.update(statut=ZipDepose.Statut.EN_ECHEC, message="échec")
    reponse = ecran(client_relais, import_deux)
    assert desactive(page(reponse).bouton("Terminer"))

    deposer_et_traiter(client_relais, import_deux, zip_de((NOM_PIECE, PDF), (NOM_PIECE_2, PDF)), nom="bis.zip")
    reponse = ecran(client_relais, import_deux)
    assert MESSAGE_COMPLET in texte(reponse, lu=True) and not desactive(page(reponse).bouton("Terminer"))
    assert client_relais.post(f"/pieces-jointes/{import_deux.pk}/terminer/").status_code == 302
    import_deux.refresh_from_db()
    assert import_deux.etat == Import.Etat.TERMINE


def test_un_gestionnaire_relance_un_zip_en_echec_depuis_l_admin(client, client_relais, import_deux):
    deposer(client_relais, import_deux, zip_de((NOM_PIECE, PDF)))
    depot = ZipDepose.objects.get()
    ZipDepose.objects.filter(pk=depot.pk).update(statut=ZipDepose.Statut.EN_ECHEC, nb_tentatives=3)
    client.force_login(utilisateur("gestionnaire"))
    liste = client.get("/admin/piecesjointes/zipdepose/")
    assert "Relancer le traitement des fichiers zip en échec" in liste.content.decode()
    reponse = client.post(
        "/admin/piecesjointes/zipdepose/",
        {"action": "relancer", "_selected_action": [depot.pk], "index": "0"},
        follow=True,
    )
    assert "Traitement relancé : pieces.zip." in texte(reponse, lu=True)
    depot.refresh_from_db()
    assert (depot.statut, depot.nb_tentatives) == (ZipDepose.Statut.EN_ATTENTE, 0)


# --- broker down at upload -----------------------------------------------------------------


def brancher_le_broker(url):
    """Points the Celery app's producers at another broker. Nothing is closed: kombu keeps one
    pool per broker URL, which the running test worker and the next tests share."""
    from segur_portal.celery import app

    app.conf.broker_url = url
    app._pool = None
    app.amqp._producer_pool = None


class RedisPrive:
    """A redis-server of the test's own, on its own port: stopped and started at will."""

    def __init__(self, dossier):
        self.port, self.dossier, self.processus = port_libre(), dossier, None

    @property
    def url(self):
        return f"redis://127.0.0.1:{self.port}/0"

    def demarrer(self):
        self.processus = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            cwd=self.dossier,
            stdout=subprocess.DEVNULL,
        )
        fin = time.monotonic() + 10
        while time.monotonic() < fin:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.05)
        raise AssertionError("redis-server ne démarre pas")

    def arreter(self):
        self.processus.terminate()
        self.processus.wait(10)


@pytest.fixture
def broker_prive(tmp_path, settings):
    """The Celery app switched to a redis-server of this test (its pools rebuilt), then restored."""
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server absent de cette machine : test joué en CI (.ci/run)")
    from segur_portal.celery import app

    redis = RedisPrive(tmp_path)
    redis.demarrer()
    ancien = app.conf.broker_url
    brancher_le_broker(redis.url)
    settings.CELERY_BROKER_URL = redis.url
    try:
        yield redis
    finally:
        if redis.processus.poll() is None:
            redis.arreter()
        brancher_le_broker(ancien)


def worker_reel(broker_url, media_root) -> subprocess.Popen:
    """A Celery worker in a process of its own, on the test database (committed data: a
    transactional test) and the given broker, as in production."""
    base = connection.settings_dict
    url_base = "postgres://{}{}@{}:{}/{}".format(
        quote(base["USER"] or ""),
        f":{quote(base['PASSWORD'])}" if base["PASSWORD"] else "",
        base["HOST"] or "127.0.0.1",
        base["PORT"] or 5432,
        base["NAME"],
    )
    environnement = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "segur_portal.settings",
        "DATABASE_URL": url_base,
        "REDIS_URL": broker_url,
        "MEDIA_ROOT": str(media_root),
        "DEBUG": "0",
        "SECRET_KEY": "tests-only-secret-key",
    }
    commande = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "segur_portal",
        "worker",
        "--pool=solo",
        "--without-gossip",
        "--without-mingle",
        "--loglevel=WARNING",
    ]
    return subprocess.Popen(commande, cwd=RACINE, env=environnement, stdout=subprocess.DEVNULL)


@pytest.mark.skipif(not SUR_POSTGRES, reason="worker réel dans un autre processus : PostgreSQL (la CI)")
@pytest.mark.django_db(transaction=True)
def test_broker_arrete_pendant_le_depot_puis_traite_a_son_retour(
    relais_transactionnel, document_ttc, broker_prive, settings
):
    client = relais_transactionnel
    import_demandes = importer(client, fichier_deux_lignes(document_ttc), nom="deux.json")
    broker_prive.arreter()

    debut = time.monotonic()
    reponse = deposer(client, import_demandes, zip_de((NOM_PIECE, PDF), (NOM_PIECE_2, PDF)), en_json=True)
    assert reponse.status_code == 200 and time.monotonic() - debut < 10
    assert reponse.json()["message"] == MESSAGE_RECU_EN_ATTENTE
    depot = ZipDepose.objects.get(import_demandes=import_demandes)
    assert depot.statut == ZipDepose.Statut.EN_ATTENTE
    with depot.fichier.open("rb") as flux:  # the zip itself is kept
        assert flux.read()[:2] == b"PK"
    page_html = client.get(f"/pieces-jointes/{import_demandes.pk}/")
    assert "En attente de traitement" in texte(page_html, lu=True)

    broker_prive.demarrer()
    vieillir(depot, django_settings.SEGUR_ZIP_RELANCE_APRES + 1)
    assert services.relancer_zips_bloques() == {"relances": 1, "non_envoyes": 0}
    worker = worker_reel(broker_prive.url, settings.MEDIA_ROOT)
    try:
        etat = attendre_traitement(client, depot.pk, delai=60)
    finally:
        worker.terminate()
        worker.wait(30)
    assert etat["statut"] == "TRAITE" and etat["nb_acceptees"] == 2
    assert client.post(f"/pieces-jointes/{import_demandes.pk}/terminer/").status_code == 302


def test_broker_injoignable_le_balayeur_reessaie_plus_tard(client_relais, import_deux, settings):
    """Sweeping while the broker is still down sends nothing, loses nothing, and tries again later."""
    from segur_portal.celery import app

    deposer(client_relais, import_deux, zip_de((NOM_PIECE, PDF)))
    depot = ZipDepose.objects.get()
    vieillir(depot, settings.SEGUR_ZIP_RELANCE_APRES + 1)
    ancien = app.conf.broker_url
    brancher_le_broker(f"redis://127.0.0.1:{port_libre()}/0")
    try:
        assert services.relancer_zips_bloques() == {"relances": 0, "non_envoyes": 1}
    finally:
        brancher_le_broker(ancien)
    depot.refresh_from_db()
    assert depot.statut == ZipDepose.Statut.EN_ATTENTE
    assert timezone.now() - depot.date_activite < timedelta(seconds=5)  # next try in a full period


# --- database down, output files -----------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_base_injoignable_page_503(client, demo_transactionnel, monkeypatch):
    client.force_login(utilisateur("relais"))
    client.raise_request_exception = False
    connection.close()
    if SUR_POSTGRES:  # a server that does not answer
        monkeypatch.setitem(connection.settings_dict, "PORT", str(port_libre()))
    else:  # SQLite's in-memory test database cannot be taken away: its own error, raised on connect
        from django.db import OperationalError

        def base_absente():
            raise OperationalError("unable to open database file")

        monkeypatch.setattr(connection, "ensure_connection", base_absente)
    try:
        reponse = client.get("/imports/")
    finally:
        connection.close()
    assert reponse.status_code == 503
    assert reponse["Retry-After"] == "120"
    contenu = reponse.content.decode()
    assert "Le service est momentanément indisponible" in contenu
    assert "Traceback" not in contenu
    assert "Référence de l'incident" in contenu and reponse["X-Request-ID"] in contenu


def test_la_sortie_de_la_simulation_est_remplacee_par_celle_de_l_import(
    client_relais, exemple_ttc, settings, django_capture_on_commit_callbacks
):
    import_demandes = import_de(simuler(client_relais, exemple_ttc))
    sortie_simulation = Path(import_demandes.fichier_sortie.path)
    assert sortie_simulation.exists()
    with django_capture_on_commit_callbacks(execute=True):
        assert client_relais.post(f"/imports/{import_demandes.pk}/importer/").status_code == 302
    import_demandes.refresh_from_db()
    assert not sortie_simulation.exists()
    sorties = list((Path(settings.MEDIA_ROOT) / "sorties").rglob("*.json"))
    assert sorties == [Path(import_demandes.fichier_sortie.path)]
    assert "Demande créée" in contenu_telecharge(client_relais.get(f"/imports/{import_demandes.pk}/sortie/")).decode()
