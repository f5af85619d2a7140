from demandes.models import Demande, PieceAttendue


def demandes_retenues(fournisseur, import_json):
    """The demandes created or modified by this import, with the pieces they expect."""
    return (
        Demande.objects.filter(fournisseur=fournisseur, import_json=import_json)
        .prefetch_related("pieces_attendues").order_by("numero_ligne", "id")
    )


def nombre_de_pieces_attendues(fournisseur, import_json) -> int:
    return PieceAttendue.objects.filter(demande__fournisseur=fournisseur, demande__import_json=import_json).count()
