"""What the notification tests read back: the mails sent, who got them, and the sweep's clock."""

import datetime

from django.utils import timezone

from demandes.models import Notification


def destinataires(mailoutbox) -> list[str]:
    return sorted(adresse for message in mailoutbox for adresse in message.to)


def vieillir(minutes=2):
    """The notifications were created `minutes` ago (the sweep leaves the last minute's ones to their task)."""
    Notification.objects.update(date_creation=timezone.now() - datetime.timedelta(minutes=minutes))
