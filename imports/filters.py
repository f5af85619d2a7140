"""Search criteria and per-column filters of « Liste des imports »."""

import datetime
import re

import django_filters
from django import forms
from django.core.exceptions import ValidationError

from demandes.models import Utilisateur
from demandes.valeurs import TypeDemande
from segur_portal.tableaux import FiltreDate, FormulaireCriteres, en_chiffres_ascii

from . import selectors
from .models import Import
from .tables import COLONNES

CHOIX_TYPE = [("", "Tous"), *TypeDemande.choices]


# Only 0-9: str.isdigit() accepts « ² » or « ① » (int() refuses them), int() and strptime()
# accept « ١٢ » (Arabic-Indic digits).
ENTIER = re.compile(r"[0-9]+")
DATE_FR = re.compile(r"[0-9]{1,2}/[0-9]{1,2}/[0-9]{4}")


def _date_fr(valeur):
    if not DATE_FR.fullmatch(valeur.strip()):
        return None
    try:
        return datetime.datetime.strptime(valeur.strip(), "%d/%m/%Y").date()
    except ValueError:
        return None


def _entier(libelle):
    def valider(valeur):
        if not ENTIER.fullmatch(valeur):
            raise ValidationError(f"{libelle} : saisissez un nombre entier, avec les chiffres de 0 à 9.", code="entier")

    return valider


def _date_de_colonne(libelle):
    def valider(valeur):
        if _date_fr(valeur) is None:
            raise ValidationError(
                f"{libelle} : saisissez une date JJ/MM/AAAA, avec les chiffres de 0 à 9.", code="date"
            )

    return valider


def _filtre_entier(libelle, champ):
    return django_filters.CharFilter(
        label=libelle, method="filtrer_entier", field_name=champ, validators=[_entier(libelle)]
    )


def nom_du_compte(compte) -> str:
    return compte.get_full_name() or compte.get_username()


class ImportFilter(django_filters.FilterSet):
    numero_ans = django_filters.CharFilter(
        label="Numéro ANS", lookup_expr="icontains", validators=[en_chiffres_ascii("Numéro ANS")]
    )
    type_demande = django_filters.ChoiceFilter(label="Type", choices=TypeDemande.choices, empty_label="Tous")
    depose_apres = FiltreDate(
        label="Déposée entre le",
        field_name="date_creation",
        lookup_expr="date__gte",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    depose_avant = FiltreDate(
        label="et le",
        field_name="date_creation",
        lookup_expr="date__lte",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    # « Importé par »: one of the structure's accounts (its choices are set by __init__).
    importe_par = django_filters.ModelChoiceFilter(
        label="Importé par",
        field_name="utilisateur",
        queryset=Utilisateur.objects.none(),
        empty_label="Tous les comptes",
        error_messages={"invalid_choice": "Importé par : choisissez l'un des comptes de votre structure."},
    )
    # Failed simulations (file refused, lines in error) are hidden unless this box is ticked (see qs).
    echecs = django_filters.BooleanFilter(
        label="Afficher les simulations en échec", widget=forms.CheckboxInput, method="filtrer_echecs"
    )
    # One free-text filter per column of the table (« Filtrer... »), named as the column: a number
    # (0-9 only), a JJ/MM/AAAA date, or text. A column filter that cannot be read is refused with a
    # message and matches nothing.
    f_id = _filtre_entier(COLONNES["id"].libelle, "id")
    f_date = django_filters.CharFilter(
        label=COLONNES["date_creation"].libelle,
        method="filtrer_date",
        validators=[_date_de_colonne(COLONNES["date_creation"].libelle)],
    )
    f_ans = django_filters.CharFilter(
        label=COLONNES["numero_ans"].libelle,
        field_name="numero_ans",
        lookup_expr="icontains",
        validators=[en_chiffres_ascii(COLONNES["numero_ans"].libelle)],
    )
    f_type = django_filters.CharFilter(label=COLONNES["type_demande"].libelle, method="filtrer_type")
    f_nom = django_filters.CharFilter(
        label=COLONNES["nom_fichier"].libelle, field_name="nom_fichier", lookup_expr="icontains"
    )
    f_lignes = _filtre_entier(COLONNES["nb_lignes"].libelle, "nb_lignes")
    f_retenues = _filtre_entier(COLONNES["nb_retenues"].libelle, "nb_retenues")
    f_rejetees = _filtre_entier(COLONNES["nb_rejetees"].libelle, "nb_rejetees")

    class Meta:
        model = Import
        fields = []
        form = FormulaireCriteres

    def __init__(self, *args, fournisseur=None, **kwargs):
        super().__init__(*args, **kwargs)
        # Only the structure's own accounts: another structure's account is an invalid choice.
        self.filters["importe_par"].queryset = selectors.comptes_de_la_structure(fournisseur)
        self.form.fields["importe_par"].label_from_instance = nom_du_compte

    @property
    def avec_echecs(self) -> bool:
        """The supplier ticked « Afficher les simulations en échec »."""
        return self.is_bound and not self.form.errors.get("echecs") and bool(self.form.cleaned_data.get("echecs"))

    @property
    def criteres(self):
        """The imports matching the criteria, failed simulations included."""
        return super().qs

    @property
    def qs(self):
        """The imports shown: those matching the criteria, without the failed simulations by default
        (an unbound filter, the list as first opened, included)."""
        return self.criteres if self.avec_echecs else selectors.sans_les_simulations_en_echec(self.criteres)

    def filtrer_echecs(self, queryset, nom, valeur):
        return queryset  # applied by qs, after the other criteria, bound or not

    def filter_queryset(self, queryset):
        if any(nom in self.form.errors for nom in COLONNES_FILTREES.values()):
            return queryset.none()
        return super().filter_queryset(queryset)

    def filtrer_entier(self, queryset, nom, valeur):
        # `valeur` passed the validator: ASCII digits only.
        return queryset.filter(**{nom: int(valeur)})

    def filtrer_date(self, queryset, nom, valeur):
        return queryset.filter(date_creation__date=_date_fr(valeur))

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
