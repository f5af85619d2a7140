from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import UserAdmin, sensitive_post_parameters_m
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from import_export.admin import ImportExportModelAdmin
from import_export.forms import ExportForm
from simple_history.admin import SimpleHistoryAdmin

from segur_portal import formats

from . import jetons, numero_dossier, services
from .admin_dossier import DossierDemandeAdmin, MotifRejetForm, PaiementForm
from .comptes import (
    CompteFournisseurCreationForm,
    CompteFournisseurForm,
    comptes_fournisseurs,
    envoyer_liens,
    peut_gerer,
    prevenir_changement_d_adresse,
)
from .models import (
    CompteurDossier,
    Couloir,
    Demande,
    Fournisseur,
    JetonAPI,
    Logiciel,
    Notification,
    OperateurMessagerie,
    Solution,
    SolutionReferencee,
    TypePiece,
    Utilisateur,
)
from .referentiel_ans import FORMATS, ReferentielAnsResource
from .selectors import (
    ETATS_JETON,
    comptes_par_identifiant,
    demandes_a_exporter,
    demandes_avec_fournisseur,
    demandes_avec_solution,
    jetons_par_etat,
    jours_d_attente,
)
from .tables import COLONNES_GESTION
from .templatetags.statuts import badge_de_paiement, badge_de_statut
from .valeurs import StatutPaiement

# The statuses are shown as badges of their colour (demandes.valeurs, as on the supplier's pages):
# these columns and read-only fields stand for the model's fields in the list and the detail.
BADGES = {"statut": "badge_statut", "statut_paiement": "badge_paiement"}


class HistoriqueEnLectureSeule(SimpleHistoryAdmin):
    """The history is shown, never replayed: django-simple-history's history form would save an
    old version on POST (even with its revert button hidden), bypassing the checked transitions."""

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method == "POST":
            raise PermissionDenied("L'historique est consultable, pas restaurable.")
        return super().history_form_view(request, object_id, version_id, extra_context)


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

    def get_queryset(self, request):
        # A manager only sees (and deactivates) supplier accounts, never an ASP account.
        comptes = super().get_queryset(request)
        return comptes if request.user.is_superuser else comptes_fournisseurs(comptes)


class SolutionInline(admin.TabularInline):
    model = Solution
    fields = ["numero_ans", "nom", "couloir", "logiciel", "vague"]
    extra = 0
    show_change_link = True


@admin.register(Fournisseur)
class FournisseurAdmin(HistoriqueEnLectureSeule):
    list_display = ["denomination", "siret"]
    search_fields = ["denomination", "siret"]
    inlines = [SolutionInline, UtilisateurInline]


@admin.register(SolutionReferencee)
class ReferentielAnsAdmin(ImportExportModelAdmin, HistoriqueEnLectureSeule):
    """« Référentiel ANS »: loaded from a CSV or XLSX file (dry run line by line, then confirmation)
    and exported with the same columns; a line is never deleted here by a manager (no permission)."""

    resource_classes = [ReferentielAnsResource]
    import_formats = FORMATS
    export_formats = FORMATS
    # Every column, always (the file loads back as it is): the library's form with a checkbox per
    # column has an inline event handler and inline styles, which the portal's CSP refuses.
    export_form_class = ExportForm
    list_display = [
        "numero_ans",
        "siret",
        "nom",
        "couloir",
        "logiciel",
        "vague",
        "date_referencement",
        "plafond_ht",
    ]
    list_filter = ["couloir", "logiciel", "vague"]
    search_fields = ["numero_ans", "nom", "siret"]
    list_select_related = ["couloir", "logiciel"]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "numero_ans",
                    "siret",
                    "nom",
                    "couloir",
                    "logiciel",
                    "vague",
                    "date_referencement",
                    "plafond_ht",
                ]
            },
        ),
        (
            "Fenêtres de dépôt",
            {"fields": [("avance_ouverture", "avance_fermeture"), ("solde_ouverture", "solde_fermeture")]},
        ),
    ]

    def has_import_permission(self, request):
        # An import creates and changes lines: both rights (IMPORT_EXPORT_IMPORT_PERMISSION_CODE is « change »).
        return super().has_import_permission(request) and self.has_add_permission(request)


