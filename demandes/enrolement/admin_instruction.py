"""The managers' admin « Demandes d'enrôlement »: the list of the requests for access (the ones to
check first), and the page of one request, read-only — the vendor's data is never edited by a
manager — with the side-by-side check of each claimed numéro ANS against the référentiel ANS, the
bank details in full with the RIB, the history, and the decisions its status allows (« Valider la
demande », « Demander un complément », « Refuser la demande »: demandes.enrolement.instruction),
each confirmed on the page and posted to its own URL.

Loaded by the last line of demandes/admin.py (this module does not import demandes.admin: the
sibling modules of demandes stay without a cycle)."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Case, IntegerField, Value, When
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from segur_portal.fichiers import nom_affichable

from .. import comptes
from ..models import DemandeEnrolement, Fournisseur
from ..templatetags.statuts import badge
from . import instruction, selectors
from .bancaire import iban_lisible, reponse_rib

Statut = DemandeEnrolement.Statut

# The order of the list: what waits for a manager first, then what waits for the vendor, then what
# is decided. Within a status, the oldest request first.
RANG_STATUT = {
    Statut.A_VERIFIER: 0,
    Statut.COMPLEMENT_DEMANDE: 1,
    Statut.ADRESSE_A_CONFIRMER: 2,
    Statut.VALIDEE: 3,
    Statut.REFUSEE: 3,
}
COULEUR_STATUT = {
    Statut.ADRESSE_A_CONFIRMER: "",
    Statut.A_VERIFIER: "new",
    Statut.COMPLEMENT_DEMANDE: "warning",
    Statut.VALIDEE: "success",
    Statut.REFUSEE: "error",
}
LIBELLES = {
    "valider": "Valider la demande",
    "complement": "Demander un complément",
    "refuser": "Refuser la demande",
}


def badge_enrolement(statut: str):
    return badge(Statut(statut).label, COULEUR_STATUT[Statut(statut)])


def historique(demande: DemandeEnrolement) -> list[dict]:
    """The request's history, oldest first: when, who, the status it reached, why, and the
    manager's words to the vendor when the step was a refusal or a complément asked for."""
    etapes = []
    for version in demande.history.select_related("history_user").order_by("history_date", "history_id"):
        a_motif = version.statut in (Statut.REFUSEE, Statut.COMPLEMENT_DEMANDE)
        etapes.append(
            {
                "date": version.history_date,
                "auteur": version.history_user,
                "statut": Statut(version.statut).label,
                "raison": version.history_change_reason or ("Création" if version.history_type == "+" else ""),
                "motif": version.motif if a_motif else "",
            }
        )
    return etapes


class MotifRefusForm(forms.Form):
    motif = forms.CharField(
        label="Motif du refus (envoyé au demandeur)",
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": instruction.MOTIF_OBLIGATOIRE},
    )


class ComplementForm(forms.Form):
    message = forms.CharField(
        label="Message au demandeur : ce qu'il doit corriger ou compléter",
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": instruction.MESSAGE_OBLIGATOIRE},
    )


FORMULAIRES = {"refuser": MotifRefusForm, "complement": ComplementForm}


def formulaire(decision: str, donnees=None) -> forms.Form:
    # The server's French messages, the same in every browser (no « required » attribute).
    return FORMULAIRES[decision](donnees, use_required_attribute=False, auto_id=f"id_{decision}_%s")


