"""A table's columns, declared once: its HTML table (django-tables2), its CSV export and, for a
computed column, the cell of an admin changelist (list_display) are made from them.

A column reads its value once, in `lire`, from a row: a mapping from the lookups it names in
`champs` (« solution__logiciel__code ») to their values. The CSV reads dicts of
queryset.values(*champs), streamed, without building model instances; the HTML table and the admin
read model instances through `Ligne`, which follows the same lookups. `texte` writes the value in
both outputs, `html` or `csv` in one of them only (a link, upper case); an empty value (None or "")
shows « — » in the HTML table and an empty cell in the CSV.

django-tables2's own export (TableExport) needs tablib, which the project does not install: the CSV
goes through segur_portal.export_csv (streamed, formulas neutralised). Imports no app."""

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

import django_tables2 as tables
from django.contrib import admin
from django.http import StreamingHttpResponse

from .export_csv import reponse_csv

VIDES = (None, "")
TIRET = "—"


class Ligne:
    """A model instance read as a row: ligne["solution__logiciel__code"] follows the relations
    (None past an empty one), as queryset.values() reads them in the database."""

    __slots__ = ("objet",)

    def __init__(self, objet: Any):
        self.objet = objet

    def __getitem__(self, champ: str) -> Any:
        valeur = self.objet
        for nom in champ.split("__"):
            if valeur is None:
                return None
            valeur = getattr(valeur, nom)
        return valeur


def inchange(valeur: Any) -> Any:
    return valeur


def libelles(choix: Iterable[tuple[Any, Any]]) -> Callable[[Any], Any]:
    """code → its label among Django choices, as get_FOO_display() (an unknown code shows as is)."""
    par_code = dict(choix)
    return lambda code: par_code.get(code, code)


@dataclass(frozen=True)
class Colonne:
    nom: str  # the column's name: of the Table's column (?sort=nom), of the admin's attribute
    libelle: str  # its header, in the HTML table and in the CSV
    champs: tuple[str, ...] = ()  # the lookups it reads, sorted on the first; () is (nom,)
    lire: Callable[[Any], Any] | None = None  # row → value; None: the value of the first lookup
    texte: Callable[[Any], Any] = inchange  # value → cell, in both outputs (and in the admin)
    html: Callable[[Any], Any] | None = None  # value → cell of the HTML table, instead of texte
    csv: Callable[[Any], Any] | None = None  # value → cell of the CSV, instead of texte
    lien: Callable[[Any], str] | None = None  # row → URL the HTML cell links to
    triable: bool = True
    au_tableau: bool = True  # shown in the HTML table (in the admin's list for an admin table)
    au_csv: bool = True

    def __post_init__(self):
        if not self.champs:
            object.__setattr__(self, "champs", (self.nom,))

    def valeur(self, ligne: Any) -> Any:
        return self.lire(ligne) if self.lire else ligne[self.champs[0]]

    def cellule_html(self, valeur: Any) -> Any:
        return TIRET if valeur in VIDES else (self.html or self.texte)(valeur)

    def cellule_csv(self, valeur: Any) -> Any:
        return "" if valeur in VIDES else (self.csv or self.texte)(valeur)

    def affichage_admin(self) -> Callable[[Any, Any], Any]:
        """A ModelAdmin method showing this column in list_display (and as a read-only field).
        The admin shows an empty value its own way (« - »)."""

        def afficher(modele_admin, objet):
            valeur = self.valeur(Ligne(objet))
            return None if valeur in VIDES else self.texte(valeur)

        afficher.__name__ = self.nom
        return admin.display(description=self.libelle, ordering=self.champs[0] if self.triable else None)(afficher)


def _lien(colonne: Colonne) -> Callable[[Any], str] | bool:
    """django-tables2's linkify: the record's URL, or False for a cell without a link."""
    if colonne.lien is None:
        return False
    lien = colonne.lien
    return lambda record: lien(Ligne(record))


class ColonneDuTableau(tables.Column):
    """The django-tables2 column of a Colonne: every cell goes through it, empty ones included."""

    def __init__(self, colonne: Colonne):
        self.colonne = colonne
        super().__init__(
            verbose_name=colonne.libelle,
            accessor=colonne.champs[0],
            orderable=colonne.triable,
            linkify=_lien(colonne),
            empty_values=(),
        )

    def render(self, record):
        return self.colonne.cellule_html(self.colonne.valeur(Ligne(record)))

    def value(self, record):
        return self.colonne.cellule_csv(self.colonne.valeur(Ligne(record)))


class Colonnes:
    """The columns of one table, in order."""

    def __init__(self, *colonnes: Colonne):
        self.colonnes = colonnes
        self.par_nom = {colonne.nom: colonne for colonne in colonnes}
        if len(self.par_nom) != len(colonnes):
            raise ValueError("Deux colonnes portent le même nom.")

    def __iter__(self) -> Iterator[Colonne]:
        return iter(self.colonnes)

    def __getitem__(self, nom: str) -> Colonne:
        return self.par_nom[nom]

    def noms(self) -> list[str]:
        """The names of the columns shown (an admin's list_display)."""
        return [colonne.nom for colonne in self.colonnes if colonne.au_tableau]

    def du_csv(self) -> list[Colonne]:
        return [colonne for colonne in self.colonnes if colonne.au_csv]

    def champs_csv(self) -> list[str]:
        """The lookups the CSV reads, each once, for queryset.values()."""
        return list(dict.fromkeys(champ for colonne in self.du_csv() for champ in colonne.champs))

    def entetes_csv(self) -> list[str]:
        return [colonne.libelle for colonne in self.du_csv()]

    def reponse_csv(self, nom_fichier: str, lignes: Iterable[Mapping[str, Any]]) -> StreamingHttpResponse:
        """The streamed CSV download of `lignes` (dicts of champs_csv(), consumed lazily)."""
        colonnes = self.du_csv()
        return reponse_csv(
            nom_fichier,
            [colonne.libelle for colonne in colonnes],
            ([colonne.cellule_csv(colonne.valeur(ligne)) for colonne in colonnes] for ligne in lignes),
        )


class TableDeColonnes(tables.Table):
    """A django-tables2 Table whose columns are those of its `colonnes` shown in the table (added
    to each instance through django-tables2's extra_columns); its Meta says the rest."""

    colonnes: ClassVar[Colonnes]

    def __init__(self, data, **kwargs):
        colonnes = [(colonne.nom, ColonneDuTableau(colonne)) for colonne in self.colonnes if colonne.au_tableau]
        super().__init__(data, extra_columns=colonnes, **kwargs)
