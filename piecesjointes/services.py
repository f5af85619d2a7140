"""Writes of the attachments step: store an uploaded zip, process it (Celery), « Terminer »."""

import hashlib
import logging
import zipfile
from datetime import timedelta

import structlog
from celery import current_app
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import F, Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from kombu.exceptions import KombuError
from simple_history.utils import bulk_update_with_history

from demandes import services as services_demandes
from demandes.models import Demande, Fournisseur, Utilisateur
from demandes.valeurs import StatutDemande
from imports.models import Import
from segur_portal import formats
from segur_portal.fichiers import nom_affichable
from segur_portal.journal import evenement

from . import controles
from .models import EntreeZip, PieceComplementaire, PieceRecue, ZipDepose
from .selectors import pieces_annoncees_par_l_import, pieces_manquantes

journal = logging.getLogger(__name__)
evenements = structlog.get_logger("segur_portal.evenements")
PROGRESSION_TOUS_LES = 20  # entries between two progress updates
# What zipfile raises on a damaged or exotic archive (NotImplementedError: a "version needed to
# extract" it does not know). Entry-level errors are answered per entry by controles.examiner.
ARCHIVE_ILLISIBLE = (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, ValueError, NotImplementedError)


# Defaults of the settings read with getattr (the team adds them to segur_portal/settings.py).
TACHE_TRAITER_ZIP = "piecesjointes.tasks.traiter_zip"
STATUTS_PURGEABLES = (ZipDepose.Statut.REFUSE, ZipDepose.Statut.EN_ECHEC)
MESSAGE_QUOTA = "Votre espace de stockage est plein ({utilise} utilisés sur {quota}) : contactez l'ASP."
MESSAGE_ZIP_PURGE = (
    "Le fichier « {nom} » a été supprimé après {jours} jours de conservation : déposez-le de nouveau pour le faire "
    "traiter."
)


class DepotImpossible(Exception):
    """The supplier's action is refused; the message is for the supplier."""


# What the supplier reads after an action of the step, on the screen and in the API's answers.
MESSAGE_PAS_ENCORE_IMPORTE = (
    "Les pièces jointes se déposent après l'import réel : importez d'abord ce fichier (« Importer »)."
)
MESSAGE_PLUS_DE_DEPOT = "Les pièces jointes ne peuvent plus être déposées pour cet import."
MESSAGE_DEJA_TERMINE = "Cet import est déjà terminé."


def message_zip_trop_volumineux() -> str:
    return (
        f"Le fichier zip dépasse la taille maximale autorisée ({formats.taille_lisible(settings.SEGUR_MAX_ZIP_BYTES)})."
    )


def message_du_depot(depot: ZipDepose) -> str:
    """The answer to an upload: being processed, or waiting for the broker (envoye_au_traitement)."""
    if depot.envoye_au_traitement is not False:
        return f"Le fichier « {depot.nom_fichier} » est en cours de traitement."
    return (
        f"Le fichier « {depot.nom_fichier} » a bien été reçu : son traitement est en attente et démarrera "
        "automatiquement, sans nouvel envoi de votre part."
    )


def message_termine(nombre: int) -> str:
    return f"Import terminé : {nombre} demande(s) déposée(s), transmise(s) aux gestionnaires de l'ASP."


def quota_stockage() -> int:
    return settings.SEGUR_QUOTA_STOCKAGE_OCTETS


def retention_zips_refuses() -> int:
    """Days a refused or failed zip is kept on the storage (purger_zips_refuses)."""
    return settings.SEGUR_RETENTION_ZIPS_REFUSES_JOURS


def espace_utilise(fournisseur_id: int) -> int:
    """Bytes the supplier occupies on the storage: its zips still stored, and the pieces taken from them."""
    zips = ZipDepose.objects.filter(fournisseur_id=fournisseur_id).exclude(fichier="").aggregate(t=Sum("taille"))
    pieces = PieceRecue.objects.filter(zip_depose__fournisseur_id=fournisseur_id).aggregate(t=Sum("taille"))
    return (zips["t"] or 0) + (pieces["t"] or 0)


