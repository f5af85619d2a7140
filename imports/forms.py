from crispy_forms.helper import FormHelper
from django import forms
from django.conf import settings
from dsfr.forms import DsfrBaseForm

from demandes.valeurs import TauxTVA, TypeDemande
from segur_portal.formats import taille_lisible


class SimulationForm(DsfrBaseForm):
    """« Import des demandes d'avance ou de solde »: the request type, numéro ANS, taux de TVA
    and file of a simulation. The numéro ANS offers only the supplier's own solutions."""

    type_demande = forms.ChoiceField(label="Type de demande", choices=TypeDemande.choices)
    numero_ans = forms.ChoiceField(label="Numéro ANS")
    taux_tva = forms.ChoiceField(label="Taux de TVA", choices=TauxTVA.choices)
    fichier = forms.FileField(
        label="Choisissez le fichier",
        widget=forms.ClearableFileInput(attrs={"accept": ".json,application/json"}),
        error_messages={"empty": "Le fichier choisi est vide.", "required": "Choisissez le fichier JSON à simuler."},
    )

    def __init__(self, *args, solutions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["numero_ans"].choices = [(s.numero_ans, s.numero_ans) for s in solutions]
        aide = f"Fichier JSON encodé en UTF-8, {taille_lisible(settings.SEGUR_MAX_JSON_BYTES)} au plus."
        # The DSFR form builds its bound fields in __init__: set the hint on both.
        self.fields["fichier"].help_text = self["fichier"].help_text = aide
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True
