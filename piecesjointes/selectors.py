"""Reads of the attachments step. The supplier's own data: the fournisseur always comes first."""

from typing import TypeVar

from django.db.models import Count, Q, QuerySet
from django.shortcuts import get_object_or_404

from demandes.models import Demande, Fournisseur, PieceAttendue, Utilisateur
from demandes.valeurs import StatutDemande
from imports.models import Import

from .models import EntreeZip, PieceComplementaire, PieceRecue, ZipDepose

M = TypeVar("M", PieceRecue, PieceComplementaire, ZipDepose)


def demandes_retenues(fournisseur: Fournisseur, import_demandes: Import) -> QuerySet[Demande]:
    """The demandes created or modified by this import, with the pieces they expect and receive."""
    return (
        Demande.objects.filter(fournisseur=fournisseur, import_demandes=import_demandes)
        .prefetch_related("pieces_attendues__receptions")
        .order_by("rang", "id")
    )


def pieces_annoncees_par_l_import(import_demandes: Import) -> QuerySet[PieceAttendue]:
    """Every piece the import's demandes announced, whatever became of the demande since: a zip
    processed again after « Terminer » finds the same names, hence gives the same pieces."""
    return PieceAttendue.objects.filter(
        demande__import_demandes=import_demandes, demande__fournisseur_id=import_demandes.fournisseur_id
    )


def pieces_attendues_de_l_import(import_demandes: Import) -> QuerySet[PieceAttendue]:
    """The pieces still awaited: those of the import's demandes not yet handed over."""
    return pieces_annoncees_par_l_import(import_demandes).filter(demande__statut=StatutDemande.EN_ATTENTE_PIECES)


def pieces_manquantes(import_demandes: Import) -> QuerySet[PieceAttendue]:
    """Expected pieces of the import's retained demandes that no zip has brought yet."""
    return (
        pieces_attendues_de_l_import(import_demandes)
        .filter(receptions__isnull=True)
        .select_related("demande")
        .order_by("demande__rang", "id")
    )


def pieces_manquantes_de_l_etape(import_demandes: Import) -> QuerySet[PieceAttendue]:
    """The missing pieces the step « 2 - Pièces jointes » lists: none once the import is « Terminé »."""
    if import_demandes.etat != Import.Etat.IMPORTE:
        return PieceAttendue.objects.none()
    return pieces_manquantes(import_demandes)


def zips_de_l_import(fournisseur: Fournisseur, import_demandes: Import) -> QuerySet[ZipDepose]:
    return ZipDepose.objects.filter(fournisseur=fournisseur, import_demandes=import_demandes).prefetch_related(
        "entrees"
    )


def zip_de_l_import(fournisseur: Fournisseur, import_demandes: Import, pk: int) -> ZipDepose | None:
    """One zip of this import, or None (a link to another import's zip, or to none, shows nothing)."""
    return ZipDepose.objects.filter(fournisseur=fournisseur, import_demandes=import_demandes, pk=pk).first()


def entrees_refusees(depot: ZipDepose, limite: int) -> list[EntreeZip]:
    """The first `limite` refused entries of a zip, in the archive's order."""
    return list(depot.entrees.filter(acceptee=False).order_by("rang")[:limite])


def zip_du_fournisseur(fournisseur: Fournisseur, pk: int) -> ZipDepose:
    return get_object_or_404(ZipDepose, fournisseur=fournisseur, pk=pk)


def etat_du_zip(depot: ZipDepose) -> dict:
    """The progress of a zip's processing, as the step's page polls it (and the API answers it)."""
    return {
        "statut": depot.statut,
        "libelle": depot.get_statut_display(),
        "termine": depot.termine,
        "nb_entrees": depot.nb_entrees,
        "nb_traitees": depot.nb_traitees,
        "nb_acceptees": depot.nb_acceptees,
        "nb_refusees": depot.nb_refusees,
        "message": depot.message,
    }


def entrees_du_zip(depot: ZipDepose) -> QuerySet[EntreeZip]:
    """Every entry's verdict (« Détail des fichiers »), in the archive's order; none until the
    processing is over (a run in progress records them at its end)."""
    if not depot.termine:
        return EntreeZip.objects.none()
    # EntreeZip is ordered by rang: entries prefetched with the zip (zips_de_l_import) are read from it.
    return depot.entrees.all()


def _visible(utilisateur: Utilisateur, queryset: QuerySet[M], champ_fournisseur: str, permission: str, pk: int) -> M:
    """The owner sees its own files; ASP staff holding the view permission see all of them;
    anyone else gets a 404, as for a file that does not exist."""
    if utilisateur.fournisseur_id is not None:
        return get_object_or_404(queryset, **{champ_fournisseur: utilisateur.fournisseur_id}, pk=pk)
    if utilisateur.is_staff and utilisateur.has_perm(permission):
        return get_object_or_404(queryset, pk=pk)
    return get_object_or_404(queryset.none(), pk=pk)


def piece_recue_visible(utilisateur: Utilisateur, pk: int) -> PieceRecue:
    pieces = PieceRecue.objects.select_related("piece_attendue__demande", "zip_depose")
    return _visible(utilisateur, pieces, "zip_depose__fournisseur_id", "piecesjointes.view_piecerecue", pk)


def piece_complementaire_visible(utilisateur: Utilisateur, pk: int) -> PieceComplementaire:
    pieces = PieceComplementaire.objects.select_related("complement__demande")
    return _visible(
        utilisateur, pieces, "complement__demande__fournisseur_id", "piecesjointes.view_piececomplementaire", pk
    )


def zip_visible(utilisateur: Utilisateur, pk: int) -> ZipDepose:
    return _visible(utilisateur, ZipDepose.objects.all(), "fournisseur_id", "piecesjointes.view_zipdepose", pk)


def imports_a_terminer(fournisseur: Fournisseur) -> QuerySet[Import]:
    """The supplier's imports still at step « 2 - Pièces jointes » (imported, not « Terminé »),
    newest first, each with `nb_manquantes`: its pieces still awaited that no zip has brought
    (as pieces_manquantes counts them). One query, whatever the number of imports and pieces."""
    return (
        Import.objects.filter(fournisseur=fournisseur, etat=Import.Etat.IMPORTE)
        .annotate(
            nb_manquantes=Count(
                "demandes__pieces_attendues",
                filter=Q(
                    demandes__fournisseur=fournisseur,
                    demandes__statut=StatutDemande.EN_ATTENTE_PIECES,
                    demandes__pieces_attendues__receptions__isnull=True,
                ),
                distinct=True,
            )
        )
        .order_by("-id")
    )