@admin.register(DemandeEnrolement)
class DemandeEnrolementAdmin(admin.ModelAdmin):
    list_display = [
        "denomination",
        "siret",
        "contact",
        "numeros",
        "badge_statut",
        "date_creation",
        "date_confirmation",
        "instruite_par",
    ]
    list_filter = ["statut"]
    search_fields = ["siret", "denomination", "contact_email"]
    list_select_related = ["instruite_par"]
    list_per_page = 50
    page_template = "admin/demandes/demandeenrolement/instruction.html"

    class Media:
        css = {"all": ["css/admin-statuts.css"]}

    # --- rights: nobody adds a request by hand (it comes from the public form) -----------------

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        # A superuser only (support); a manager decides, he never deletes.
        return request.user.is_superuser and super().has_delete_permission(request, obj)

    # --- the list ---------------------------------------------------------------------------------

    def get_queryset(self, request):
        # The rank annotated before ordering by it (ModelAdmin.get_queryset orders first).
        return self.model._default_manager.annotate(
            rang_statut=Case(
                *(When(statut=statut, then=Value(rang)) for statut, rang in RANG_STATUT.items()),
                default=Value(9),
                output_field=IntegerField(),
            )
        ).order_by(*self.get_ordering(request))

    def get_ordering(self, request):
        return ["rang_statut", "date_creation"]

    @admin.display(description="contact", ordering="contact_nom")
    def contact(self, demande):
        return format_html("{} {}<br>{}", demande.contact_prenom, demande.contact_nom, demande.contact_email)

    @admin.display(description="numéros ANS")
    def numeros(self, demande):
        return ", ".join(demande.numeros_ans) or "—"

    @admin.display(description="statut", ordering="rang_statut")
    def badge_statut(self, demande):
        return badge_enrolement(demande.statut)

    # --- the page of a request --------------------------------------------------------------------

    def get_urls(self):
        vue = self.admin_site.admin_view
        return [
            path(
                "<path:object_id>/decision/<str:decision>/",
                vue(self.decision_view),
                name="demandes_demandeenrolement_decision",
            ),
            path("<path:object_id>/rib/", vue(self.rib_view), name="demandes_demandeenrolement_rib"),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        """The request, read-only: nothing is ever posted to it (decisions have their own URLs)."""
        if request.method not in ("GET", "HEAD"):
            return HttpResponseNotAllowed(["GET"])
        return self._page(request, self._demande(request, object_id))

    def _demande(self, request, object_id) -> DemandeEnrolement:
        try:  # « abc » typed in the address is no request: 404, not 500
            pk = self.model._meta.pk.to_python(unquote(object_id))
        except ValidationError:
            pk = None
        demande = self.get_queryset(request).select_related("instruite_par", "fournisseur", "utilisateur")
        demande = demande.filter(pk=pk).first() if pk is not None else None
        if demande is None:
            raise Http404("Aucune demande d'enrôlement ne porte cet identifiant.")
        if not self.has_view_or_change_permission(request, demande):
            raise PermissionDenied
        return demande

    def _page(self, request, demande, *, refuser=None, complement=None, status=200):
        peut_instruire = self.has_change_permission(request, demande)
        situations = selectors.situation_des_numeros(demande.siret, demande.numeros_ans)
        decisions = instruction.decisions_possibles(demande) if peut_instruire else []
        contexte = {
            **self.admin_site.each_context(request),
            "title": f"Demande d'enrôlement de {demande.denomination} — {demande.get_statut_display()}",
            "opts": self.model._meta,
            "app_label": self.model._meta.app_label,
            "original": demande,
            "demande": demande,
            "badge": badge_enrolement(demande.statut),
            "has_view_permission": True,
            "peut_instruire": peut_instruire,
            "decisions": decisions,
            "libelles": LIBELLES,
            "form_refuser": refuser or formulaire("refuser"),
            "form_complement": complement or formulaire("complement"),
            "en_erreur": any(form is not None and form.errors for form in (refuser, complement)),
            "situations": situations,
            "anomalies": [situation for situation in situations if not situation.conforme],
            "fournisseur_existant": Fournisseur.objects.filter(siret=demande.siret).first(),
            "deja_enrole": selectors.siret_deja_enrole(demande.siret),
            "iban": iban_lisible(demande.iban),
            "nom_rib": nom_affichable(demande.rib.name) if demande.rib else "",
            "historique": historique(demande),
            "validite_activation": comptes.jours_de_validite_des_liens(),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, self.page_template, contexte, status=status)

    def _retour(self, demande) -> HttpResponseRedirect:
        return HttpResponseRedirect(reverse("admin:demandes_demandeenrolement_change", args=[demande.pk]))

    def rib_view(self, request, object_id):
        """The RIB the vendor sent, downloaded (never shown inline: a file from outside)."""
        demande = self._demande(request, object_id)
        try:
            return reponse_rib(demande.rib, demande.siret)
        except Http404:
            self.message_user(
                request,
                "Le RIB de cette demande est introuvable dans le stockage du portail : il ne peut pas être "
                "téléchargé. Demandez au demandeur de le joindre de nouveau (« Demander un complément »).",
                messages.ERROR,
            )
            return self._retour(demande)

    # --- the decisions ----------------------------------------------------------------------------

    def decision_view(self, request, object_id, decision):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if decision not in LIBELLES:
            raise Http404("Décision inconnue.")
        demande = self._demande(request, object_id)
        if not self.has_change_permission(request, demande):
            raise PermissionDenied("Vous n'avez pas le droit d'instruire les demandes d'enrôlement.")
        if decision not in instruction.decisions_possibles(demande):
            self._refusee(request, decision, f"la demande est « {demande.get_statut_display()} »")
            return self._retour(demande)
        if decision == "valider":
            return self._valider(request, demande)
        form = formulaire(decision, request.POST)
        if not form.is_valid():
            return self._page(request, demande, **{decision: form})
        try:
            if decision == "refuser":
                instruction.refuser(demande, par=request.user, motif=form.cleaned_data["motif"])
            else:
                instruction.demander_complement(demande, par=request.user, message=form.cleaned_data["message"])
        except ValidationError as erreur:
            for message in erreur.messages:
                self._refusee(request, decision, message)
            return self._retour(demande)
        if decision == "refuser":
            self.log_change(request, demande, "Demande refusée.")
            self._prevenu(
                request,
                instruction.envoyer_courriel_refus(demande),
                succes=f"Demande refusée : le motif a été envoyé à {demande.contact_email}.",
                echec=f"Demande refusée, mais le courriel n'a pas pu être envoyé à {demande.contact_email} : "
                "faites connaître le motif au demandeur par un autre moyen.",
            )
        else:
            self.log_change(request, demande, "Complément demandé.")
            self._prevenu(
                request,
                instruction.envoyer_courriel_complement(demande),
                succes=f"Complément demandé : votre message et le lien pour compléter la demande ont été "
                f"envoyés à {demande.contact_email}.",
                echec=f"Complément demandé, mais le courriel n'a pas pu être envoyé à {demande.contact_email} : "
                f"transmettez-lui votre message et ce lien, qui lui permet de compléter sa demande : "
                f"{instruction.lien_complement(demande)}",
            )
        return self._retour(demande)

    def _refusee(self, request, decision, raison):
        self.message_user(request, f"« {LIBELLES[decision]} » n'a pas été appliqué : {raison}", messages.ERROR)

    def _prevenu(self, request, envoye: bool, *, succes: str, echec: str):
        self.message_user(request, succes if envoye else echec, messages.SUCCESS if envoye else messages.WARNING)

    def _valider(self, request, demande):
        try:
            compte = instruction.valider(demande, par=request.user)
        except ValidationError as erreur:
            for message in erreur.messages:
                self._refusee(request, "valider", message)
            return self._retour(demande)
        self.log_change(request, demande, "Demande validée.")
        nombre = demande.fournisseur.solutions.count()
        debut = (
            f"Demande validée : {demande.fournisseur.denomination} (SIRET {demande.siret}) est enrôlé sur le "
            f"portail avec {nombre} solution{'s' if nombre > 1 else ''} ; son administrateur a le compte "
            f"« {compte.username} »."
        )
        envoyes, ignores = comptes.envoyer_liens(request, [compte], nature="activation")
        if envoyes:
            jours = comptes.jours_de_validite_des_liens()
            self.message_user(
                request,
                f"{debut} Le lien d'activation a été envoyé à {compte.email} (valable {jours} jours).",
                messages.SUCCESS,
            )
        else:
            raison = ignores[0][1] if ignores else "l'envoi a échoué"
            self.message_user(
                request,
                format_html(
                    "{} Le lien d'activation n'a pas été envoyé à {} ({}) : ouvrez le compte "
                    '<a href="{}">{}</a> et utilisez « Envoyer un lien de réinitialisation du mot de passe ».',
                    debut,
                    compte.email,
                    raison,
                    reverse("admin:demandes_utilisateur_change", args=[compte.pk]),
                    compte.username,
                ),
                messages.WARNING,
            )
        return self._retour(demande)
