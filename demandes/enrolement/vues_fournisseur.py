"""The supplier's pages of the enrolment: « Équipe » (the structure's accounts; its administrator
invites, sends an invitation again, removes) and the forms of « Enrôlement » (demandes.views).
Thin: the checks and writes are in demandes.enrolement.equipe and .coordonnees."""

from crispy_forms.helper import FormHelper
from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseNotAllowed
from django.shortcuts import redirect
from django.urls import reverse
from django.views import View
from django.views.generic import TemplateView
from dsfr.forms import DsfrBaseForm

from ..acces import EspaceFournisseurMixin
from . import equipe
from .bancaire import ChampsBancairesMixin

REFUS_MEMBRE = (
    "Seul l'administrateur de votre structure peut inviter, relancer ou retirer des comptes. "
    "Adressez-vous à lui : il figure sur la page « Équipe »."
)


class _FormulaireDsfr(DsfrBaseForm):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("use_required_attribute", False)  # the server's French messages, in every browser
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True


class InvitationForm(_FormulaireDsfr):
    """« Inviter un collègue »."""

    prenom = forms.CharField(
        label="Prénom", max_length=150, error_messages={"required": "Saisissez le prénom de votre collègue."}
    )
    nom = forms.CharField(
        label="Nom", max_length=150, error_messages={"required": "Saisissez le nom de votre collègue."}
    )
    email = forms.EmailField(
        label="Adresse électronique",
        help_text="L'invitation y est envoyée ; elle sera aussi son identifiant de connexion.",
        error_messages={
            "required": "Saisissez l'adresse électronique de votre collègue.",
            "invalid": "Saisissez une adresse électronique valide, par exemple prenom.nom@editeur.fr.",
        },
    )


class ChangementCoordonneesForm(ChampsBancairesMixin, _FormulaireDsfr):
    """« Demander un changement de coordonnées bancaires » (the checks: ChampsBancairesMixin)."""


class AdministrateurStructureMixin(EspaceFournisseurMixin):
    """Only the structure's administrator acts on its team: any other account's POST is a 403."""

    reserve_a_l_administrateur = ("POST",)

    def dispatch(self, request, *args, **kwargs):
        if (
            request.user.is_authenticated
            and request.method in self.reserve_a_l_administrateur
            and request.user.fournisseur_id is not None
            and not request.user.administrateur_fournisseur
        ):
            raise PermissionDenied(REFUS_MEMBRE)
        return super().dispatch(request, *args, **kwargs)


class EquipeView(AdministrateurStructureMixin, TemplateView):
    """« Équipe »: the structure's accounts; its administrator invites a colleague from here."""

    template_name = "enrolement/equipe.html"

    def get_context_data(self, form=None, **kwargs):
        comptes = equipe.equipe_de(self.fournisseur)
        administrateur = self.request.user.administrateur_fournisseur
        return super().get_context_data(
            comptes=[
                {
                    "compte": compte,
                    "etat": equipe.etat_du_compte(compte),
                    "renvoyer": administrateur and equipe.en_attente_d_activation(compte),
                    "retirer": administrateur and compte.is_active and compte.pk != self.request.user.pk,
                    "imports": reverse("imports:liste") + f"?importe_par={compte.pk}&echecs=1",
                }
                for compte in comptes
            ],
            administrateur=administrateur,
            form=form or (InvitationForm() if administrateur else None),
            **kwargs,
        )

    def post(self, request, *args, **kwargs):
        form = InvitationForm(request.POST)
        if form.is_valid():
            try:
                compte = equipe.inviter(
                    request.user,
                    prenom=form.cleaned_data["prenom"],
                    nom=form.cleaned_data["nom"],
                    email=form.cleaned_data["email"],
                )
            except ValidationError as refus:
                form.add_error("email", refus.messages)
            except equipe.RefusEquipe as refus:
                raise PermissionDenied(str(refus)) from None
            else:
                if equipe.envoyer_invitation(request, compte):
                    messages.success(
                        request,
                        f"Invitation envoyée à {compte.email} : votre collègue choisit son mot de passe en ouvrant "
                        "le lien reçu (valable 3 jours).",
                    )
                else:
                    messages.warning(
                        request,
                        f"Le compte de {compte.email} est créé, mais l'envoi de l'invitation a échoué : "
                        "réessayez plus tard avec « Renvoyer l'invitation ».",
                    )
                return redirect("equipe")
        return self.render_to_response(self.get_context_data(form=form))


class RenvoyerInvitationView(AdministrateurStructureMixin, View):
    """« Renvoyer l'invitation » (POST only) of an account of the structure not activated yet."""

    def get(self, request, *args, **kwargs):
        return HttpResponseNotAllowed(["POST"])

    def post(self, request, pk):
        compte = equipe.compte_de_la_structure(self.fournisseur, pk)
        try:
            envoyee = equipe.renvoyer_invitation(request, compte, par=request.user)
        except equipe.RefusEquipe as refus:
            messages.error(request, str(refus))
        else:
            if envoyee:
                messages.success(request, f"Invitation envoyée de nouveau à {compte.email}.")
            else:
                messages.warning(request, f"L'envoi de l'invitation à {compte.email} a échoué : réessayez plus tard.")
        return redirect("equipe")


class RetirerCompteView(AdministrateurStructureMixin, TemplateView):
    """« Retirer » an account of the structure: GET asks for confirmation, POST removes."""

    template_name = "enrolement/equipe_retirer.html"
    reserve_a_l_administrateur = ("GET", "HEAD", "POST")

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            compte=equipe.compte_de_la_structure(self.fournisseur, self.kwargs["pk"]), **kwargs
        )

    def post(self, request, pk):
        compte = equipe.compte_de_la_structure(self.fournisseur, pk)
        try:
            revoques = equipe.retirer(compte, par=request.user)
        except equipe.RefusEquipe as refus:
            messages.error(request, str(refus))
        else:
            suite = f" ; {revoques} jeton(s) d'API révoqué(s)" if revoques else ""
            messages.success(
                request,
                f"Le compte {compte.get_username()} est retiré de l'équipe : il ne peut plus se connecter{suite}. "
                "Ses imports restent dans la liste.",
            )
        return redirect("equipe")