@admin.register(Solution)
class SolutionAdmin(HistoriqueEnLectureSeule):
    list_display = [
        "numero_ans",
        "nom",
        "fournisseur",
        "couloir",
        "logiciel",
        "vague",
        "date_referencement",
        "plafond_ht",
    ]
    list_filter = ["couloir", "logiciel", "vague"]
    search_fields = ["numero_ans", "nom", "fournisseur__denomination", "fournisseur__siret"]
    list_select_related = ["fournisseur", "couloir", "logiciel"]
    autocomplete_fields = ["fournisseur"]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "numero_ans",
                    "nom",
                    "fournisseur",
                    "couloir",
                    "logiciel",
                    "vague",
                    "date_referencement",
                    "plafond_ht",
                ]
            },
        ),
        (
            "Fenêtres de dépôt",
            {"fields": [("avance_ouverture", "avance_fermeture"), ("solde_ouverture", "solde_fermeture")]},
        ),
    ]


@admin.register(Utilisateur)
class UtilisateurAdmin(UserAdmin):
    """Superusers manage every account. A manager (staff, not superuser) manages supplier accounts
    only: a staff or superuser account is neither listed nor reachable (404), no password is ever
    set by him (the password view is refused, the supplier gets a reset link by e-mail instead),
    and the rights stay read-only."""

    list_display = ["username", "email", "fournisseur", "is_staff", "is_active"]
    list_filter = ["is_staff", "is_active", "fournisseur"]
    search_fields = ["username", "email", "fournisseur__denomination", "fournisseur__siret"]
    autocomplete_fields = ["fournisseur"]
    fieldsets = UserAdmin.fieldsets + (("Fournisseur", {"fields": ["fournisseur"]}),)
    add_fieldsets = UserAdmin.add_fieldsets + (("Fournisseur", {"fields": ["fournisseur"]}),)
    add_form_template = "admin/demandes/utilisateur/add_form.html"
    actions = ["envoyer_lien_reinitialisation"]
    DROITS = ["is_superuser", "is_staff", "groups", "user_permissions"]
    DATES = ["last_login", "date_joined"]

    # --- which accounts ------------------------------------------------------------------

    def get_queryset(self, request):
        comptes = super().get_queryset(request)
        if request.user.is_superuser:
            return comptes
        return comptes_fournisseurs(comptes)

    def has_view_permission(self, request, obj=None):
        return super().has_view_permission(request, obj) and (obj is None or peut_gerer(request.user, obj))

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and (obj is None or peut_gerer(request.user, obj))

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and (obj is None or peut_gerer(request.user, obj))

    def _compte_gere_ou_404(self, request, object_id):
        # Django would redirect to the index with « … n'existe pas » ; a plain 404 says no more.
        if not request.user.is_superuser and self.get_object(request, unquote(object_id)) is None:
            raise Http404("Aucun compte fournisseur ne porte cet identifiant.")

    def change_view(self, request, object_id, form_url="", extra_context=None):
        self._compte_gere_ou_404(request, object_id)
        return super().change_view(request, object_id, form_url, extra_context)

    def delete_view(self, request, object_id, extra_context=None):
        self._compte_gere_ou_404(request, object_id)
        return super().delete_view(request, object_id, extra_context)

    def history_view(self, request, object_id, extra_context=None):
        self._compte_gere_ou_404(request, object_id)
        return super().history_view(request, object_id, extra_context)

    @sensitive_post_parameters_m
    def user_change_password(self, request, id, form_url=""):
        # Whoever sets a password can log in as the account: superusers only.
        if not request.user.is_superuser:
            raise PermissionDenied(
                "Seul un superutilisateur définit un mot de passe. Envoyez plutôt un lien de réinitialisation."
            )
        return super().user_change_password(request, id, form_url)

    # --- the forms -----------------------------------------------------------------------

    def get_list_filter(self, request):
        if request.user.is_superuser:
            return super().get_list_filter(request)
        return ["is_active", "fournisseur"]

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if request.user.is_superuser:
            return fieldsets
        if obj is None:
            return [(None, {"classes": ["wide"], "fields": CompteFournisseurCreationForm._meta.fields})]
        return [
            (nom, {**options, "fields": [f for f in options["fields"] if f != "password"]})
            for nom, options in fieldsets
        ]

    def get_form(self, request, obj=None, **kwargs):
        if not request.user.is_superuser:
            kwargs["form"] = CompteFournisseurCreationForm if obj is None else CompteFournisseurForm
        return super().get_form(request, obj, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        # Only a superuser grants rights: a manager who can edit accounts cannot raise his own.
        if request.user.is_superuser:
            return super().get_readonly_fields(request, obj)
        return [*super().get_readonly_fields(request, obj), *self.DROITS, *self.DATES]

    def save_model(self, request, obj, form, change):
        if not peut_gerer(request.user, obj):
            raise PermissionDenied("Seul un superutilisateur crée ou modifie un compte de l'ASP.")
        ancienne_adresse = form.initial.get("email", "") if change else ""
        super().save_model(request, obj, form, change)
        if ancienne_adresse and "email" in form.changed_data and ancienne_adresse != obj.email:
            prevenir_changement_d_adresse(obj, ancienne_adresse, request.user)

    def response_add(self, request, obj, post_url_continue=None):
        if not request.user.is_superuser:
            # Created without a password: the supplier chooses it through the link.
            self._envoyer_liens(request, [obj])
        return super().response_add(request, obj, post_url_continue)

    # --- the reset link ------------------------------------------------------------------

    @admin.action(description="Envoyer un lien de réinitialisation du mot de passe", permissions=["change"])
    def envoyer_lien_reinitialisation(self, request, queryset):
        self._envoyer_liens(request, comptes_par_identifiant(queryset))

    def _envoyer_liens(self, request, comptes):
        envoyes, ignores = envoyer_liens(request, comptes)
        for compte in envoyes:
            self.log_change(request, compte, f"Lien de réinitialisation du mot de passe envoyé à {compte.email}.")
        if envoyes:
            destinataires = ", ".join(f"{compte.username} ({compte.email})" for compte in envoyes)
            self.message_user(
                request, f"Lien de réinitialisation du mot de passe envoyé à : {destinataires}.", messages.SUCCESS
            )
        for compte, raison in ignores:
            self.message_user(request, f"Aucun lien envoyé à {compte.username} : {raison}.", messages.ERROR)

    def get_urls(self):
        return [
            path(
                "<id>/reinitialisation/",
                self.admin_site.admin_view(self.envoyer_lien_view),
                name="demandes_utilisateur_reinitialisation",
            ),
            *super().get_urls(),
        ]

    def envoyer_lien_view(self, request, id):
        """The button « Envoyer un lien de réinitialisation du mot de passe » of an account's page."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        compte = self.get_object(request, unquote(id))
        if compte is None:
            raise Http404("Aucun compte fournisseur ne porte cet identifiant.")
        if not self.has_change_permission(request, compte):
            raise PermissionDenied
        self._envoyer_liens(request, [compte])
        return HttpResponseRedirect(reverse("admin:demandes_utilisateur_change", args=[compte.pk]))


@admin.register(CompteurDossier)
class CompteurDossierAdmin(admin.ModelAdmin):
    """The last dossier number given per couloir, shown and never edited by hand."""

    list_display = ["couloir", "dernier"]
    readonly_fields = ["couloir", "dernier"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class MesDossiersFilter(admin.SimpleListFilter):
    """« Mes dossiers »: the dossiers the logged-in manager took (« M'attribuer »); « Non
    attribués »: those nobody took yet."""

    title = "gestionnaire"
    parameter_name = "attribution"
    MIENS, AUCUN = "miens", "aucun"

    def lookups(self, request, model_admin):
        return [(self.MIENS, "Mes dossiers"), (self.AUCUN, "Non attribués")]

    def queryset(self, request, queryset):
        if self.value() == self.MIENS:
            return queryset.filter(gestionnaire=request.user)
        if self.value() == self.AUCUN:
            return queryset.filter(gestionnaire__isnull=True)
        return queryset


@admin.register(Demande)
class DemandeAdmin(DossierDemandeAdmin, HistoriqueEnLectureSeule):
    # The changelist fits 1280 px (the admin's sidebar of applications and the filters beside it):
    # the columns a manager sorts his work by; the CSV export keeps every column (COLONNES_GESTION).
    list_display = [
        "numero_dossier",
        "badge_statut",
        "montant",
        "denomination",
        "couloir",
        "depot",
        "attente",
        "nom_gestionnaire",
        "badge_paiement",
    ]
    list_filter = [
        "statut",
        "solution__couloir",
        "type_demande",
        MesDossiersFilter,
        "statut_paiement",
        "solution__logiciel",
        "solution__vague",
        ("date_depot", admin.DateFieldListFilter),
    ]
    # Oldest deposit first: the dossier waiting longest is at the top of the manager's list.
    ordering = ["date_depot", "id"]
    search_fields = [
        "numero",
        "numero_editeur",
        "fournisseur__siret",
        "fournisseur__denomination",
        "beneficiaires__identifiant",
        "finess_juridique",
    ]
    list_select_related = ["fournisseur", "solution__couloir", "solution__logiciel", "gestionnaire"]
    # No date_hierarchy: its row of years costs a scan of the whole table on every page (100 ms at
    # 100 000 demandes); the filter « Par date de dépôt » and date_depot__year/__month/__day remain.
    list_per_page = 50
    actions = ["m_attribuer", "passer_en_instruction", "decider", "rejeter", "enregistrer_un_paiement", "exporter_csv"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    # The computed columns of the list, as the CSV export writes them.
    numero_dossier = COLONNES_GESTION["numero_dossier"].affichage_admin()
    couloir = COLONNES_GESTION["couloir"].affichage_admin()
    logiciel = COLONNES_GESTION["logiciel"].affichage_admin()
    vague = COLONNES_GESTION["vague"].affichage_admin()

    # --- the changelist's own columns ----------------------------------------------------

    @admin.display(description="montant HT", ordering="montant_ht")
    def montant(self, demande):
        return formats.montant(demande.montant_ht)

    @admin.display(description="fournisseur", ordering="fournisseur__denomination")
    def denomination(self, demande):
        return demande.fournisseur.denomination

    @admin.display(description="dépôt", ordering="date_depot")
    def depot(self, demande):
        return formats.date_locale(demande.date_depot)

    @admin.display(description="jours d'attente", ordering="-date_depot")
    def attente(self, demande):
        jours = jours_d_attente(demande)
        return "—" if jours is None else jours

    @admin.display(description="gestionnaire", ordering="gestionnaire__username")
    def nom_gestionnaire(self, demande):
        return demande.gestionnaire.username if demande.gestionnaire else "—"

    @admin.display(description="statut", ordering="statut")
    def badge_statut(self, demande):
        return badge_de_statut(demande.statut)

    @admin.display(description="statut du dernier paiement", ordering="statut_paiement")
    def badge_paiement(self, demande):
        return badge_de_paiement(demande.statut_paiement) or self.get_empty_value_display()

    class Media:
        css = {"all": ["css/admin-statuts.css"]}

    # --- actions ---------------------------------------------------------------------

    def _compte_rendu(self, request, faites, refusees, compte_rendu):
        if faites:
            self.message_user(request, compte_rendu.format(n=len(faites)), messages.SUCCESS)
        for demande, raison in refusees:
            self.message_user(request, f"{demande.numero_dossier} refusée : {raison}.", messages.ERROR)

    def _transition(self, request, queryset, transition, motif=""):
        faites, refusees = services.changer_statut(
            demandes_avec_solution(queryset), transition=transition, utilisateur=request.user, motif=motif
        )
        self._compte_rendu(request, faites, refusees, services.TRANSITIONS[transition].compte_rendu)

    def _peut_instruire(self, request):
        return request.user.has_perm("demandes.instruire_demande")

    @admin.action(description="M'attribuer", permissions=["instruire"])
    def m_attribuer(self, request, queryset):
        resultat = services.attribuer(queryset, utilisateur=request.user)
        if resultat.prises:
            numeros = ", ".join(demande.numero_dossier for demande, _ in resultat.prises)
            self.message_user(
                request, f"{len(resultat.prises)} dossier(s) vous sont attribués : {numeros}.", messages.SUCCESS
            )
        for demande, precedent in resultat.prises:
            if precedent is not None:
                self.message_user(
                    request,
                    f"{demande.numero_dossier} était attribué à {precedent.username} : il vous est maintenant "
                    "attribué.",
                    messages.WARNING,
                )
        if resultat.deja:
            numeros = ", ".join(demande.numero_dossier for demande in resultat.deja)
            self.message_user(request, f"Déjà attribué(s) à vous : {numeros}.", messages.INFO)
        for demande, raison in resultat.refusees:
            self.message_user(request, f"{demande.numero_dossier} non attribué : {raison}.", messages.ERROR)

    @admin.action(description="Passer en instruction", permissions=["instruire"])
    def passer_en_instruction(self, request, queryset):
        self._transition(request, queryset, "instruction")

    @admin.action(description="Décider (favorable)", permissions=["instruire"])
    def decider(self, request, queryset):
        self._transition(request, queryset, "decision")

    @admin.action(description="Rejeter (avec un motif)", permissions=["instruire"])
    def rejeter(self, request, queryset):
        form = MotifRejetForm(request.POST if "confirmer" in request.POST else None)
        if form.is_valid():
            self._transition(request, queryset, "rejet", motif=form.cleaned_data["motif"])
            return None
        return self._page_action(request, queryset, form, "rejeter", "Rejeter des demandes")

    @admin.action(description="Enregistrer un paiement", permissions=["enregistrer_paiement"])
    def enregistrer_un_paiement(self, request, queryset):
        form = PaiementForm(
            request.POST if "confirmer" in request.POST else None,
            initial={"date_paiement": timezone.localdate(), "statut": StatutPaiement.EN_COURS},
        )
        if form.is_valid():
            faites, refusees = services.enregistrer_paiement(
                queryset,
                montant=form.cleaned_data["montant"],
                date_paiement=form.cleaned_data["date_paiement"],
                statut=form.cleaned_data["statut"],
                utilisateur=request.user,
            )
            self._compte_rendu(request, faites, refusees, "Paiement enregistré pour {n} demande(s).")
            return None
        return self._page_action(request, queryset, form, "enregistrer_un_paiement", "Enregistrer un paiement")

    def has_instruire_permission(self, request):
        return self._peut_instruire(request)

    def has_enregistrer_paiement_permission(self, request):
        return request.user.has_perm("demandes.enregistrer_paiement")

    def _page_action(self, request, queryset, form, action, titre):
        return TemplateResponse(
            request,
            "admin/demandes/demande/action.html",
            {
                **self.admin_site.each_context(request),
                "title": titre,
                "form": form,
                "action": action,
                "demandes": demandes_avec_fournisseur(queryset),
                "opts": self.model._meta,
                "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
            },
        )

    @admin.action(description="Exporter la sélection (CSV)")
    def exporter_csv(self, request, queryset):
        return exporter_csv_gestion(queryset)

    def get_search_results(self, request, queryset, search_term):
        # The dossier number is shown with its version (FINMDV000002M0) but stored without it.
        termes = [numero_dossier.partie_recherchee(terme) for terme in search_term.split()]
        return super().get_search_results(request, queryset, " ".join(termes))

    def get_urls(self):
        return [
            path("exporter/", self.admin_site.admin_view(self.exporter_liste), name="demandes_demande_exporter"),
            *super().get_urls(),
        ]

    def exporter_liste(self, request):
        """The whole filtered list of the changelist (same filters and search), as CSV."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        try:
            liste = self.get_changelist_instance(request)
        except (IncorrectLookupParameters, ValidationError, ValueError):
            self.message_user(request, "Filtres invalides : la liste n'a pas pu être exportée.", messages.ERROR)
            return HttpResponseRedirect(reverse("admin:demandes_demande_changelist"))
        return exporter_csv_gestion(liste.get_queryset(request))


def exporter_csv_gestion(queryset):
    return COLONNES_GESTION.reponse_csv(
        "demandes-gestion.csv", demandes_a_exporter(queryset, COLONNES_GESTION.champs_csv())
    )


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    """The e-mail notifications, for support (superusers only): what was sent to whom, when, and
    why a mail did not leave. Nothing is editable: a notification is the record of a sent message."""

    list_display = ["date_creation", "destinataire", "nature", "sujet", "date_envoi", "nb_tentatives"]
    list_filter = ["nature", ("date_envoi", admin.EmptyFieldListFilter)]
    search_fields = ["destinataire__username", "destinataire__email", "sujet", "cle"]
    list_select_related = ["destinataire"]
    date_hierarchy = "date_creation"
    fields = readonly_fields = [
        "destinataire",
        "nature",
        "cle",
        "sujet",
        "corps",
        "date_creation",
        "date_envoi",
        "nb_tentatives",
        "derniere_erreur",
    ]

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class EtatJetonFilter(admin.SimpleListFilter):
    title = "état"
    parameter_name = "etat"

    def lookups(self, request, model_admin):
        return list(ETATS_JETON.items())

    def queryset(self, request, queryset):
        return jetons_par_etat(queryset, self.value()) if self.value() else queryset


@admin.register(JetonAPI)
class JetonAPIAdmin(admin.ModelAdmin):
    """The suppliers' API tokens, for the ASP managers: every supplier's, read-only, with the action
    « Révoquer » (demandes.jetons.revoquer). A token is created by its user only (page « Accès API »
    or `manage.py jeton_api`); nothing of it is edited or deleted here, and its digest is not shown."""

    list_display = [
        "utilisateur",
        "fournisseur",
        "nom",
        "debut",
        "date_creation",
        "date_expiration",
        "derniere_utilisation",
        "etat",
    ]
    list_filter = [
        EtatJetonFilter,
        "utilisateur__fournisseur",
        ("date_derniere_utilisation", admin.EmptyFieldListFilter),
    ]
    search_fields = [
        "nom",
        "prefixe",
        "utilisateur__username",
        "utilisateur__fournisseur__denomination",
        "utilisateur__fournisseur__siret",
    ]
    list_select_related = ["utilisateur__fournisseur", "revoque_par"]
    fields = readonly_fields = [
        "utilisateur",
        "fournisseur",
        "nom",
        "debut",
        "date_creation",
        "date_expiration",
        "derniere_utilisation",
        "etat",
        "revoque_par",
    ]
    actions = ["revoquer"]

    @admin.display(description="fournisseur", ordering="utilisateur__fournisseur__denomination")
    def fournisseur(self, jeton):
        return jeton.utilisateur.fournisseur.denomination if jeton.utilisateur.fournisseur else "—"

    @admin.display(description="début du jeton", ordering="prefixe")
    def debut(self, jeton):
        return f"{jeton.prefixe}…"

    @admin.display(description="dernière utilisation", ordering="date_derniere_utilisation")
    def derniere_utilisation(self, jeton):
        if jeton.date_derniere_utilisation is None:
            return "jamais"
        return f"{timezone.localtime(jeton.date_derniere_utilisation):%d/%m/%Y %H:%M}"

    @admin.display(description="état")
    def etat(self, jeton):
        return jeton.etat

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        # The change permission is the right to revoke (the action); a token's page stays read-only.
        return obj is None and super().has_change_permission(request)

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description="Révoquer", permissions=["change"])
    def revoquer(self, request, queryset):
        revoques, deja = [], []
        for jeton in queryset.select_related("utilisateur"):
            (revoques if jetons.revoquer(jeton, par=request.user) else deja).append(jeton)
        for jeton in revoques:
            self.log_change(request, jeton, "Jeton révoqué.")
        if revoques:
            noms = ", ".join(f"« {jeton.nom} » de {jeton.utilisateur.username}" for jeton in revoques)
            self.message_user(
                request,
                f"{len(revoques)} jeton(s) révoqué(s) : {noms}. Ils sont refusés dès maintenant.",
                messages.SUCCESS,
            )
        if deja:
            noms = ", ".join(f"« {jeton.nom} » de {jeton.utilisateur.username}" for jeton in deja)
            self.message_user(request, f"Déjà révoqué(s) : {noms}.", messages.INFO)


# The instruction of the requests for access and the suppliers' bank details (« Coordonnées
# bancaires »): each registers its ModelAdmin.
from .enrolement import admin_coordonnees, admin_instruction  # noqa: E402, F401
