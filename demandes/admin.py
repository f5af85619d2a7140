from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from simple_history.admin import SimpleHistoryAdmin

from .models import (
    Beneficiaire, CompteurDossier, Couloir, Demande, Fournisseur, Logiciel, OperateurMessagerie, PieceAttendue,
    Solution, TypePiece, Utilisateur,
)


@admin.register(Couloir, Logiciel)
class CodeAdmin(admin.ModelAdmin):
    list_display = ["code", "libelle"]
    search_fields = ["code", "libelle"]


@admin.register(OperateurMessagerie)
class OperateurMessagerieAdmin(admin.ModelAdmin):
    list_display = ["code", "libelle", "actif"]
    list_filter = ["actif"]
    search_fields = ["code", "libelle"]


@admin.register(TypePiece)
class TypePieceAdmin(admin.ModelAdmin):
    list_display = ["code", "code_nomenclature", "libelle"]
    search_fields = ["code", "libelle"]


class UtilisateurInline(admin.TabularInline):
    model = Utilisateur
    fields = ["username", "email", "is_active"]
    readonly_fields = ["username", "email"]
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


class SolutionInline(admin.TabularInline):
    model = Solution
    fields = ["numero_ans", "nom", "couloir", "logiciel", "vague"]
    extra = 0
    show_change_link = True


@admin.register(Fournisseur)
class FournisseurAdmin(SimpleHistoryAdmin):
    list_display = ["denomination", "siret"]
    search_fields = ["denomination", "siret"]
    inlines = [SolutionInline, UtilisateurInline]


@admin.register(Solution)
class SolutionAdmin(SimpleHistoryAdmin):
    list_display = ["numero_ans", "nom", "fournisseur", "couloir", "logiciel", "vague", "date_referencement", "plafond_ht"]
    list_filter = ["couloir", "logiciel", "vague"]
    search_fields = ["numero_ans", "nom", "fournisseur__denomination", "fournisseur__siret"]
    list_select_related = ["fournisseur", "couloir", "logiciel"]
    autocomplete_fields = ["fournisseur"]
    fieldsets = [
        (None, {"fields": ["numero_ans", "nom", "fournisseur", "couloir", "logiciel", "vague",
                           "date_referencement", "plafond_ht"]}),
        ("Fenêtres de dépôt", {"fields": [("avance_ouverture", "avance_fermeture"),
                                          ("solde_ouverture", "solde_fermeture")]}),
    ]


@admin.register(Utilisateur)
class UtilisateurAdmin(UserAdmin):
    list_display = ["username", "email", "fournisseur", "is_staff", "is_active"]
    list_filter = ["is_staff", "is_active", "fournisseur"]
    search_fields = ["username", "email", "fournisseur__denomination", "fournisseur__siret"]
    autocomplete_fields = ["fournisseur"]
    fieldsets = UserAdmin.fieldsets + (("Fournisseur", {"fields": ["fournisseur"]}),)
    add_fieldsets = UserAdmin.add_fieldsets + (("Fournisseur", {"fields": ["fournisseur"]}),)


class BeneficiaireInline(admin.TabularInline):
    model = Beneficiaire
    fields = ["nature", "identifiant", "nom", "email", "telephone", "vivant"]
    readonly_fields = fields
    extra = 0
    can_delete = False


class PieceAttendueInline(admin.TabularInline):
    model = PieceAttendue
    readonly_fields = ["nom_fichier", "format_fichier", "type_fichier"]
    extra = 0
    can_delete = False


@admin.register(CompteurDossier)
class CompteurDossierAdmin(admin.ModelAdmin):
    list_display = ["couloir", "dernier"]
    readonly_fields = ["couloir", "dernier"]

    def has_add_permission(self, request):
        return False


@admin.register(Demande)
class DemandeAdmin(SimpleHistoryAdmin):
    list_display = ["numero", "version", "type_demande", "fournisseur", "solution", "montant_ht", "statut", "statut_paiement"]
    list_filter = ["type_demande", "statut", "statut_paiement"]
    search_fields = ["numero", "numero_editeur", "fournisseur__siret", "fournisseur__denomination", "beneficiaires__identifiant"]
    list_select_related = ["fournisseur", "solution"]
    inlines = [BeneficiaireInline, PieceAttendueInline]
