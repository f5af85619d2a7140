"""The notifications in the admin, for support: superusers read them (what was sent to whom, when,
why a mail did not leave), nobody edits or deletes them, managers do not see them."""

from django.contrib.auth import get_user_model

from demandes.models import Notification
from tests.pages import texte
from tests.parcours import utilisateur


def test_administration_en_lecture_seule_pour_les_superutilisateurs(client, gestionnaire):
    notification = Notification.objects.create(
        destinataire=utilisateur("relais"), cle="rejet:x:1", nature="REJET", sujet="Sujet support", corps="C"
    )
    client.force_login(gestionnaire)
    assert client.get("/admin/demandes/notification/").status_code == 403  # managers: not theirs
    client.force_login(get_user_model().objects.create_superuser("chef", "chef@asp.gouv.fr", "x"))
    assert "Sujet support" in texte(client.get("/admin/demandes/notification/"))
    fiche = client.get(f"/admin/demandes/notification/{notification.pk}/change/")
    assert fiche.status_code == 200 and "Sujet support" in texte(fiche)
    assert 'name="_save"' not in fiche.content.decode() and "<textarea" not in fiche.content.decode()  # nothing to save
    assert client.post(f"/admin/demandes/notification/{notification.pk}/delete/").status_code == 403
    assert Notification.objects.filter(pk=notification.pk).exists()