def deposer_zip(*, utilisateur: Utilisateur, import_demandes: Import, fichier: UploadedFile) -> ZipDepose:
    """Stores the uploaded zip through the storage API and queues its processing, unless the
    supplier's storage quota (SEGUR_QUOTA_STOCKAGE_OCTETS) would be exceeded: then nothing is stored."""
    if not import_demandes.importe:
        raise DepotImpossible(MESSAGE_PAS_ENCORE_IMPORTE)
    if import_demandes.etat != Import.Etat.IMPORTE:
        raise DepotImpossible(MESSAGE_PLUS_DE_DEPOT)
    # The zip belongs to the import's supplier (the view only offers a supplier its own imports).
    fournisseur_id, taille = import_demandes.fournisseur_id, fichier.size or 0
    with transaction.atomic():
        # Two uploads of the same supplier at once are checked against the quota one after the
        # other (the supplier's row is locked until the new zip is recorded).
        Fournisseur.objects.select_for_update().filter(pk=fournisseur_id).first()
        utilise, quota = espace_utilise(fournisseur_id), quota_stockage()
        if utilise + taille > quota:
            evenements.warning(
                "zip_refuse_quota", fournisseur_id=fournisseur_id, utilise=utilise, octets=taille, quota=quota
            )
            raise DepotImpossible(
                MESSAGE_QUOTA.format(utilise=formats.taille_humaine(utilise), quota=formats.taille_humaine(quota))
            )
        depot = ZipDepose(
            import_demandes=import_demandes,
            fournisseur_id=fournisseur_id,
            nom_fichier=nom_affichable(fichier.name or ""),
            taille=taille,
        )
        depot.fichier.save("archive.zip", fichier, save=False)
        depot.date_activite = timezone.now()
        depot.save()
    # The row is the outbox: whether or not the broker takes the task now, the zip is recorded
    # « En attente » and the sweeper sends it again while it stays so. None: not sent yet (the
    # caller's transaction is still open), True / False once sent or refused by the broker.
    depot.envoye_au_traitement = None

    def envoyer() -> None:
        depot.envoye_au_traitement = envoyer_au_traitement(depot.pk)

    transaction.on_commit(envoyer)
    return depot


def envoyer_au_traitement(zip_id: int) -> bool:
    """Sends the processing task to the broker. A broker down is not the supplier's problem: the
    zip stays « En attente » and relancer_zips_bloques sends it again once the broker is back."""
    try:
        # By name: the task module calls these services, these services do not import it back.
        current_app.signature(TACHE_TRAITER_ZIP, args=(zip_id,)).delay()
    except (KombuError, OSError) as erreur:
        evenements.warning("zip_non_envoye", zip_id=zip_id, erreur=type(erreur).__name__)
        return False
    return True


# The key's extension comes from the checked content, not from the entry's name (a name in a deep
# folder is shown cut at 300 characters, which could leave no extension, or a "/").
EXTENSION_PAR_TYPE = {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}


def _cle_piece(depot: ZipDepose, verdict: controles.Verdict) -> str:
    extension = EXTENSION_PAR_TYPE[verdict.type_mime]
    return f"pieces/{depot.fournisseur_id}/{depot.import_demandes_id}/{depot.cle}/{verdict.rang:05d}{extension}"


def _stocker(cle: str, contenu: bytes, sha256: str) -> str:
    """Stores a piece under its deterministic key and returns the name it got. Another run of the
    same zip wrote the same bytes there: kept as is. Nothing is ever deleted (a concurrent run may be
    reading or writing it): a partial file left by a killed attempt, or a file a concurrent run is
    still writing, makes the storage choose a free name beside the key."""
    try:
        with default_storage.open(cle, "rb") as existant:
            if hashlib.sha256(existant.read()).hexdigest() == sha256:
                return cle
    except OSError:  # not there (yet)
        pass
    return default_storage.save(cle, ContentFile(contenu))


