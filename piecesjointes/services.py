"""Writes of the attachments step: store an uploaded zip, process it (Celery), « Terminer »."""

import hashlib
import logging
import zipfile

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_update_with_history

from demandes.models import Demande, PieceAttendue, StatutDemande
from imports.models import Import
from imports.services import nom_affichable
from segur_portal.journal import evenement

from . import controles
from .models import EntreeZip, PieceRecue, ZipDepose

journal = logging.getLogger(__name__)
PROGRESSION_TOUS_LES = 20  # entries between two progress updates
# What zipfile raises on a damaged or exotic archive (NotImplementedError: a "version needed to
# extract" it does not know). Entry-level errors are answered per entry by controles.examiner.
ARCHIVE_ILLISIBLE = (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, ValueError, NotImplementedError)


class DepotImpossible(Exception):
    """The supplier's action is refused; the message is for the supplier."""


def deposer_zip(*, utilisateur, import_json, fichier) -> ZipDepose:
    """Stores the uploaded zip through the storage API and queues its processing."""
    if import_json.etat != Import.Etat.IMPORTE:
        raise DepotImpossible("Les pièces jointes ne peuvent plus être déposées pour cet import.")
    depot = ZipDepose(
        import_json=import_json,
        fournisseur=utilisateur.fournisseur,
        nom_fichier=nom_affichable(fichier.name),
        taille=fichier.size,
    )
    depot.fichier.save("archive.zip", fichier, save=False)
    depot.save()
    from .tasks import traiter_zip

    transaction.on_commit(lambda: traiter_zip.delay(depot.pk))
    return depot


def pieces_attendues_de_l_import(import_json):
    return PieceAttendue.objects.filter(
        demande__import_json=import_json,
        demande__fournisseur_id=import_json.fournisseur_id,
        demande__statut=StatutDemande.EN_ATTENTE_PIECES,
    )


def _cle_piece(depot: ZipDepose, verdict) -> str:
    extension = verdict.nom[verdict.nom.rfind(".") :].lower()
    return f"pieces/{depot.fournisseur_id}/{depot.import_json_id}/{depot.cle}/{verdict.rang:05d}{extension}"


def _stocker(cle: str, contenu: bytes) -> str:
    # Same key on a retry: replace what a killed attempt may have left.
    if default_storage.exists(cle):
        default_storage.delete(cle)
    return default_storage.save(cle, ContentFile(contenu))


def traiter_zip(zip_id: int) -> ZipDepose:
    """Checks every entry of the zip and records the outcome. Safe to run again: the rows of a
    previous attempt are replaced in the final transaction and files are stored under the same
    keys, so a retry after a killed worker gives the same result."""
    with evenement("zip_traite", zip_id=zip_id) as journal:
        depot = _examiner_zip(zip_id)
        journal.update(
            import_id=depot.import_json_id,
            fournisseur_id=depot.import_json.fournisseur_id,
            statut=depot.statut,
            octets=depot.taille,
            entrees=depot.nb_entrees,
            acceptees=depot.nb_acceptees,
            refusees=depot.nb_refusees,
        )
    return depot


