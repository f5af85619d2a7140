from crispy_forms.helper import FormHelper
from django import forms
from django.conf import settings
from dsfr.forms import DsfrBaseForm

from demandes.models import TypeDemande

from .models import TauxTVA


class SimulationForm(DsfrBaseForm):
    """« Import des demandes d'avance ou de solde »: the request type, numéro ANS, taux de TVA
    and file of a simulation. The numéro ANS offers only the supplier's own solutions."""

    type_demande = forms.ChoiceField(label="Type de demande", choices=TypeDemande.choices)
    numero_ans = forms.ChoiceField(label="Numéro ANS")
    taux_tva = forms.ChoiceField(label="Taux de TVA", choices=TauxTVA.choices)
    fichier = forms.FileField(
        label="Choisissez le fichier",
        help_text="Fichier JSON encodé en UTF-8, 20 Mo au plus.",
        widget=forms.ClearableFileInput(attrs={"accept": ".json,application/json"}),
    )

    def __init__(self, *args, solutions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["numero_ans"].choices = [(s.numero_ans, s.numero_ans) for s in solutions]
        limite_mo = settings.SEGUR_MAX_JSON_BYTES // (1024 * 1024)
        self.fields["fichier"].help_text = f"Fichier JSON encodé en UTF-8, {limite_mo} Mo au plus."
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True

    def clean_fichier(self):
        fichier = self.cleaned_data["fichier"]
        if fichier.size == 0:
            raise forms.ValidationError("Le fichier choisi est vide.")
        return fichier
