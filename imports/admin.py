from django.contrib import admin

from .models import ErreurLigne, Import


@admin.register(Import)
class ImportAdmin(admin.ModelAdmin):
    list_display = ["id", "date_creation", "fournisseur", "numero_ans", "type_demande", "taux_tva", "nom_fichier",
                    "nb_lignes", "nb_valides", "nb_invalides", "resultat"]
    list_filter = ["type_demande", "resultat", "taux_tva"]
    search_fields = ["=id", "numero_ans", "nom_fichier", "fournisseur__siret", "fournisseur__denomination", "sha256"]
    list_select_related = ["fournisseur"]
    date_hierarchy = "date_creation"
    readonly_fields = [f.name for f in Import._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(ErreurLigne)
class ErreurLigneAdmin(admin.ModelAdmin):
    list_display = ["import_json", "numero_ligne", "numero_editeur", "code", "champ", "message"]
    list_filter = ["code"]
    search_fields = ["=import_json__id", "numero_editeur"]
    list_select_related = ["import_json"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