def traiter_zip(zip_id: int) -> ZipDepose:
    """Checks every entry of the zip and records the outcome. Idempotent: run again at any moment
    (a redelivery, the sweeper, a « Relancer », concurrently, after « Terminer ») it finds the same
    announced names, stores the same bytes under the same keys and upserts the same pieces, so the
    result is the same and a piece once received is never taken away."""
    with evenement("zip_traite", zip_id=zip_id) as details:
        depot = _examiner_zip(zip_id)
        details.update(
            import_id=depot.import_demandes_id,
            fournisseur_id=depot.import_demandes.fournisseur_id,
            statut=depot.statut,
            octets=depot.taille,
            entrees=depot.nb_entrees,
            acceptees=depot.nb_acceptees,
            refusees=depot.nb_refusees,
        )
    return depot


def _examiner_zip(zip_id: int) -> ZipDepose:
    depot = ZipDepose.objects.select_related("import_demandes").get(pk=zip_id)
    if not depot.fichier:
        # Purged after the retention period (purger_zips_refuses: refused or failed zips only, and
        # a purged zip is never relaunched): a redelivered task keeps the result recorded.
        evenements.info("zip_purge_non_retraite", zip_id=zip_id)
        return depot
    # An attempt on a zip not yet processed (a finished one only gets its result written again).
    ZipDepose.objects.filter(pk=zip_id, statut__in=[*ZipDepose.STATUTS_A_TRAITER, ZipDepose.Statut.EN_ECHEC]).update(
        statut=ZipDepose.Statut.EN_COURS,
        nb_traitees=0,
        nb_tentatives=F("nb_tentatives") + 1,
        date_activite=timezone.now(),
    )
    attendues = dict(pieces_annoncees_par_l_import(depot.import_demandes).values_list("nom_fichier", "id"))
    entrees, receptions, motif_archive, nb_entrees = [], [], "", 0
    with depot.fichier.open("rb") as flux:
        try:
            # The central directory is judged on a stream before zipfile parses it (memory).
            controles.verifier_repertoire(flux, max_entrees=settings.SEGUR_MAX_ENTREES_ZIP)
            archive = zipfile.ZipFile(flux)
            nb_entrees = sum(1 for info in archive.infolist() if not controles.est_un_dossier(info))
        except controles.ArchiveRefusee as refus:
            journal.info("zip %s refusé : %s", zip_id, refus.motif)
            archive, motif_archive, nb_entrees = None, refus.motif, refus.nombre
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
            elif nb_entrees > settings.SEGUR_MAX_ENTREES_ZIP:  # already refused by verifier_repertoire
                motif_archive = controles.MESSAGE_TROP_D_ENTREES.format(
                    nombre=nb_entrees, maximum=settings.SEGUR_MAX_ENTREES_ZIP
                )
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
                        empreinte = hashlib.sha256(verdict.contenu).hexdigest()
                        cle = _stocker(_cle_piece(depot, verdict), verdict.contenu, empreinte)
                        receptions.append(
                            PieceRecue(
                                piece_attendue_id=verdict.piece_attendue_id,
                                zip_depose=depot,
                                cle_stockage=cle,
                                fichier=cle,
                                taille=len(verdict.contenu),
                                type_mime=verdict.type_mime,
                                sha256=empreinte,
                            )
                        )
                    if verdict.rang % PROGRESSION_TOUS_LES == 0:
                        ZipDepose.objects.filter(pk=zip_id).update(
                            nb_traitees=verdict.rang, date_activite=timezone.now()
                        )
            archive.close()

    with transaction.atomic():
        # Two runs of the same zip write one after the other.
        ZipDepose.objects.select_for_update().filter(pk=zip_id).first()
        # The entries' verdicts are this run's; the pieces are upserted, never deleted.
        EntreeZip.objects.filter(zip_depose=depot).delete()
        EntreeZip.objects.bulk_create(entrees, batch_size=1000)
        PieceRecue.objects.bulk_create(
            receptions,
            batch_size=1000,
            update_conflicts=True,
            unique_fields=["piece_attendue", "zip_depose"],
            update_fields=["cle_stockage", "fichier", "taille", "type_mime", "sha256"],
        )
        ZipDepose.objects.filter(pk=zip_id).update(
            statut=ZipDepose.Statut.REFUSE if motif_archive else ZipDepose.Statut.TRAITE,
            message=motif_archive,
            nb_entrees=nb_entrees,
            nb_traitees=len(entrees),
            nb_acceptees=len(receptions),
            nb_refusees=len(entrees) - len(receptions),
            date_traitement=timezone.now(),
            date_activite=timezone.now(),
        )
    depot.refresh_from_db()
    return depot


