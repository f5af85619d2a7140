"""The supplier's tracking tables: criteria (django-filter), a sortable paginated table
(django-tables2) with ?par_page=20|50|100, and ?export=csv of the filtered rows."""

from django_tables2 import RequestConfig

TAILLES_DE_PAGE = ("20", "50", "100")


def taille_de_page(request, defaut=20) -> int:
    """?par_page=20|50|100 — anything else falls back to the default."""
    valeur = request.GET.get("par_page", "")
    return int(valeur) if valeur in TAILLES_DE_PAGE else defaut


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
