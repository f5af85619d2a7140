"""Search criteria and per-column filters of « Liste des imports »."""

import datetime

import django_filters
from django import forms

from demandes.models import TypeDemande

from .models import Import

CHOIX_TYPE = [("", "Tous"), *TypeDemande.choices]


def _date_fr(valeur):
    try:
        return datetime.datetime.strptime(valeur.strip(), "%d/%m/%Y").date()
    except ValueError:
        return None


class ImportFilter(django_filters.FilterSet):
    numero_ans = django_filters.CharFilter(label="Numéro ANS", lookup_expr="icontains")
    type_demande = django_filters.ChoiceFilter(label="Type", choices=TypeDemande.choices, empty_label="Tous")
    depose_apres = django_filters.DateFilter(
        label="Déposée entre le",
        field_name="date_creation",
        lookup_expr="date__gte",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    depose_avant = django_filters.DateFilter(
        label="et le",
        field_name="date_creation",
        lookup_expr="date__lte",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    # One free-text filter per column of the table (« Filtrer... »).
    f_id = django_filters.CharFilter(label="Identifiant", method="filtrer_entier", field_name="id")
    f_date = django_filters.CharFilter(label="Date d'importation", method="filtrer_date")
    f_ans = django_filters.CharFilter(label="Numéro ANS", field_name="numero_ans", lookup_expr="icontains")
    f_type = django_filters.CharFilter(label="Type de demande", method="filtrer_type")
    f_nom = django_filters.CharFilter(label="Nom du fichier", field_name="nom_fichier", lookup_expr="icontains")
    f_lignes = django_filters.CharFilter(label="Nbre de demande", method="filtrer_entier", field_name="nb_lignes")
    f_retenues = django_filters.CharFilter(
        label="Nbre de demandes retenues", method="filtrer_entier", field_name="nb_retenues"
    )
    f_rejetees = django_filters.CharFilter(
        label="Nbre de demandes rejetées", method="filtrer_entier", field_name="nb_rejetees"
    )

    class Meta:
        model = Import
        fields = []

    def filtrer_entier(self, queryset, nom, valeur):
        valeur = valeur.strip()
        return queryset.filter(**{nom: int(valeur)}) if valeur.isdigit() else queryset.none()

    def filtrer_date(self, queryset, nom, valeur):
        date = _date_fr(valeur)
        return queryset.filter(date_creation__date=date) if date else queryset.none()

    def filtrer_type(self, queryset, nom, valeur):
        types = [code for code, libelle in TypeDemande.choices if valeur.strip().lower() in libelle.lower()]
        return queryset.filter(type_demande__in=types)


COLONNES_FILTREES = {
    "id": "f_id",
    "date_creation": "f_date",
    "numero_ans": "f_ans",
    "type_demande": "f_type",
    "nom_fichier": "f_nom",
    "nb_lignes": "f_lignes",
    "nb_retenues": "f_retenues",
    "nb_rejetees": "f_rejetees",
}