MESSAGE_ECHEC = (
    "Le traitement de ce fichier a échoué {n} fois. Cliquez sur « Relancer » pour le relancer ; si l'échec se "
    "répète, déposez-le de nouveau ou contactez l'assistance de l'ASP."
)


def relancer_zips_bloques() -> dict[str, int]:
    """The sweeper (Celery beat, every SEGUR_REPRISE_PERIODE seconds): every zip waiting or in
    progress whose last sign of life is older than SEGUR_ZIP_RELANCE_APRES — a message lost with
    a killed worker or a restarted broker, a broker down at upload — is sent again; one that already
    had SEGUR_ZIP_TENTATIVES_MAX attempts is marked « En échec » (the supplier can « Relancer »)."""
    maintenant = timezone.now()
    limite = maintenant - timedelta(seconds=settings.SEGUR_ZIP_RELANCE_APRES)
    bloques = ZipDepose.objects.filter(statut__in=ZipDepose.STATUTS_A_TRAITER).filter(
        Q(date_activite__lt=limite) | Q(date_activite__isnull=True, date_depot__lt=limite)
    )
    for nb_tentatives in (
        bloques.filter(nb_tentatives__gte=settings.SEGUR_ZIP_TENTATIVES_MAX)
        .values_list("nb_tentatives", flat=True)
        .distinct()
    ):
        bloques.filter(nb_tentatives=nb_tentatives).update(
            statut=ZipDepose.Statut.EN_ECHEC, message=MESSAGE_ECHEC.format(n=nb_tentatives), date_traitement=maintenant
        )
    relances = non_envoyes = 0
    for zip_id in bloques.filter(nb_tentatives__lt=settings.SEGUR_ZIP_TENTATIVES_MAX).values_list("pk", flat=True):
        # Claimed by a conditional UPDATE: two sweeps at once send a zip once.
        if bloques.filter(pk=zip_id).update(date_activite=maintenant):
            if envoyer_au_traitement(zip_id):
                relances += 1
            else:
                non_envoyes += 1
    resultat = {"relances": relances, "non_envoyes": non_envoyes}
    if relances or non_envoyes:
        evenements.info("reprise_zips", **resultat)
    return resultat


def relancer_zip(depot: ZipDepose, *, utilisateur: Utilisateur) -> None:
    """« Relancer » a zip « En échec » (its supplier, or a manager): a fresh series of attempts.
    Not once its file is purged (the conditional UPDATE excludes it, as the purge's excludes a zip
    relaunched meanwhile)."""
    with transaction.atomic():
        relance = (
            ZipDepose.objects.filter(pk=depot.pk, statut=ZipDepose.Statut.EN_ECHEC)
            .exclude(fichier="")
            .update(statut=ZipDepose.Statut.EN_ATTENTE, message="", nb_tentatives=0, date_activite=timezone.now())
        )
        if not relance:
            if ZipDepose.objects.filter(pk=depot.pk, statut=ZipDepose.Statut.EN_ECHEC, fichier="").exists():
                raise DepotImpossible(MESSAGE_ZIP_PURGE.format(nom=depot.nom_fichier, jours=retention_zips_refuses()))
            raise DepotImpossible("Seul un fichier zip en échec peut être relancé.")
        evenements.info("zip_relance", zip_id=depot.pk, utilisateur_id=utilisateur.pk)
        transaction.on_commit(lambda: envoyer_au_traitement(depot.pk))


