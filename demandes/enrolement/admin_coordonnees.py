"""The admin « Coordonnées bancaires » of the ASP managers: the suppliers' bank details, the changes
waiting for validation first; a change's page, read-only, shows the RIB (download), the validated
details beside the requested ones and the two decisions « Valider les nouvelles coordonnées » and
« Refuser » (motif required), each on its own URL, answering to POST only (services in
demandes.enrolement.coordonnees). Nothing is added, edited or deleted here. Loaded by demandes/admin.py."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Case, IntegerField, Value, When
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from simple_history.admin import SimpleHistoryAdmin

from ..models import CoordonneesBancaires
from . import coordonnees as services
from .bancaire import iban_lisible, reponse_rib

Statut = CoordonneesBancaires.Statut


class MotifRefusForm(forms.Form):
    motif = forms.CharField(
        label="Motif du refus (communiqué au fournisseur)",
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": services.MOTIF_REFUS_OBLIGATOIRE},
    )


@admin.register(CoordonneesBancaires)
class CoordonneesBancairesAdmin(SimpleHistoryAdmin):
    list_display = [
        "fournisseur",
        "iban_affiche",
        "bic",
        "statut",
        "date_demande",
        "demandees_par",
        "date_instruction",
        "instruites_par",
    ]
    list_filter = ["statut"]
    search_fields = ["fournisseur__denomination", "fournisseur__siret", "iban"]
    list_select_related = ["fournisseur", "demandees_par", "instruites_par"]
    page_template = "admin/demandes/coordonneesbancaires/coordonnees.html"

    @admin.display(description="IBAN", ordering="iban")
    def iban_affiche(self, coordonnees):
        return iban_lisible(coordonnees.iban)

    def get_queryset(self, request):
        # The changes waiting for a decision first, then the newest (get_ordering): the admin's own
        # get_queryset would order before the annotation exists.
        attente = Case(When(statut=Statut.EN_ATTENTE, then=Value(0)), default=Value(1), output_field=IntegerField())
        return self.model._default_manager.annotate(_attente=attente).order_by(*self.get_ordering(request))

    def get_ordering(self, request):
        return ["_attente", "-date_demande", "-id"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        # The history is shown, never replayed (an old version saved back would bypass the decisions).
        if request.method == "POST":
            raise PermissionDenied("L'historique est consultable, pas restaurable.")
        return super().history_form_view(request, object_id, version_id, extra_context)

    def get_urls(self):
        vue = self.admin_site.admin_view
        return [
            path("<path:object_id>/rib/", vue(self.rib_view), name="demandes_coordonneesbancaires_rib"),
            path("<path:object_id>/valider/", vue(self.valider_view), name="demandes_coordonneesbancaires_valider"),
            path("<path:object_id>/refuser/", vue(self.refuser_view), name="demandes_coordonneesbancaires_refuser"),
            *super().get_urls(),
        ]

    # --- the page ------------------------------------------------------------------------------

    def _objet(self, request, object_id) -> CoordonneesBancaires:
        try:  # an identifier that is not one is no row: 404, not 500
            pk = self.model._meta.pk.to_python(unquote(object_id))
        except ValidationError:
            pk = None
        objet = (
            self.get_queryset(request).select_related("fournisseur").filter(pk=pk).first() if pk is not None else None
        )
        if objet is None:
            raise Http404("Aucunes coordonnées bancaires ne portent cet identifiant.")
        if not self.has_view_or_change_permission(request, objet):
            raise PermissionDenied
        return objet

    def change_view(self, request, object_id, form_url="", extra_context=None):
        """Read-only: nothing is ever posted to it (the decisions have their own URLs)."""
        if request.method not in ("GET", "HEAD"):
            return HttpResponseNotAllowed(["GET"])
        return self._page(request, self._objet(request, object_id))

    def _page(self, request, objet, *, refus=None, status=200):
        decider = objet.statut == Statut.EN_ATTENTE and self.has_change_permission(request, objet)
        validees = services.coordonnees_validees(objet.fournisseur)
        contexte = {
            **self.admin_site.each_context(request),
            "title": f"Coordonnées bancaires de {objet.fournisseur.denomination} — {objet.get_statut_display()}",
            "opts": self.model._meta,
            "app_label": self.model._meta.app_label,
            "original": objet,
            "objet": objet,
            "iban": iban_lisible(objet.iban),
            "validees": validees if validees and validees.pk != objet.pk else None,
            "iban_valide": iban_lisible(validees.iban) if validees else "",
            "decider": decider,
            "form_refus": refus or MotifRefusForm(use_required_attribute=False),
            "has_view_permission": True,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, self.page_template, contexte, status=status)

    def _retour(self, objet) -> HttpResponseRedirect:
        return HttpResponseRedirect(reverse("admin:demandes_coordonneesbancaires_change", args=[objet.pk]))

    def rib_view(self, request, object_id):
        """The RIB as sent, downloaded (never shown inline: a file of the supplier's)."""
        objet = self._objet(request, object_id)
        return reponse_rib(objet.rib, objet.fournisseur.siret)

    # --- the decisions ---------------------------------------------------------------------------

    def _decision(self, request, object_id):
        if request.method != "POST":
            return None, HttpResponseNotAllowed(["POST"])
        objet = self._objet(request, object_id)
        if not self.has_change_permission(request, objet):
            raise PermissionDenied("Vous n'avez pas le droit de valider ou refuser des coordonnées bancaires.")
        return objet, None

    def _prevenir(self, request, objet):
        if not services.prevenir_les_administrateurs(objet):
            self.message_user(
                request,
                "Le courriel qui informe le fournisseur n'a pas pu être envoyé : la décision est enregistrée, "
                "prévenez-le autrement.",
                messages.WARNING,
            )

    def valider_view(self, request, object_id):
        objet, refus = self._decision(request, object_id)
        if refus:
            return refus
        try:
            objet = services.valider(objet, par=request.user)
        except services.CoordonneesRefusees as erreur:
            self.message_user(request, str(erreur), messages.ERROR)
            return self._retour(objet)
        self.log_change(request, objet, "Coordonnées bancaires validées.")
        self.message_user(
            request,
            f"Les nouvelles coordonnées bancaires de {objet.fournisseur.denomination} sont validées : "
            "les prochains paiements les utilisent.",
            messages.SUCCESS,
        )
        self._prevenir(request, objet)
        return self._retour(objet)

    def refuser_view(self, request, object_id):
        objet, refus = self._decision(request, object_id)
        if refus:
            return refus
        form = MotifRefusForm(request.POST, use_required_attribute=False)
        if not form.is_valid():
            return self._page(request, objet, refus=form)
        try:
            objet = services.refuser(objet, par=request.user, motif=form.cleaned_data["motif"])
        except services.CoordonneesRefusees as erreur:
            self.message_user(request, str(erreur), messages.ERROR)
            return self._retour(objet)
        self.log_change(request, objet, "Coordonnées bancaires refusées.")
        self.message_user(
            request,
            f"Les nouvelles coordonnées bancaires de {objet.fournisseur.denomination} sont refusées ; "
            "le motif est communiqué au fournisseur.",
            messages.SUCCESS,
        )
        self._prevenir(request, objet)
        return self._retour(objet)
