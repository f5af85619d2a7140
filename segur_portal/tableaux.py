"""The supplier's tracking tables: criteria (django-filter), a sortable paginated table
(django-tables2) with ?par_page=20|50|100, and ?export=csv of the filtered rows.

Criteria are read defensively: a value holding a NUL character (refused by PostgreSQL), or digits
other than 0-9 where a number or a date is expected (« ² », « ① », « ١٢ »: str.isdigit() and
strptime() accept some of them, int() not all), is refused with a French message shown above the
table — never a server error."""

from django import forms
from django.core.exceptions import ValidationError
from django_filters import DateFilter
from django_tables2 import RequestConfig

TAILLES_DE_PAGE = ("20", "50", "100")
CHIFFRES_ASCII = frozenset("0123456789")


def taille_de_page(request, defaut=20) -> int:
    """?par_page=20|50|100 — anything else falls back to the default."""
    valeur = request.GET.get("par_page", "")
    return int(valeur) if valeur in TAILLES_DE_PAGE else defaut


def chiffres_non_ascii(valeur) -> bool:
    """True when `valeur` holds a digit or number character other than 0-9."""
    return isinstance(valeur, str) and any(c.isnumeric() and c not in CHIFFRES_ASCII for c in valeur)


def en_chiffres_ascii(libelle: str):
    """Validator of a text criterion holding digits (numéro ANS, numéro de demande)."""

    def valider(valeur):
        if chiffres_non_ascii(valeur):
            raise ValidationError(f"{libelle} : saisissez les chiffres de 0 à 9.", code="chiffres")

    return valider


class ChampDate(forms.DateField):
    """DateField that refuses other digits than 0-9 (strptime() reads « ٢٠٢٤ » as 2024)."""

    def to_python(self, value):
        if chiffres_non_ascii(value):
            raise ValidationError(f"{self.label} : saisissez une date avec les chiffres de 0 à 9.", code="chiffres")
        return super().to_python(value)


class FiltreDate(DateFilter):
    field_class = ChampDate


class FormulaireCriteres(forms.Form):
    """Base form of the criteria (FilterSet.Meta.form): a field whose value holds a NUL character
    is refused with one French message, never looked up, and not echoed back in the page."""

    def _valeurs_brutes(self, nom):
        cle = self.add_prefix(nom)
        return self.data.getlist(cle) if hasattr(self.data, "getlist") else [self.data.get(cle)]

    def full_clean(self):
        refuses = [
            nom for nom in self.fields if any(isinstance(v, str) and "\x00" in v for v in self._valeurs_brutes(nom))
        ]
        if refuses:
            self.data = self.data.copy()
            for nom in refuses:
                self.data.pop(self.add_prefix(nom), None)
        super().full_clean()
        if self.is_bound:
            for nom in refuses:
                self.add_error(nom, f"{self.fields[nom].label} : la saisie contient un caractère non autorisé.")


class TableauFiltreMixin:
    """For a TemplateView: subclasses give `table_class`, `texte_si_vide`, and build the filter
    in `creer_filtre()` and the CSV in `exporter(queryset)`."""

    table_class = None
    texte_si_vide = ""

    def creer_filtre(self):
        raise NotImplementedError

    def exporter(self, queryset):
        raise NotImplementedError

    def get(self, request, *args, **kwargs):
        self.filtre = self.creer_filtre()
        if request.GET.get("export") == "csv":
            return self.exporter(self.filtre.qs)
        return super().get(request, *args, **kwargs)

    def creer_table(self):
        table = self.table_class(self.filtre.qs)
        if not self.filtre.is_bound:
            table.empty_text = self.texte_si_vide
        RequestConfig(self.request, paginate={"per_page": taille_de_page(self.request)}).configure(table)
        return table

    def get_context_data(self, **kwargs):
        return super().get_context_data(filtre=self.filtre, table=self.creer_table(), **kwargs)
