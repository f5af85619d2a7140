from django.shortcuts import get_object_or_404

from demandes.models import Demande

from .models import PieceRecue, ZipDepose


def demandes_retenues(fournisseur, import_demandes):
    """The demandes created or modified by this import, with the pieces they expect and receive."""
    return (
        Demande.objects.filter(fournisseur=fournisseur, import_demandes=import_demandes)
        .prefetch_related("pieces_attendues__receptions")
        .order_by("rang", "id")
    )


def zips_de_l_import(fournisseur, import_demandes):
    return ZipDepose.objects.filter(fournisseur=fournisseur, import_demandes=import_demandes).prefetch_related(
        "entrees"
    )


def zip_du_fournisseur(fournisseur, pk) -> ZipDepose:
    return get_object_or_404(ZipDepose, fournisseur=fournisseur, pk=pk)


def _visible(utilisateur, queryset, champ_fournisseur, permission, pk):
    """The owner sees its own files; ASP staff holding the view permission see all of them;
    anyone else gets a 404, as for a file that does not exist."""
    if utilisateur.fournisseur_id is not None:
        return get_object_or_404(queryset, **{champ_fournisseur: utilisateur.fournisseur_id}, pk=pk)
    if utilisateur.is_staff and utilisateur.has_perm(permission):
        return get_object_or_404(queryset, pk=pk)
    return get_object_or_404(queryset.none(), pk=pk)


def piece_recue_visible(utilisateur, pk) -> PieceRecue:
    pieces = PieceRecue.objects.select_related("piece_attendue__demande", "zip_depose")
    return _visible(utilisateur, pieces, "zip_depose__fournisseur_id", "piecesjointes.view_piecerecue", pk)


def zip_visible(utilisateur, pk) -> ZipDepose:
    return _visible(utilisateur, ZipDepose.objects.all(), "fournisseur_id", "piecesjointes.view_zipdepose", pk)
