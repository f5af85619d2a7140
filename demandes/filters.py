"""Search criteria of « Liste des demandes d'avance et de solde »."""

import django_filters
from django import forms

from segur_portal.tableaux import FiltreDate, FormulaireCriteres, en_chiffres_ascii

from . import numero_dossier
from .models import Demande, Logiciel
from .selectors import logiciels_du_fournisseur
from .valeurs import StatutDemande, StatutPaiement, TypeDemande


class DemandeFilter(django_filters.FilterSet):
    numero = django_filters.CharFilter(
        label="Numéro de demande", method="filtrer_numero", validators=[en_chiffres_ascii("Numéro de demande")]
    )
    type_demande = django_filters.ChoiceFilter(label="Type", choices=TypeDemande.choices, empty_label="Tous")
    statut = django_filters.ChoiceFilter(
        label="Statut de la demande", choices=StatutDemande.choices, empty_label="Tous"
    )
    statut_paiement = django_filters.ChoiceFilter(
        label="Statut du dernier paiement", choices=StatutPaiement.choices, empty_label="Tous"
    )
    logiciel = django_filters.ModelChoiceFilter(
        label="Logiciel",
        field_name="solution__logiciel",
        queryset=Logiciel.objects.none(),
        empty_label="Tous",
        to_field_name="code",
    )
    depose_apres = FiltreDate(
        label="Déposée entre le",
        field_name="date_depot",
        lookup_expr="date__gte",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    depose_avant = FiltreDate(
        label="Et le", field_name="date_depot", lookup_expr="date__lte", widget=forms.DateInput(attrs={"type": "date"})
    )

    class Meta:
        model = Demande
        fields = []
        form = FormulaireCriteres

    def __init__(self, *args, fournisseur=None, **kwargs):
        super().__init__(*args, **kwargs)
        # Only the logiciels of the supplier's own solutions.
        self.filters["logiciel"].queryset = logiciels_du_fournisseur(fournisseur)

    def filtrer_numero(self, queryset, nom, valeur):
        return queryset.filter(numero__icontains=numero_dossier.partie_recherchee(valeur))
