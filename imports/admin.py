from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.urls import path, reverse
from django.utils.html import format_html

from segur_portal.telechargement import reponse_fichier

from . import selectors
from .models import ErreurLigne, Import


@admin.register(Import)
class ImportAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "date_creation",
        "fournisseur",
        "numero_ans",
        "type_demande",
        "taux_tva",
        "nom_fichier",
        "nb_lignes",
        "nb_valides",
        "nb_invalides",
        "etat",
        "nb_retenues",
        "nb_rejetees",
        "resultat",
    ]
    list_filter = ["type_demande", "resultat", "etat", "taux_tva"]
    search_fields = ["=id", "numero_ans", "nom_fichier", "fournisseur__siret", "fournisseur__denomination", "sha256"]
    list_select_related = ["fournisseur"]
    date_hierarchy = "date_creation"
    fields = [
        "id",
        "date_creation",
        "fournisseur",
        "utilisateur",
        "solution",
        "numero_ans",
        "type_demande",
        "taux_tva",
        "nom_fichier",
        "lien_fichier",
        "sha256",
        "taille",
        "lien_sortie",
        "resultat",
        "message",
        "details",
        "nb_lignes",
        "nb_valides",
        "nb_invalides",
        "etat",
        "date_import",
        "nb_retenues",
        "nb_rejetees",
    ]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="fichier JSON")
    def lien_fichier(self, import_demandes):
        return format_html(
            '<a href="{}">Télécharger</a>', reverse("admin:imports_import_fichier", args=[import_demandes.pk])
        )

    @admin.display(description="fichier de sortie")
    def lien_sortie(self, import_demandes):
        if not import_demandes.fichier_sortie:
            return "—"
        return format_html(
            '<a href="{}">Télécharger</a>', reverse("admin:imports_import_sortie", args=[import_demandes.pk])
        )

    def get_urls(self):
        return [
            path(
                "<int:pk>/fichier/", self.admin_site.admin_view(self.telecharger_fichier), name="imports_import_fichier"
            ),
            path("<int:pk>/sortie/", self.admin_site.admin_view(self.telecharger_sortie), name="imports_import_sortie"),
            *super().get_urls(),
        ]

    def _telecharger(self, request, pk, champ, nom):
        if not self.has_view_permission(request):
            raise PermissionDenied
        import_demandes = selectors.import_ou_404(pk)
        return reponse_fichier(getattr(import_demandes, champ), nom(import_demandes), "application/json")

    def telecharger_fichier(self, request, pk):
        return self._telecharger(request, pk, "fichier", lambda i: i.nom_fichier)

    def telecharger_sortie(self, request, pk):
        return self._telecharger(request, pk, "fichier_sortie", lambda i: i.nom_fichier_sortie)


@admin.register(ErreurLigne)
class ErreurLigneAdmin(admin.ModelAdmin):
    list_display = ["import_demandes", "rang", "numero_editeur", "code", "champ", "message"]
    list_filter = ["code"]
    search_fields = ["=import_demandes__id", "numero_editeur"]
    list_select_related = ["import_demandes"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
