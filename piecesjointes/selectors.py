from django.shortcuts import get_object_or_404

from demandes.models import Demande

from .models import PieceRecue, ZipDepose


def demandes_retenues(fournisseur, import_json):
    """The demandes created or modified by this import, with the pieces they expect and receive."""
    return (
        Demande.objects.filter(fournisseur=fournisseur, import_json=import_json)
        .prefetch_related("pieces_attendues__receptions").order_by("numero_ligne", "id")
    )


def zips_de_l_import(fournisseur, import_json):
    return ZipDepose.objects.filter(fournisseur=fournisseur, import_json=import_json).prefetch_related("entrees")


def zip_du_fournisseur(fournisseur, pk) -> ZipDepose:
    return get_object_or_404(ZipDepose, fournisseur=fournisseur, pk=pk)


def piece_recue_visible(utilisateur, pk) -> PieceRecue:
    """The owner sees its pieces; ASP staff allowed to view pieces see all of them."""
    pieces = PieceRecue.objects.select_related("piece_attendue__demande", "zip_depose")
    if utilisateur.fournisseur_id is not None:
        return get_object_or_404(pieces, zip_depose__fournisseur_id=utilisateur.fournisseur_id, pk=pk)
    if utilisateur.is_staff and utilisateur.has_perm("piecesjointes.view_piecerecue"):
        return get_object_or_404(pieces, pk=pk)
    return get_object_or_404(pieces.none(), pk=pk)