def purger_zips_refuses() -> dict[str, int]:
    """Periodic (Celery beat, daily): deletes from the storage the file of every zip refused or
    « En échec » for more than SEGUR_RETENTION_ZIPS_REFUSES_JOURS days (since its processing, or
    its upload). The row stays, with its status, its reason and its entries' verdicts; its empty
    `fichier` says the file was purged: the page shows it, the download answers a French page,
    « Relancer » is refused, a redelivered task keeps the result. It no longer counts in the
    supplier's quota. Idempotent: a purged zip is not selected again; a file already missing is
    fine. Each zip is claimed by a conditional UPDATE (still refused or failed, same file) in the
    transaction that deletes its file: a « Relancer » at the same moment waits and is refused, and
    a storage failure rolls the claim back (retried at the next run)."""
    limite = timezone.now() - timedelta(days=retention_zips_refuses())
    candidats = (
        ZipDepose.objects.filter(statut__in=STATUTS_PURGEABLES)
        .exclude(fichier="")
        .annotate(depuis=Coalesce("date_traitement", "date_depot"))
        .filter(depuis__lt=limite)
        .order_by("pk")
    )
    purges = octets = 0
    for zip_id, nom, taille in list(candidats.values_list("pk", "fichier", "taille")):
        with transaction.atomic():
            reclame = ZipDepose.objects.filter(pk=zip_id, statut__in=STATUTS_PURGEABLES, fichier=nom).update(fichier="")
            if not reclame:
                continue
            default_storage.delete(nom)
        purges += 1
        octets += taille
    resultat = {"zips_purges": purges, "octets_liberes": octets}
    if purges:
        evenements.info("purge_zips", **resultat)
    return resultat


def terminer(*, utilisateur: Utilisateur, import_demandes: Import) -> int:
    """« Terminer »: hands the import's demandes to the ASP managers once nothing is missing."""
    with evenement(
        "terminer",
        utilisateur_id=utilisateur.pk,
        fournisseur_id=utilisateur.fournisseur_id,
        import_id=import_demandes.pk,
    ) as details:
        details["demandes_deposees"] = _terminer(utilisateur, import_demandes)
    return details["demandes_deposees"]


