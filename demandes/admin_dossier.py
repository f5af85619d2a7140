"""The dossier page of the managers' admin: one demande, read-only, with the decisions a manager may
take from its current status on the page itself (demandes.services.TRANSITIONS, the same services as
the changelist's bulk actions) and its readable history.

`DossierDemandeAdmin` is a mixin of `DemandeAdmin` (demandes/admin.py): it replaces the admin's
change form (no field, no « Enregistrer ») by the template admin/demandes/demande/dossier.html and
adds the decision endpoints, which answer only to POST and redirect back to the dossier."""

from decimal import Decimal

from django import forms
from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import prefetch_related_objects
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone

from . import services
from .models import Demande
from .selectors import complements_de_la_demande, dossier_pour_gestion, historique_du_dossier, ligne_deposee
from .valeurs import StatutDemande, StatutPaiement


class MotifRejetForm(forms.Form):
    motif = forms.CharField(
        label="Motif du rejet (affiché au fournisseur)",
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "Le motif du rejet est obligatoire."},
    )


class ComplementsForm(forms.Form):
    motif = forms.CharField(
        label="Message au fournisseur : pièces manquantes ou à remplacer, et pourquoi",
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": services.MOTIF_OBLIGATOIRE["complements"]},
    )


# The forms of the decisions that carry a text for the supplier (posted as « motif »).
FORMULAIRES_MOTIF = {"rejet": MotifRejetForm, "complements": ComplementsForm}


