"""Portal accounts: who manages which, and the password-reset link that replaces any password set by
someone else.

- A superuser manages every account.
- An ASP manager (staff, not superuser) manages supplier accounts only: attached to a fournisseur,
  neither staff nor superuser. He never sets a password: he sends the supplier a link to the
  portal's own reset pages (Django's PasswordResetForm and default_token_generator), and the
  supplier chooses the password himself.
"""

import logging

from crispy_forms.helper import FormHelper
from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import PasswordResetForm, SetPasswordForm, UserChangeForm, UsernameField
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse_lazy
from django.utils import timezone
from dsfr.forms import DsfrBaseForm

from segur_portal.journal import journal

logger = logging.getLogger(__name__)


# --- who manages whom -----------------------------------------------------------------------------


def est_compte_fournisseur(compte) -> bool:
    return compte.fournisseur_id is not None and not compte.is_staff and not compte.is_superuser


def comptes_fournisseurs(queryset):
    return queryset.filter(fournisseur__isnull=False, is_staff=False, is_superuser=False)


def peut_gerer(gestionnaire, compte) -> bool:
    """May `gestionnaire` (an admin user) see and edit `compte`?"""
    return gestionnaire.is_superuser or est_compte_fournisseur(compte)


# --- the admin forms of a manager (never a password field, never a right) -------------------------


class CompteFournisseurCreationForm(forms.ModelForm):
    """A supplier account created by a manager: no password (the supplier chooses it through the
    link sent to his e-mail address, hence required), always attached to a fournisseur."""

    class Meta:
        model = get_user_model()
        fields = ["username", "email", "first_name", "last_name", "fournisseur"]
        field_classes = {"username": UsernameField}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for champ in ("email", "fournisseur"):
            if champ in self.fields:
                self.fields[champ].required = True
        if "email" in self.fields:
            self.fields[
                "email"
            ].help_text = "Le lien qui permet au fournisseur de choisir son mot de passe est envoyé à cette adresse."

    def clean_username(self):
        identifiant = self.cleaned_data.get("username")
        if identifiant and self._meta.model.objects.filter(username__iexact=identifiant).exists():
            raise forms.ValidationError("Un compte porte déjà cet identifiant.", code="unique")
        return identifiant

    def save(self, commit=True):
        compte = super().save(commit=False)
        compte.is_staff = compte.is_superuser = False
        compte.set_unusable_password()
        if commit:
            compte.save()
            self.save_m2m()
        return compte


