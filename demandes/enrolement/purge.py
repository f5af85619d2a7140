"""Forgetting the requests for access nobody confirmed (Celery beat, daily: demandes.tasks): a
request still « Adresse électronique à confirmer » past SEGUR_RETENTION_DEMANDES_NON_CONFIRMEES_JOURS
is deleted with its history rows (they hold the same contact and IBAN) and its RIB file. Nobody
ever proved the address was theirs: these personal data have no reason to be kept. A request in any
other status (confirmed, under instruction, decided) is the ASP's record and is never touched."""

from datetime import datetime, timedelta

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from segur_portal.journal import journal

from ..models import DemandeEnrolement
from . import liens

Statut = DemandeEnrolement.Statut


def retention() -> timedelta:
    """How long an unconfirmed request is kept. Never less than the confirmation link's validity
    (plus a day) whatever the setting says: a request must not vanish while the link its contact
    has just received still works."""
    jours = timedelta(days=settings.SEGUR_RETENTION_DEMANDES_NON_CONFIRMEES_JOURS)
    return max(jours, timedelta(seconds=liens.VALIDITE_CONFIRMATION) + timedelta(days=1))


def purger_demandes_non_confirmees(maintenant: datetime | None = None) -> dict[str, int]:
    """Deletes the requests still « Adresse électronique à confirmer » created before
    `maintenant` - retention(), their history rows, then (once committed) their RIB files.
    Idempotent: a purged request is gone, a second run finds nothing. The rows are locked and their
    status checked again in the deleting transaction: a contact confirming at that very moment
    either confirms first (the request is kept) or finds his link « plus valable »."""
    limite = (maintenant or timezone.now()) - retention()
    with transaction.atomic():
        demandes = list(
            DemandeEnrolement.objects.select_for_update()
            .filter(statut=Statut.ADRESSE_A_CONFIRMER, date_creation__lt=limite)
            .order_by("pk")
            .values_list("pk", "rib")
        )
        ids = [pk for pk, _ in demandes]
        # Every RIB the request ever named (the history's included), each deleted once.
        anciens = DemandeEnrolement.history.filter(id__in=ids).values_list("rib", flat=True)
        fichiers = {nom for _, nom in demandes if nom} | {nom for nom in anciens if nom}
        DemandeEnrolement.objects.filter(pk__in=ids).delete()
        # After the rows: simple_history records each deletion as one more history row (with the
        # same personal data), which goes too.
        historiques, _ = DemandeEnrolement.history.filter(id__in=ids).delete()
        # The files go only once the rows are really gone: a rolled back purge keeps its RIBs.
        for nom in sorted(fichiers):
            transaction.on_commit(lambda nom=nom: _supprimer_fichier(nom))
    resultat = {"demandes_purgees": len(ids), "historiques_purges": historiques, "fichiers_rib": len(fichiers)}
    journal.info("purge_demandes_non_confirmees", **resultat)
    return resultat


def _supprimer_fichier(nom: str) -> None:
    """One RIB off the storage. A file already gone is fine (the storage's delete() ignores it); any
    other failure of the storage is logged and the other files are still deleted: the row is already
    gone, the operator removes the file the log names (a storage path, no personal data)."""
    try:
        default_storage.delete(nom)
    except FileNotFoundError:
        pass
    except Exception as erreur:  # any storage: a local disk, an object storage's client
        journal.warning("purge_demandes_non_confirmees_fichier", fichier=nom, echec=type(erreur).__name__)
