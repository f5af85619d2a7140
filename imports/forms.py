from crispy_forms.helper import FormHelper
from django import forms
from django.conf import settings
from dsfr.forms import DsfrBaseForm

from demandes.valeurs import TauxTVA, TypeDemande
from segur_portal.formats import taille_lisible

# The guide's rule (« En fonction de mon régime TVA applicable, je sélectionne le taux correspondant »).
AIDE_TAUX_TVA = (
    "Si le régime de TVA (regimeTVA) de vos demandes est TTC, sélectionnez 20 % ou 8,5 % ; "
    "s'il est HT, sélectionnez 0 %. Toutes les demandes du fichier doivent avoir le même régime."
)


class SimulationForm(DsfrBaseForm):
    """« Import des demandes d'avance ou de solde »: the request type, numéro ANS, taux de TVA
    and file of a simulation. The numéro ANS offers only the supplier's own solutions."""

    type_demande = forms.ChoiceField(label="Type de demande", choices=TypeDemande.choices)
    numero_ans = forms.ChoiceField(label="Numéro ANS")
    # Empty until the supplier chooses, as in the guide: the taux follows the file's regimeTVA.
    taux_tva = forms.ChoiceField(
        label="Taux de TVA",
        choices=[("", "Sélectionnez une option"), *TauxTVA.choices],
        help_text=AIDE_TAUX_TVA,
        error_messages={"required": "Sélectionnez le taux de TVA applicable à la solution logicielle."},
    )
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
