"""The managers' daily digest of the previous day's deposits (Celery beat, every morning): to the
managers only (permission « instruire », superusers left out), once per day whatever the number of
runs, none when nothing was deposited; the schedule names tasks that exist."""

import datetime
from unittest import mock

from django.conf import settings
from django.contrib.auth import get_user_model

from demandes import notifications, tasks
from demandes.models import Notification
from segur_portal.celery import app
from tests.factories import creer_demande, deposee_le, nouveau_staff

from .outils import destinataires

HIER = datetime.date(2024, 3, 5)


def deposer_le_5_mars():
    """Three deposits on 5 March (two MDV, one HOP), one on the 4th and one on the 6th (not counted)."""
    for n, numero_ans, montant, jour, heure in (
        (1, "mlp525off1", "1000.00", "2024-03-05", 0),  # 00:00 Paris: the first minute of the day
        (2, "mlp525off1", "1500.50", "2024-03-05", 12),
        (3, "bnd52qq600", "1000.00", "2024-03-05", 23),
        (4, "mlp525off1", "999.00", "2024-03-04", 23),
        (5, "mlp525off1", "999.00", "2024-03-06", 0),
    ):
        deposee_le(creer_demande(n, numero_ans=numero_ans, montant=montant), jour, heure)


def test_un_resume_par_gestionnaire_la_veille_une_seule_fois(
    gestionnaire, comptes, mailoutbox, django_capture_on_commit_callbacks
):
    deposer_le_5_mars()
    get_user_model().objects.create_superuser("chef", "chef@asp.gouv.fr", "x")
    agent = nouveau_staff("instructeur", "demandes.instruire_demande")  # the permission, without the group
    agent.email = "instructeur@asp.gouv.fr"
    agent.save()
    sans_droit = nouveau_staff("lecteur", "demandes.view_demande")
    sans_droit.email = "lecteur@asp.gouv.fr"
    sans_droit.save()
    parti = nouveau_staff("parti", "demandes.instruire_demande")
    parti.email, parti.is_active = "parti@asp.gouv.fr", False
    parti.save()

    with (
        mock.patch("django.utils.timezone.localdate", return_value=HIER + datetime.timedelta(days=1)),
        django_capture_on_commit_callbacks(execute=True),
    ):
        tasks.resume_quotidien.delay()
    # Managers only: not the superuser, not a staff account that cannot instruct, not the suppliers.
    assert destinataires(mailoutbox) == ["gestionnaire@asp.gouv.fr", "instructeur@asp.gouv.fr"]
    message = mailoutbox[0]
    assert message.subject == "Ségur numérique : 3 demandes déposées le 05/03/2024"
    assert (
        "3 demandes de financement ont été déposées le 05/03/2024, pour un montant total de 3\u202f500,50\xa0€ HT."
        in message.body
    )
    assert "- HOP — " in message.body and ": 1 demande, 1\u202f000,00\xa0€ HT\n" in message.body
    assert "- MDV — " in message.body and ": 2 demandes, 2\u202f500,50\xa0€ HT\n" in message.body
    assert (
        "Liste des demandes (les plus anciennes en premier) : http://localhost:8000/admin/demandes/demande/"
        in message.body
    )
    assert "Ne répondez pas à ce message" in message.body

    # Beat runs it again the same day (a restart, two beats by mistake): nothing more.
    with (
        mock.patch("django.utils.timezone.localdate", return_value=HIER + datetime.timedelta(days=1)),
        django_capture_on_commit_callbacks(execute=True),
    ):
        tasks.resume_quotidien.delay()
    assert len(mailoutbox) == 2
    assert Notification.objects.filter(cle="resume:2024-03-05").count() == 2


def test_aucun_depot_aucun_resume(gestionnaire, mailoutbox):
    deposee_le(creer_demande(1), "2024-03-04")
    assert notifications.resume_quotidien(HIER) == []
    assert mailoutbox == [] and not Notification.objects.exists()


def test_le_resume_du_lendemain_est_un_autre_courriel(gestionnaire, mailoutbox, django_capture_on_commit_callbacks):
    deposer_le_5_mars()
    with django_capture_on_commit_callbacks(execute=True):
        notifications.resume_quotidien(HIER)
        notifications.resume_quotidien(HIER + datetime.timedelta(days=1))
    assert [m.subject for m in mailoutbox] == [
        "Ségur numérique : 3 demandes déposées le 05/03/2024",
        "Ségur numérique : 1 demande déposée le 06/03/2024",
    ]


def test_le_calendrier_de_beat_nomme_des_taches_existantes():
    app.loader.import_default_modules()  # what a worker does at start: the apps' tasks modules
    planifiees = {entree["task"] for entree in settings.CELERY_BEAT_SCHEDULE.values()}
    assert {"demandes.tasks.relancer_notifications", "demandes.tasks.resume_quotidien"} <= planifiees
    assert planifiees <= set(app.tasks)
    resume = next(e for e in settings.CELERY_BEAT_SCHEDULE.values() if e["task"] == "demandes.tasks.resume_quotidien")
    assert resume["schedule"].hour == {7} and resume["schedule"].minute == {0}
    assert str(app.timezone) == "Europe/Paris"  # 7:00 in Paris
