"""The ANS référentiel as a file (django-import-export): its French columns, its JJ/MM/AAAA dates,
its amounts with a decimal comma, and a reason in French for each refused line."""

import csv
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from diff_match_patch import diff_match_patch
from django.utils.encoding import force_str
from django.utils.html import escape
from django.utils.safestring import mark_safe
from import_export import fields, resources, widgets
from import_export.formats.base_formats import CSV, XLSX

from .models import Couloir, Logiciel, SolutionReferencee

FORMAT_DATE = "%d/%m/%Y"

# (attribute, column header), in the file's order.
COLONNES = [
    ("numero_ans", "numéro ANS"),
    ("siret", "SIRET"),
    ("nom", "nom"),
    ("couloir", "couloir"),
    ("logiciel", "logiciel"),
    ("vague", "vague"),
    ("date_referencement", "date de référencement"),
    ("plafond_ht", "plafond HT"),
    ("avance_ouverture", "ouverture avances"),
    ("avance_fermeture", "fermeture avances"),
    ("solde_ouverture", "ouverture soldes"),
    ("solde_fermeture", "fermeture soldes"),
]
ENTETES = [entete for _, entete in COLONNES]


def _vide(valeur) -> bool:
    return valeur is None or (isinstance(valeur, str) and not valeur.strip())


class Texte(widgets.CharWidget):
    """A text cell, trimmed; an XLSX number (a SIRET typed as a number) read as its digits."""

    def clean(self, value, row=None, **kwargs):
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        return super().clean(value, row, **kwargs).strip()


class DateFr(widgets.DateWidget):
    """JJ/MM/AAAA both ways; an XLSX date cell is taken as it is."""

    def __init__(self):
        super().__init__(format=FORMAT_DATE)

    def clean(self, value, row=None, **kwargs):
        if _vide(value):
            return None
        if isinstance(value, datetime):
            return value.date()
        if isinstance(value, date):
            return value
        try:
            return datetime.strptime(str(value).strip(), FORMAT_DATE).date()
        except ValueError:
            raise ValueError(f"« {value} » n'est pas une date au format JJ/MM/AAAA.") from None


class MontantFr(widgets.DecimalWidget):
    """An amount with a decimal comma (or point), spaces as thousands separators; written with a comma."""

    def clean(self, value, row=None, **kwargs):
        if _vide(value):
            return None
        if isinstance(value, (int, float, Decimal)):
            return Decimal(str(value))
        texte = str(value).strip().replace("\u202f", "").replace("\xa0", "").replace(" ", "").replace(",", ".")
        try:
            return Decimal(texte)
        except InvalidOperation:
            raise ValueError(f"« {value} » n'est pas un montant (exemple : 25000,00).") from None

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else f"{value:.2f}".replace(".", ",")


class Entier(widgets.IntegerWidget):
    def clean(self, value, row=None, **kwargs):
        if _vide(value):
            return None
        try:
            nombre = Decimal(str(value).strip())
        except InvalidOperation:
            nombre = None
        if nombre is None or nombre != nombre.to_integral_value():
            raise ValueError(f"« {value} » n'est pas un nombre entier.")
        return int(nombre)

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else str(value)


class ParCode(widgets.ForeignKeyWidget):
    """A couloir or a logiciel given by its code; an unknown code is a refused line, not a crash."""

    def __init__(self, model, nature):
        super().__init__(model, field="code")
        self.nature = nature

    def clean(self, value, row=None, **kwargs):
        if _vide(value):
            return None
        code = str(value).strip()
        try:
            return self.model.objects.get(code=code)
        except self.model.DoesNotExist:
            raise ValueError(f"{self.nature} « {code} » inconnu.") from None


WIDGETS = {
    "couloir": ParCode(Couloir, "Couloir"),
    "logiciel": ParCode(Logiciel, "Logiciel"),
    "vague": Entier(),
    "plafond_ht": MontantFr(),
    "date_referencement": DateFr(),
    "avance_ouverture": DateFr(),
    "avance_fermeture": DateFr(),
    "solde_ouverture": DateFr(),
    "solde_fermeture": DateFr(),
}


