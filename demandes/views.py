from django.contrib.auth import views as auth_views
from django.urls import reverse
from django.views.generic import TemplateView

from segur_portal.tableaux import TableauFiltreMixin

from .acces import EspaceFournisseurMixin
from .filters import DemandeFilter
from .forms import ConnexionForm
from .selectors import (
    demande_du_fournisseur,
    demandes_a_exporter,
    demandes_du_fournisseur,
    historique_des_statuts,
    solutions_du_fournisseur,
)
from .tables import COLONNES, DemandeTable


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
    return COLONNES.reponse_csv("demandes.csv", demandes_a_exporter(queryset, COLONNES.champs_csv()))


class AideView(EspaceFournisseurMixin, TemplateView):
    template_name = "demandes/aide.html"
