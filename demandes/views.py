from django.contrib.auth import views as auth_views
from django.urls import reverse
from django.utils import timezone
from django.views.generic import TemplateView

from segur_portal.export_csv import reponse_csv
from segur_portal.tableaux import TableauFiltreMixin

from . import numero_dossier
from .acces import EspaceFournisseurMixin
from .filters import DemandeFilter
from .forms import ConnexionForm
from .selectors import (
    demande_du_fournisseur,
    demandes_du_fournisseur,
    historique_des_statuts,
    solutions_du_fournisseur,
)
from .tables import DemandeTable
from .valeurs import StatutDemande, StatutPaiement, TypeDemande


class ConnexionView(auth_views.LoginView):
    form_class = ConnexionForm
    redirect_authenticated_user = True

    def get_default_redirect_url(self):
        # ASP managers work in the admin; suppliers land on their home page.
        if self.request.user.fournisseur_id is None and self.request.user.is_staff:
            return reverse("admin:index")
        return super().get_default_redirect_url()


class EnrolementView(EspaceFournisseurMixin, TemplateView):
    template_name = "demandes/enrolement.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(solutions=solutions_du_fournisseur(self.fournisseur), **kwargs)


class DemandesView(EspaceFournisseurMixin, TableauFiltreMixin, TemplateView):
    """« Liste des demandes d'avance et de solde »: criteria, sortable paginated table, CSV."""

    template_name = "demandes/liste.html"
    table_class = DemandeTable
    texte_si_vide = "Aucune demande pour le moment : les demandes sont créées par l'import réel d'un fichier JSON."

    def creer_filtre(self):
        return DemandeFilter(
            self.request.GET or None, queryset=demandes_du_fournisseur(self.fournisseur), fournisseur=self.fournisseur
        )

    def exporter(self, queryset):
        return exporter_demandes(queryset)


class DemandeView(EspaceFournisseurMixin, TemplateView):
    template_name = "demandes/demande.html"

    def get_context_data(self, **kwargs):
        demande = demande_du_fournisseur(self.fournisseur, self.kwargs["pk"])
        return super().get_context_data(demande=demande, historique=historique_des_statuts(demande), **kwargs)


def exporter_demandes(queryset):
    libelles_type, libelles_statut = dict(TypeDemande.choices), dict(StatutDemande.choices)
    libelles_paiement = dict(StatutPaiement.choices)
    lignes = (
        (
            numero_dossier.formater(numero, version),
            libelles_type[type_demande],
            numero_editeur,
            logiciel,
            vague,
            timezone.localtime(date_depot).strftime("%d/%m/%Y"),
            date_commande.strftime("%d/%m/%Y"),
            libelles_statut[statut],
            libelles_paiement.get(paiement, ""),
            str(montant).replace(".", ","),
        )
        for numero, version, type_demande, numero_editeur, logiciel, vague, date_depot, date_commande, statut, paiement, montant in queryset.order_by(
            "-date_depot"
        )
        .values_list(
            "numero",
            "version",
            "type_demande",
            "numero_editeur",
            "solution__logiciel__code",
            "solution__vague",
            "date_depot",
            "date_commande",
            "statut",
            "statut_paiement",
            "montant_ht",
        )
        .iterator(chunk_size=2000)
    )
    return reponse_csv(
        "demandes.csv",
        [
            "Numéro de dossier",
            "Type",
            "Numéro Editeur",
            "Logiciel",
            "Vague",
            "Date dépôt",
            "Date de la commande",
            "Statut",
            "Statut du dernier paiement",
            "Montant Ségur HT",
        ],
        lignes,
    )


class AideView(EspaceFournisseurMixin, TemplateView):
    template_name = "demandes/aide.html"