class DiffSansStyle(resources.Diff):
    """The preview's changes as <ins> / <del> without a style attribute: the library's HTML diff
    (diff-match-patch's prettyHtml) writes inline styles, which the portal's CSP refuses."""

    BALISES = {diff_match_patch.DIFF_INSERT: "ins", diff_match_patch.DIFF_DELETE: "del"}

    def as_html(self):
        cellules = []
        dmp = diff_match_patch()
        for avant, apres in zip(self.left, self.right, strict=True):
            if avant != apres and self.new:
                avant = ""
            morceaux = dmp.diff_main(force_str(avant), force_str(apres))
            dmp.diff_cleanupSemantic(morceaux)
            html = "".join(
                f"<{self.BALISES[op]}>{escape(texte)}</{self.BALISES[op]}>" if op in self.BALISES else escape(texte)
                for op, texte in morceaux
            )
            cellules.append(mark_safe(html))  # noqa: S308 — every piece escaped above
        return cellules


class ReferentielAnsResource(resources.ModelResource):
    numero_ans = fields.Field(attribute="numero_ans", column_name="numéro ANS", widget=Texte())
    siret = fields.Field(attribute="siret", column_name="SIRET", widget=Texte())
    nom = fields.Field(attribute="nom", column_name="nom", widget=Texte())
    couloir = fields.Field(attribute="couloir", column_name="couloir", widget=WIDGETS["couloir"])
    logiciel = fields.Field(attribute="logiciel", column_name="logiciel", widget=WIDGETS["logiciel"])
    vague = fields.Field(attribute="vague", column_name="vague", widget=WIDGETS["vague"])
    date_referencement = fields.Field(
        attribute="date_referencement", column_name="date de référencement", widget=DateFr()
    )
    plafond_ht = fields.Field(attribute="plafond_ht", column_name="plafond HT", widget=MontantFr())
    avance_ouverture = fields.Field(attribute="avance_ouverture", column_name="ouverture avances", widget=DateFr())
    avance_fermeture = fields.Field(attribute="avance_fermeture", column_name="fermeture avances", widget=DateFr())
    solde_ouverture = fields.Field(attribute="solde_ouverture", column_name="ouverture soldes", widget=DateFr())
    solde_fermeture = fields.Field(attribute="solde_fermeture", column_name="fermeture soldes", widget=DateFr())

    class Meta:
        model = SolutionReferencee
        fields = [attribut for attribut, _ in COLONNES]
        import_order = fields
        export_order = fields
        import_id_fields = ["numero_ans"]
        skip_unchanged = True
        report_skipped = True
        clean_model_instances = True

    def before_import(self, dataset, **kwargs):
        """A file without one of the columns is refused as a whole, its missing headers named."""
        manquantes = [entete for entete in ENTETES if entete not in (dataset.headers or [])]
        if manquantes:
            raise ValueError("Colonnes absentes du fichier : " + ", ".join(f"« {m} »" for m in manquantes) + ".")
        super().before_import(dataset, **kwargs)

    def get_diff_class(self):
        return DiffSansStyle

    def get_export_headers(self, selected_fields=None):
        return list(ENTETES)


class CsvFr(CSV):
    """CSV with « ; » (French spreadsheets) or « , » as separator, read as it comes; written with « ; »."""

    def create_dataset(self, in_stream, **kwargs):
        if isinstance(in_stream, bytes):
            in_stream = in_stream.decode(self.encoding or "utf-8-sig")
        premiere_ligne = in_stream.lstrip("\ufeff").split("\n", 1)[0]
        try:
            separateur = csv.Sniffer().sniff(premiere_ligne, delimiters=";,").delimiter
        except csv.Error:
            separateur = ","
        return super().create_dataset(in_stream.lstrip("\ufeff"), delimiter=separateur, **kwargs)

    def export_data(self, dataset, **kwargs):
        return super().export_data(dataset, delimiter=";", **kwargs)


FORMATS = [CsvFr, XLSX]
