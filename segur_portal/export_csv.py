"""Streamed CSV downloads (French Excel flavour: UTF-8 with BOM, semicolons).

Every cell goes through `cellule_sans_formule`: a text a spreadsheet would read as a formula (it
starts with =, +, -, @, a tab or a carriage return — a file name like `=HYPERLINK(…).json`) is
prefixed with a single quote (OWASP « CSV injection »). A plain number (`-10,50`, `-3`) is not a
formula and is written unchanged, so that a negative amount stays a number."""

import csv
import re
from decimal import Decimal

from django.http import StreamingHttpResponse

DEBUTS_DE_FORMULE = ("=", "+", "-", "@", "\t", "\r")
NOMBRE = re.compile(r"-?[0-9]+(?:[.,][0-9]+)?")


def cellule_sans_formule(valeur):
    if valeur is None or isinstance(valeur, (int, float, Decimal)):
        return valeur
    texte = str(valeur)
    if texte.startswith(DEBUTS_DE_FORMULE) and not NOMBRE.fullmatch(texte):
        return "'" + texte
    return texte


class _Tampon:
    """csv.writer writes one line at a time into this and we hand the line to the response."""

    def write(self, valeur):
        return valeur


def reponse_csv(nom_fichier: str, entetes: list[str], lignes) -> StreamingHttpResponse:
    """`lignes`: an iterable of row sequences, consumed lazily (use queryset.iterator())."""
    ecrivain = csv.writer(_Tampon(), delimiter=";")

    def ligne_csv(cellules):
        return ecrivain.writerow([cellule_sans_formule(cellule) for cellule in cellules])

    def flux():
        yield "\ufeff" + ligne_csv(entetes)
        for ligne in lignes:
            yield ligne_csv(ligne)

    reponse = StreamingHttpResponse(flux(), content_type="text/csv; charset=utf-8")
    reponse["Content-Disposition"] = f'attachment; filename="{nom_fichier}"'
    return reponse