class CompteFournisseurForm(UserChangeForm):
    """A supplier account edited by a manager: the admin leaves out the password and the rights;
    the account stays attached to a fournisseur."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "fournisseur" in self.fields:
            self.fields["fournisseur"].required = True


# --- the reset link --------------------------------------------------------------------------------


class LienReinitialisationForm(PasswordResetForm):
    """Django's reset e-mail for one account chosen in the admin (not looked up by address: the
    stock get_users skips an account without a usable password, such as a supplier account just
    created), and a failed sending is reported instead of only logged."""

    def __init__(self, compte):
        super().__init__({"email": compte.email})
        self.compte = compte

    def get_users(self, email):
        return [self.compte]

    def send_mail(
        self, subject_template_name, email_template_name, context, from_email, to_email, html_email_template_name=None
    ):
        sujet = "".join(render_to_string(subject_template_name, context).splitlines())
        corps = render_to_string(email_template_name, context)
        EmailMultiAlternatives(sujet, corps, from_email, [to_email]).send()


def prevenir_changement_d_adresse(compte, ancienne_adresse: str, par) -> None:
    """Tells the old address that the account's e-mail changed: a manager who put his own address
    there to receive the reset link would be seen by the supplier at once."""
    corps = render_to_string(
        "registration/changement_adresse_courriel.txt",
        {"compte": compte, "nouvelle_adresse": compte.email, "date": timezone.localtime()},
    )
    try:
        EmailMultiAlternatives(
            "Portail Ségur numérique : l'adresse électronique de votre compte a changé",
            corps,
            settings.DEFAULT_FROM_EMAIL,
            [ancienne_adresse],
        ).send()
    except OSError as erreur:  # smtplib.SMTPException included
        journal.warning("changement_adresse", compte_id=compte.pk, par=par.pk, echec=type(erreur).__name__)
        return
    journal.info("changement_adresse", compte_id=compte.pk, par=par.pk)


# The two e-mails carrying a link to choose one's password (Django's token: valid
# PASSWORD_RESET_TIMEOUT, three days by default; it stops working once the password is set):
# « reinitialisation » (sent from the admin by a manager) and « activation » (the first user of an
# enrolled supplier, a colleague invited by the structure's administrator), each with its own
# subject, text and page (url names « reinitialisation » and « activation »).
NATURES_DE_LIEN = ("reinitialisation", "activation")


def jours_de_validite_des_liens() -> int:
    """How long a link to choose one's password works, in days (Django's PASSWORD_RESET_TIMEOUT)."""
    return max(1, round(settings.PASSWORD_RESET_TIMEOUT / 86400))


def envoyer_liens(request, comptes, *, nature="reinitialisation"):
    """E-mails each active account with an address a link to choose its password.
    Returns (sent, [(account, reason)])."""
    assert nature in NATURES_DE_LIEN
    envoyes, ignores = [], []
    validite_jours = jours_de_validite_des_liens()
    for compte in comptes:
        if not compte.is_active:
            ignores.append((compte, "le compte est désactivé"))
            continue
        if not compte.email:
            ignores.append((compte, "le compte n'a pas d'adresse e-mail"))
            continue
        formulaire = LienReinitialisationForm(compte)
        formulaire.is_valid()
        try:
            formulaire.save(
                request=request,
                use_https=request.is_secure(),
                subject_template_name=f"registration/{nature}_sujet.txt",
                email_template_name=f"registration/{nature}_courriel.txt",
                extra_email_context={"validite_jours": validite_jours},
            )
        except OSError as erreur:  # smtplib.SMTPException included
            logger.warning("Lien de réinitialisation non envoyé au compte %s : %s", compte.pk, erreur)
            journal.warning(f"lien_{nature}", compte_id=compte.pk, par=request.user.pk, echec=type(erreur).__name__)
            ignores.append((compte, "l'envoi du courriel a échoué, réessayez plus tard"))
            continue
        journal.info(f"lien_{nature}", compte_id=compte.pk, par=request.user.pk)
        envoyes.append(compte)
    return envoyes, ignores


# --- supplier accounts created by the enrolment and by the team's invitations ---------------------


def creer_compte_fournisseur(
    fournisseur, *, email: str, prenom: str, nom: str, administrateur: bool, par, identifiant: str | None = None
):
    """A supplier account without a password: its owner chooses one through the activation link
    (envoyer_liens(…, nature="activation")). Its identifiant is its e-mail address unless given.
    Raises ValidationError (in French) when the identifiant or the address is already an account's."""
    from django.core.exceptions import ValidationError

    Utilisateur = get_user_model()
    email = Utilisateur.objects.normalize_email(email.strip())
    identifiant = (identifiant or email).strip().lower()
    if Utilisateur.objects.filter(username__iexact=identifiant).exists():
        raise ValidationError(f"Un compte du portail porte déjà l'identifiant « {identifiant} ».", code="identifiant")
    if Utilisateur.objects.filter(email__iexact=email).exists():
        raise ValidationError(f"Un compte du portail utilise déjà l'adresse « {email} ».", code="adresse")
    compte = Utilisateur(
        username=identifiant,
        email=email,
        first_name=prenom.strip(),
        last_name=nom.strip(),
        fournisseur=fournisseur,
        administrateur_fournisseur=administrateur,
        invite_par=par if par is not None and par.fournisseur_id == fournisseur.pk else None,
        date_invitation=timezone.now(),
    )
    compte.set_unusable_password()
    compte.save()
    journal.info(
        "compte_fournisseur_cree", compte_id=compte.pk, fournisseur_id=fournisseur.pk, par=getattr(par, "pk", None)
    )
    return compte


# --- the portal's reset pages (where the e-mailed link leads) -------------------------------------


class NouveauMotDePasseForm(SetPasswordForm, DsfrBaseForm):
    """Django's form (password validators included), in the DSFR style of the login form."""

    new_password1, new_password2 = SetPasswordForm.create_password_fields(
        label1="Nouveau mot de passe", label2="Confirmation du nouveau mot de passe"
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True


class ReinitialisationView(auth_views.PasswordResetConfirmView):
    form_class = NouveauMotDePasseForm
    template_name = "registration/reinitialisation.html"
    success_url = reverse_lazy("reinitialisation_terminee")


class ReinitialisationTermineeView(auth_views.PasswordResetCompleteView):
    template_name = "registration/reinitialisation_terminee.html"


class ActivationView(ReinitialisationView):
    """Where the activation link leads: the same token and form, worded for a new account."""

    template_name = "registration/activation.html"
    success_url = reverse_lazy("activation_terminee")


class ActivationTermineeView(auth_views.PasswordResetCompleteView):
    template_name = "registration/activation_terminee.html"
