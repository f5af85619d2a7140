"""Serving a privately stored file (uploads, outputs, zips, pieces): the views decide who may see
it; this answers a missing file with a 404 rather than an error."""

from django.http import FileResponse, Http404


def reponse_fichier(champ, nom: str, type_contenu: str, *, en_piece_jointe: bool = True) -> FileResponse:
    if not champ:
        raise Http404("Aucun fichier.")
    try:
        flux = champ.open("rb")
    except (FileNotFoundError, ValueError):
        raise Http404("Fichier introuvable.") from None
    return FileResponse(flux, as_attachment=en_piece_jointe, filename=nom, content_type=type_contenu)
