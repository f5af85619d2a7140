from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html

from . import services
from .models import EntreeZip, PieceRecue, ZipDepose


class EntreeZipInline(admin.TabularInline):
    model = EntreeZip
    fields = ["rang", "nom", "acceptee", "motif", "taille_lue"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(ZipDepose)
class ZipDeposeAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "nom_fichier",
        "fournisseur",
        "import_demandes",
        "statut",
        "nb_entrees",
        "nb_acceptees",
        "nb_refusees",
        "date_depot",
    ]
    list_filter = ["statut"]
    search_fields = ["nom_fichier", "fournisseur__siret", "fournisseur__denomination", "=import_demandes__id"]
    list_select_related = ["fournisseur", "import_demandes"]
    fields = [
        "nom_fichier",
        "telecharger",
        "fournisseur",
        "import_demandes",
        "taille",
        "statut",
        "message",
        "nb_entrees",
        "nb_traitees",
        "nb_acceptees",
        "nb_refusees",
        "date_depot",
        "date_traitement",
        "date_activite",
        "nb_tentatives",
    ]
    readonly_fields = fields
    inlines = [EntreeZipInline]
    actions = ["relancer"]

    # Harmless for the data (the processing is idempotent): whoever may see the zips may relaunch one.
    @admin.action(description="Relancer le traitement des fichiers zip en échec", permissions=["view"])
    def relancer(self, request, queryset):
        relances = []
        for depot in queryset:
            try:
                services.relancer_zip(depot, utilisateur=request.user)
                relances.append(depot.nom_fichier)
            except services.DepotImpossible as refus:
                self.message_user(request, f"« {depot.nom_fichier} » non relancé : {refus}", messages.WARNING)
        if relances:
            self.message_user(request, f"Traitement relancé : {', '.join(relances)}.", messages.SUCCESS)

    @admin.display(description="fichier")
    def telecharger(self, depot):
        return format_html('<a href="{}">Télécharger le zip</a>', reverse("piecesjointes:zip", args=[depot.pk]))

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(PieceRecue)
class PieceRecueAdmin(admin.ModelAdmin):
    list_display = ["piece_attendue", "demande", "taille", "type_mime", "date_reception", "telecharger"]
    search_fields = ["piece_attendue__nom_fichier", "piece_attendue__demande__numero"]
    list_select_related = ["piece_attendue__demande"]
    fields = ["piece_attendue", "zip_depose", "taille", "type_mime", "sha256", "date_reception", "telecharger"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="demande")
    def demande(self, piece):
        return piece.piece_attendue.demande.numero_dossier

    @admin.display(description="fichier")
    def telecharger(self, piece):
        return format_html('<a href="{}">Télécharger</a>', reverse("piecesjointes:piece", args=[piece.pk]))
