"""Streamed CSV downloads (French Excel flavour: UTF-8 with BOM, semicolons)."""

import csv

from django.http import StreamingHttpResponse


class _Tampon:
    """csv.writer writes one line at a time into this and we hand the line to the response."""

    def write(self, valeur):
        return valeur


def reponse_csv(nom_fichier: str, entetes: list[str], lignes) -> StreamingHttpResponse:
    """`lignes`: an iterable of row sequences, consumed lazily (use queryset.iterator())."""
    ecrivain = csv.writer(_Tampon(), delimiter=";")

    def flux():
        yield "\ufeff" + ecrivain.writerow(entetes)
        for ligne in lignes:
            yield ecrivain.writerow(ligne)

    reponse = StreamingHttpResponse(flux(), content_type="text/csv; charset=utf-8")
    reponse["Content-Disposition"] = f'attachment; filename="{nom_fichier}"'
    return reponse