def _examiner_zip(zip_id: int) -> ZipDepose:
    depot = ZipDepose.objects.select_related("import_json").get(pk=zip_id)
    ZipDepose.objects.filter(pk=zip_id).update(statut=ZipDepose.Statut.EN_COURS, nb_traitees=0)
    attendues = dict(pieces_attendues_de_l_import(depot.import_json).values_list("nom_fichier", "id"))
    entrees, receptions, motif_archive, nb_entrees = [], [], "", 0
    with depot.fichier.open("rb") as flux:
        try:
            archive = zipfile.ZipFile(flux)
            nb_entrees = sum(1 for info in archive.infolist() if not controles.est_un_dossier(info))
        except ARCHIVE_ILLISIBLE as erreur:
            # Only the archive's structure is judged here: a storage failure further down must make
            # the task fail (and be retried), not refuse the supplier's zip.
            journal.info("zip %s refusé : %s", zip_id, erreur)
            archive = None
            motif_archive = (
                "Le fichier n'est pas une archive zip lisible (fichier tronqué, endommagé ou d'un autre format)."
            )
        if archive is not None:
            if nb_entrees == 0:
                motif_archive = "L'archive est vide : elle ne contient aucun fichier."
            elif nb_entrees > settings.SEGUR_MAX_ENTREES_ZIP:
                motif_archive = f"L'archive contient {nb_entrees} fichiers : {settings.SEGUR_MAX_ENTREES_ZIP} au plus."
            else:
                ZipDepose.objects.filter(pk=zip_id).update(nb_entrees=nb_entrees)
                for verdict in controles.examiner(archive, attendues, plafond=settings.SEGUR_MAX_PIECE_BYTES):
                    entrees.append(
                        EntreeZip(
                            zip_depose=depot,
                            rang=verdict.rang,
                            nom=verdict.nom,
                            acceptee=verdict.acceptee,
                            motif=verdict.motif,
                            taille_lue=verdict.taille_lue,
                        )
                    )
                    if verdict.acceptee:
                        cle = _cle_piece(depot, verdict)
                        receptions.append(
                            PieceRecue(
                                piece_attendue_id=verdict.piece_attendue_id,
                                zip_depose=depot,
                                cle_stockage=cle,
                                fichier=_stocker(cle, verdict.contenu),
                                taille=len(verdict.contenu),
                                type_mime=verdict.type_mime,
                                sha256=hashlib.sha256(verdict.contenu).hexdigest(),
                            )
                        )
                    if verdict.rang % PROGRESSION_TOUS_LES == 0:
                        ZipDepose.objects.filter(pk=zip_id).update(nb_traitees=verdict.rang)
            archive.close()

    with transaction.atomic():
        EntreeZip.objects.filter(zip_depose=depot).delete()
        PieceRecue.objects.filter(zip_depose=depot).delete()
        EntreeZip.objects.bulk_create(entrees, batch_size=1000)
        PieceRecue.objects.bulk_create(receptions, batch_size=1000)
        ZipDepose.objects.filter(pk=zip_id).update(
            statut=ZipDepose.Statut.REFUSE if motif_archive else ZipDepose.Statut.TRAITE,
            message=motif_archive,
            nb_entrees=nb_entrees,
            nb_traitees=len(entrees),
            nb_acceptees=len(receptions),
            nb_refusees=len(entrees) - len(receptions),
            date_traitement=timezone.now(),
        )
    depot.refresh_from_db()
    return depot


def pieces_manquantes(import_json):
    """Expected pieces of the import's retained demandes that no zip has brought yet."""
    return (
        pieces_attendues_de_l_import(import_json)
        .filter(receptions__isnull=True)
        .select_related("demande")
        .order_by("demande__numero_ligne", "id")
    )


def terminer(*, utilisateur, import_json) -> int:
    """« Terminer »: hands the import's demandes to the ASP managers once nothing is missing."""
    with evenement(
        "terminer", utilisateur_id=utilisateur.pk, fournisseur_id=utilisateur.fournisseur_id, import_id=import_json.pk
    ) as journal:
        journal["demandes_deposees"] = _terminer(utilisateur, import_json)
    return journal["demandes_deposees"]


def _terminer(utilisateur, import_json) -> int:
    with transaction.atomic():
        verrou = Import.objects.select_for_update().get(pk=import_json.pk, fournisseur=utilisateur.fournisseur)
        if verrou.etat != Import.Etat.IMPORTE:
            raise DepotImpossible("Cet import est déjà terminé.")
        if verrou.zips.exclude(statut__in=[ZipDepose.Statut.TRAITE, ZipDepose.Statut.REFUSE]).exists():
            raise DepotImpossible(
                "Un fichier zip est encore en cours de traitement : attendez la fin de son traitement."
            )
        if pieces_manquantes(verrou).exists():
            raise DepotImpossible("Des pièces jointes manquent encore : déposez-les dans un nouveau fichier zip.")
        demandes = list(
            Demande.objects.filter(
                import_json=verrou, fournisseur=utilisateur.fournisseur, statut=StatutDemande.EN_ATTENTE_PIECES
            )
        )
        maintenant = timezone.now()
        for demande in demandes:
            demande.statut = StatutDemande.DEPOSEE
            demande.date_modification = maintenant
        # In batches, each change still recorded in the history (who and when).
        bulk_update_with_history(
            demandes,
            Demande,
            ["statut", "date_modification"],
            batch_size=1000,
            default_user=utilisateur,
            default_date=maintenant,
        )
        verrou.etat = Import.Etat.TERMINE
        verrou.save(update_fields=["etat"])
    return len(demandes)
