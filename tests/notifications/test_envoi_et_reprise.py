"""A mail that cannot leave never breaks the decision: the mail server refusing (retried by the task,
then by the sweep), the broker down when the decision commits (the sweep queues it later), a
notification given up after SEGUR_NOTIFICATIONS_TENTATIVES_MAX attempts; the sweep leaves the last
minute's notifications to their own task; EMAIL_URL's other backends (a file) are used as they are."""

from unittest import mock

from celery.canvas import Signature
from kombu.exceptions import OperationalError as BrokerInjoignable

from demandes import tasks
from demandes.models import Notification
from demandes.valeurs import StatutDemande
from tests.factories import creer_demande
from tests.gestion.outils import agir, messages_de, statuts

from .outils import destinataires, vieillir

LOCMEM = "django.core.mail.backends.locmem.EmailBackend"
EN_PANNE = "tests.notifications.conftest.BackendEnPanne"


def test_serveur_de_courriel_en_panne_la_decision_tient_puis_le_balayage_envoie(
    client_gestionnaire, comptes, mailoutbox, settings, django_capture_on_commit_callbacks
):
    demande = creer_demande(1)
    settings.EMAIL_BACKEND = EN_PANNE
    with django_capture_on_commit_callbacks(execute=True):
        reponse = agir(client_gestionnaire, "rejeter", [demande], motif="Pièce manquante")
    # The manager's decision stands, with its usual message.
    assert reponse.status_code == 302
    assert messages_de(reponse) == [("success", "1 demande(s) rejetée(s).")]
    assert statuts(demande) == [(StatutDemande.REJETEE, "")]
    assert mailoutbox == []
    # Each notification tried once, then retried by its task (eager here: at once) REESSAIS_MAX times.
    assert (
        sorted(Notification.objects.values_list("date_envoi", "nb_tentatives", "derniere_erreur"))
        == [(None, 1 + tasks.REESSAIS_MAX, "SMTPServerDisconnected: Connection unexpectedly closed")] * 2
    )

    settings.EMAIL_BACKEND = LOCMEM  # the server is back
    tasks.relancer_notifications.delay()
    assert mailoutbox == []  # created less than a minute ago: left to its task
    vieillir()
    tasks.relancer_notifications.delay()
    assert destinataires(mailoutbox) == ["compta@relais.example", "contact@relais.example"]
    assert "Motif du rejet :\nPièce manquante\n" in mailoutbox[0].body
    assert all(n.date_envoi and n.derniere_erreur == "" for n in Notification.objects.all())
    tasks.relancer_notifications.delay()
    assert len(mailoutbox) == 2


def test_abandon_apres_le_nombre_maximal_de_tentatives(comptes, gestionnaire, mailoutbox, settings):
    settings.EMAIL_BACKEND = EN_PANNE
    settings.SEGUR_NOTIFICATIONS_TENTATIVES_MAX = 7
    notification = Notification.objects.create(
        destinataire=comptes["relais"], cle="rejet:x:1", nature="REJET", sujet="Sujet", corps="Corps"
    )
    vieillir()
    tasks.relancer_notifications.delay()  # attempts 1 to 5 (the task and its retries)
    tasks.relancer_notifications.delay()  # 6 and 7, then the task stops: the cap is reached
    notification.refresh_from_db()
    assert (notification.date_envoi, notification.nb_tentatives) == (None, 7)
    settings.EMAIL_BACKEND = LOCMEM
    assert tasks.relancer_notifications.delay().get() == {"a_envoyer": 0, "mises_en_file": 0}
    assert mailoutbox == []


def test_broker_injoignable_au_commit_la_decision_tient_puis_le_balayage_envoie(
    client_gestionnaire, comptes, mailoutbox, django_capture_on_commit_callbacks
):
    demande = creer_demande(1, StatutDemande.EN_INSTRUCTION)
    with mock.patch.object(Signature, "delay", side_effect=BrokerInjoignable("Connection refused")):
        with django_capture_on_commit_callbacks(execute=True):
            reponse = agir(client_gestionnaire, "decider", [demande])
    assert reponse.status_code == 302
    assert messages_de(reponse) == [("success", "1 demande(s) décidée(s).")]
    assert statuts(demande) == [(StatutDemande.DECIDEE, "")]
    assert mailoutbox == []
    assert sorted(Notification.objects.values_list("date_envoi", "nb_tentatives")) == [(None, 0)] * 2

    vieillir()
    tasks.relancer_notifications.delay()  # the broker is back
    assert destinataires(mailoutbox) == ["compta@relais.example", "contact@relais.example"]
    assert mailoutbox[0].subject == "Ségur numérique : décision favorable pour la demande FINMDV000001M0"


def test_balayage_pendant_que_le_broker_est_encore_injoignable(comptes, mailoutbox):
    Notification.objects.create(destinataire=comptes["relais"], cle="rejet:x:1", nature="REJET", sujet="S", corps="C")
    vieillir()
    with mock.patch.object(Signature, "delay", side_effect=BrokerInjoignable("Connection refused")):
        assert tasks.relancer_notifications() == {"a_envoyer": 1, "mises_en_file": 0}
    assert mailoutbox == []
    assert tasks.relancer_notifications() == {"a_envoyer": 1, "mises_en_file": 1}
    assert [m.subject for m in mailoutbox] == ["S"]


def test_destinataire_desactive_depuis_rien_n_est_envoye(comptes, mailoutbox):
    notification = Notification.objects.create(
        destinataire=comptes["relais-compta"], cle="rejet:x:1", nature="REJET", sujet="S", corps="C"
    )
    comptes["relais-compta"].is_active = False
    comptes["relais-compta"].save()
    vieillir()
    tasks.relancer_notifications.delay()
    notification.refresh_from_db()
    assert mailoutbox == [] and notification.date_envoi is None
    assert notification.derniere_erreur == "Destinataire désactivé ou sans adresse électronique."
    assert tasks.relancer_notifications() == {"a_envoyer": 0, "mises_en_file": 0}  # not tried again


def test_backend_fichier_le_courriel_est_ecrit_dans_le_dossier(
    client_gestionnaire, comptes, settings, tmp_path, django_capture_on_commit_callbacks
):
    """EMAIL_URL=filemail://… gives Django's file backend: the notifications go through it."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = str(tmp_path / "courriels")
    demande = creer_demande(1)
    with django_capture_on_commit_callbacks(execute=True):
        agir(client_gestionnaire, "rejeter", [demande], motif="Hors périmètre")
    contenu = "".join(f.read_text() for f in (tmp_path / "courriels").iterdir())
    assert contenu.count("To: ") == 2
    assert "contact@relais.example" in contenu and "compta@relais.example" in contenu


def test_un_serveur_muet_ne_bloque_pas_le_worker(settings):
    """EMAIL_TIMEOUT is set (Django's SMTP backend waits forever without it) and reaches the backend."""
    from django.core.mail import get_connection

    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    assert settings.EMAIL_TIMEOUT == 30
    assert get_connection().timeout == 30