def _terminer(utilisateur: Utilisateur, import_demandes: Import) -> int:
    with transaction.atomic():
        verrou = Import.objects.select_for_update().get(pk=import_demandes.pk, fournisseur=utilisateur.fournisseur)
        if not verrou.importe:
            raise DepotImpossible(MESSAGE_PAS_ENCORE_IMPORTE)
        if verrou.etat != Import.Etat.IMPORTE:
            raise DepotImpossible(MESSAGE_DEJA_TERMINE)
        # Only a missing piece blocks: a failed or superseded zip does not, once nothing is missing.
        if pieces_manquantes(verrou).exists():
            if verrou.zips.filter(statut__in=ZipDepose.STATUTS_A_TRAITER).exists():
                raise DepotImpossible(
                    "Un fichier zip est encore en cours de traitement : attendez la fin de son traitement."
                )
            raise DepotImpossible("Des pièces jointes manquent encore : déposez-les dans un nouveau fichier zip.")
        demandes = list(
            Demande.objects.filter(
                import_demandes=verrou, fournisseur=utilisateur.fournisseur, statut=StatutDemande.EN_ATTENTE_PIECES
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


# --- Compléments asked for by a manager, sent from the demande page -----------------------------


class ComplementsRefuses(Exception):
    """Nothing was kept: `refus` lists (file name, reason) of each refused file, or the reason
    concerns the whole sending (`message`)."""

    def __init__(self, message: str, refus: list[tuple[str, str]] | None = None):
        super().__init__(message)
        self.message, self.refus = message, refus or []


def max_fichiers_complements() -> int:
    return settings.SEGUR_MAX_FICHIERS_COMPLEMENTS


def verifier_complements(fichiers: list[UploadedFile]) -> list[controles.Verdict]:
    """Each file judged like an entry of a zip (controles: name, format, size, type read on the
    content), plus a name given twice. Nothing is written. At most SEGUR_MAX_PIECE_BYTES + 1 bytes
    of each file are read."""
    plafond = settings.SEGUR_MAX_PIECE_BYTES
    noms = [fichier.name or "" for fichier in fichiers]
    verdicts = []
    for rang, (fichier, nom) in enumerate(zip(fichiers, noms, strict=True), start=1):
        affiche = controles.nom_d_entree_affichable(nom)
        motif, base = controles.motif_du_nom(nom)
        if motif is None and noms.count(nom) > 1:
            motif = "nom présent plusieurs fois dans l'envoi"
        if motif is None and base is not None:
            motif = controles.motif_du_format(
                base, motif_archive="archive refusée : déposez les fichiers eux-mêmes, sans les compresser"
            )
        contenu, type_mime = b"", ""
        if motif is None and base is not None:
            fichier.seek(0)
            contenu = fichier.read(plafond + 1)
            motif, type_mime = controles.motif_du_contenu(contenu, base, plafond=plafond)
        verdicts.append(
            controles.Verdict(
                rang=rang,
                nom=affiche,
                acceptee=motif is None,
                motif=motif or "",
                contenu=contenu if motif is None else b"",
                type_mime=type_mime,
                taille_lue=len(contenu),
            )
        )
    return verdicts


def deposer_complements(*, utilisateur: Utilisateur, demande: Demande, fichiers: list[UploadedFile]) -> int:
    """The supplier sends the pieces a manager asked for (« Déposer les compléments »). Every file is
    checked first; if one is refused, nothing is kept and each refusal is told (ComplementsRefuses):
    the supplier sends them again, corrected, all together. Otherwise the files are stored, the
    request is answered and the dossier goes back « En instruction » (demandes.services.
    recevoir_complements), in one transaction. Returns the number of pieces kept."""
    with evenement(
        "complements_deposes",
        utilisateur_id=utilisateur.pk,
        fournisseur_id=utilisateur.fournisseur_id,
        demande_id=demande.pk,
        fichiers=len(fichiers),
    ) as details:
        details["pieces"] = _deposer_complements(utilisateur, demande, fichiers)
    return details["pieces"]


def _deposer_complements(utilisateur: Utilisateur, demande: Demande, fichiers: list[UploadedFile]) -> int:
    if utilisateur.fournisseur_id != demande.fournisseur_id:  # only the demande's own supplier
        raise ComplementsRefuses("Cette demande est introuvable.")
    if not fichiers:
        raise ComplementsRefuses("Choisissez au moins un fichier à déposer.")
    maximum = max_fichiers_complements()
    if len(fichiers) > maximum:
        raise ComplementsRefuses(
            f"Vous avez choisi {len(fichiers)} fichiers : {maximum} au plus par envoi. Regroupez les pages d'une même "
            "pièce dans un seul PDF."
        )
    verdicts = verifier_complements(fichiers)
    refus = [(verdict.nom, verdict.motif) for verdict in verdicts if not verdict.acceptee]
    if refus:
        raise ComplementsRefuses(
            f"{len(refus)} fichier(s) refusé(s) : aucun fichier n'a été enregistré. Corrigez-les puis déposez de "
            "nouveau l'ensemble des fichiers.",
            refus,
        )
    with transaction.atomic():
        try:
            complement = services_demandes.recevoir_complements(
                demande.pk,
                fournisseur_id=demande.fournisseur_id,
                utilisateur=utilisateur,
                nombre_de_pieces=len(verdicts),
            )
        except services_demandes.ComplementsImpossibles as impossible:
            raise ComplementsRefuses(str(impossible)) from impossible
        pieces = []
        for verdict in verdicts:
            empreinte = hashlib.sha256(verdict.contenu).hexdigest()
            cle = (
                f"complements/{utilisateur.fournisseur_id}/{demande.pk}/{complement.pk}/"
                f"{verdict.rang:02d}{EXTENSION_PAR_TYPE[verdict.type_mime]}"
            )
            # Under the demande's lock: nobody else writes this request's keys.
            nom_stocke = default_storage.save(cle, ContentFile(verdict.contenu))
            pieces.append(
                PieceComplementaire(
                    complement=complement,
                    nom_fichier=verdict.nom,
                    cle_stockage=nom_stocke,
                    fichier=nom_stocke,
                    taille=len(verdict.contenu),
                    type_mime=verdict.type_mime,
                    sha256=empreinte,
                    deposee_par=utilisateur,
                )
            )
        PieceComplementaire.objects.bulk_create(pieces)
    return len(pieces)
