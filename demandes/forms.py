from crispy_forms.helper import FormHelper
from django import forms
from django.contrib.auth.forms import AuthenticationForm, UsernameField
from dsfr.forms import DsfrBaseForm

from . import jetons


class ConnexionForm(AuthenticationForm, DsfrBaseForm):
    """The guide's login form: « Identifiant », « Mot de passe »."""

    error_messages = {
        "invalid_login": "Identifiant ou mot de passe incorrect.",
        "inactive": "Ce compte est désactivé.",
    }

    # Declared here (not relabelled in __init__): the DSFR form builds its bound fields early.
    username = UsernameField(label="Identifiant", widget=forms.TextInput(attrs={"autofocus": True}))
    password = forms.CharField(
        label="Mot de passe", strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True


class JetonForm(DsfrBaseForm):
    """« Créer un jeton » of the page « Accès API »: its name and how many days it stays valid. The
    limits are those of demandes.jetons.creer_jeton, which checks them again."""

    nom = forms.CharField(
        label="Nom",
        max_length=jetons.LONGUEUR_NOM_MAX,
        help_text="Le logiciel ou le serveur qui utilisera le jeton, par exemple « Intégration continue ».",
        error_messages={
            "required": "Donnez un nom au jeton (par exemple le logiciel ou le serveur qui l'utilisera).",
            "max_length": "Le nom du jeton fait %(show_value)d caractères : %(limit_value)d au plus.",
        },
    )
    jours = forms.IntegerField(
        label="Durée de validité en jours",
        min_value=1,
        max_value=jetons.DUREE_MAX_JOURS,
        initial=jetons.DUREE_PAR_DEFAUT_JOURS,
        help_text=f"De 1 à {jetons.DUREE_MAX_JOURS} jours ; le jeton cesse de fonctionner à la fin de ce délai.",
        error_messages={
            "required": "Indiquez la durée de validité du jeton, en jours.",
            "invalid": "La durée de validité est un nombre entier de jours.",
            "min_value": f"La durée de validité va de 1 à {jetons.DUREE_MAX_JOURS} jours.",
            "max_value": f"La durée de validité va de 1 à {jetons.DUREE_MAX_JOURS} jours.",
        },
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True