class PaiementForm(forms.Form):
    montant = forms.DecimalField(label="Montant (€)", max_digits=12, decimal_places=2, min_value=Decimal("0.01"))
    date_paiement = forms.DateField(
        label="Date du paiement", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    statut = forms.ChoiceField(label="Statut", choices=StatutPaiement.choices)


# The buttons of the decision bar, in the order of the instruction: (transition, label).
BOUTONS = [("instruction", "Passer en instruction"), ("decision", "Décider")]
LIBELLES = {**dict(BOUTONS), "rejet": "Rejeter", "complements": "Demander des compléments"}

MESSAGE_CONCURRENCE = (
    "Le dossier a changé depuis l'affichage de la page (un autre gestionnaire a pu agir) : "
    "vérifiez son statut ci-dessous."
)


def formulaire_de_paiement(donnees=None) -> PaiementForm:
    return PaiementForm(
        donnees,
        initial={"date_paiement": timezone.localdate(), "statut": StatutPaiement.EN_COURS},
        use_required_attribute=False,  # the server's French messages, the same in every browser
    )


class DossierDemandeAdmin:
    """The dossier page and its decisions (mixed into DemandeAdmin, before the ModelAdmin)."""

    dossier_template = "admin/demandes/demande/dossier.html"

    def get_urls(self):
        vue = self.admin_site.admin_view
        return [
            path(
                "<path:object_id>/decision/<str:transition>/",
                vue(self.decision_view),
                name="demandes_demande_decision",
            ),
            path("<path:object_id>/paiement/", vue(self.paiement_view), name="demandes_demande_paiement"),
            *super().get_urls(),
        ]

    def get_readonly_fields(self, request, obj=None):
        # Nothing of a demande is edited in the admin, not even through the history's old versions
        # (simple_history's form of a version): the content is the supplier's, decisions are services.
        return [champ.name for champ in self.model._meta.concrete_fields]

    # --- the page --------------------------------------------------------------------------

    def change_view(self, request, object_id, form_url="", extra_context=None):
        """The dossier, read-only: nothing is ever posted to it (decisions have their own URLs)."""
        if request.method not in ("GET", "HEAD"):
            return HttpResponseNotAllowed(["GET"])
        return self._page(request, self._dossier(request, object_id))

    def _dossier(self, request, object_id) -> Demande:
        try:  # an identifier that is not one (« abc » typed in the address) is no demande: 404, not 500
            pk = self.model._meta.pk.to_python(unquote(object_id))
        except ValidationError:
            pk = None
        demande = dossier_pour_gestion(self.get_queryset(request), pk) if pk is not None else None
        if demande is None:
            raise Http404("Aucune demande ne porte cet identifiant.")
        if not self.has_view_or_change_permission(request, demande):
            raise PermissionDenied
        return demande

    def _decisions_possibles(self, request, demande):
        """What the decision bar offers: the transitions allowed from the status (and the user's rights)."""
        instruire = self.has_instruire_permission(request)
        boutons = [
            (nom, libelle)
            for nom, libelle in BOUTONS
            if instruire and demande.statut in services.TRANSITIONS[nom].depuis
        ]
        rejeter = instruire and demande.statut in services.TRANSITIONS["rejet"].depuis
        completer = instruire and demande.statut in services.TRANSITIONS["complements"].depuis
        payer = self.has_enregistrer_paiement_permission(request) and demande.statut == StatutDemande.DECIDEE
        return boutons, rejeter, completer, payer

    def _page(self, request, demande, *, rejet=None, complements=None, paiement=None, status=200):
        boutons, rejeter, completer, payer = self._decisions_possibles(request, demande)
        pieces = [
            (piece, next(iter(piece.receptions.all()), None))  # prefetched, latest zip first
            for piece in demande.pieces_attendues.all()
        ]
        titre = f"Demande {demande.numero_dossier} — {demande.get_statut_display()}"
        # The account each payment went to (its masked IBAN), in one query for them all.
        paiements = list(demande.paiements.all())
        prefetch_related_objects(paiements, "coordonnees_bancaires")
        contexte = {
            **self.admin_site.each_context(request),
            "title": titre,
            "opts": self.model._meta,
            "app_label": self.model._meta.app_label,
            "original": demande,
            "demande": demande,
            "has_view_permission": True,
            "boutons": boutons,
            "rejeter": rejeter,
            "completer": completer,
            "payer": payer,
            "droit_de_decider": self.has_instruire_permission(request)
            or self.has_enregistrer_paiement_permission(request),
            "form_rejet": rejet or MotifRejetForm(use_required_attribute=False, auto_id="id_rejet_%s"),
            "form_complements": complements
            or ComplementsForm(use_required_attribute=False, auto_id="id_complements_%s"),
            "form_paiement": paiement or formulaire_de_paiement(),
            "en_erreur": any(form is not None and form.errors for form in (rejet, complements, paiement)),
            "complements": complements_de_la_demande(demande),
            "pieces": pieces,
            "paiements": paiements,
            "beneficiaires": list(demande.beneficiaires.all()),
            "scenario": [
                (cle, "oui" if valeur is True else "non" if valeur is False else valeur or "—")
                for cle, valeur in demande.scenario.items()
            ],
            "ligne_deposee": ligne_deposee(demande),
            "historique": historique_du_dossier(demande),
            "voir_import": request.user.has_perm("imports.view_import"),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, self.dossier_template, contexte, status=status)

    def _retour(self, demande) -> HttpResponseRedirect:
        return HttpResponseRedirect(reverse("admin:demandes_demande_change", args=[demande.pk]))

    # --- the decisions ---------------------------------------------------------------------

    def decision_view(self, request, object_id, transition):
        """« Passer en instruction », « Décider », « Rejeter », « Demander des compléments » of the
        dossier page."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if transition not in services.TRANSITIONS:
            raise Http404("Décision inconnue.")
        demande = self._dossier(request, object_id)
        if not self.has_instruire_permission(request):
            raise PermissionDenied("Vous n'avez pas le droit de décider des demandes.")
        motif = ""
        if transition in FORMULAIRES_MOTIF:
            form = FORMULAIRES_MOTIF[transition](
                request.POST, use_required_attribute=False, auto_id=f"id_{transition}_%s"
            )
            if not form.is_valid():
                return self._page(request, demande, **{transition: form})
            motif = form.cleaned_data["motif"]
        faites, refusees = services.changer_statut(
            Demande.objects.filter(pk=demande.pk),
            transition=transition,
            utilisateur=request.user,
            motif=motif,
            # The status the page showed: if another manager changed it meanwhile, nothing is done,
            # even when the new status would allow this decision too.
            statut_vu=request.POST.get("statut_vu") or None,
        )
        if faites:
            self.message_user(
                request,
                f"Demande {demande.numero_dossier} {services.TRANSITIONS[transition].verbe}.",
                messages.SUCCESS,
            )
        for _, raison in refusees:
            self.message_user(
                request,
                f"« {LIBELLES[transition]} » n'a pas été appliqué : {raison}. {MESSAGE_CONCURRENCE}",
                messages.ERROR,
            )
        return self._retour(demande)

    def paiement_view(self, request, object_id):
        """« Enregistrer un paiement » of the dossier page."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        demande = self._dossier(request, object_id)
        if not self.has_enregistrer_paiement_permission(request):
            raise PermissionDenied("Vous n'avez pas le droit d'enregistrer un paiement.")
        form = formulaire_de_paiement(request.POST)
        if not form.is_valid():
            return self._page(request, demande, paiement=form)
        faites, refusees = services.enregistrer_paiement(
            Demande.objects.filter(pk=demande.pk),
            montant=form.cleaned_data["montant"],
            date_paiement=form.cleaned_data["date_paiement"],
            statut=form.cleaned_data["statut"],
            utilisateur=request.user,
        )
        if faites:
            self.message_user(
                request,
                f"Paiement enregistré pour la demande {demande.numero_dossier} "
                f"({StatutPaiement(form.cleaned_data['statut']).label.lower()}).",
                messages.SUCCESS,
            )
        for refusee, raison in refusees:
            # Refused for its status: the page showed « Décidée », someone changed it since.
            suite = f" {MESSAGE_CONCURRENCE}" if refusee.statut != StatutDemande.DECIDEE else ""
            self.message_user(request, f"Le paiement n'a pas été enregistré : {raison}.{suite}", messages.ERROR)
        return self._retour(demande)
