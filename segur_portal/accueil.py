"""The supplier's home page: figures from every app (imports, demandes), hence its place in the
project package, above the apps (see the import contracts in pyproject.toml)."""

from django.shortcuts import redirect
from django.views.generic import TemplateView

from demandes.acces import EspaceFournisseurMixin
from demandes.selectors import demandes_par_statut
from demandes.valeurs import StatutDemande
from imports.selectors import imports_par_etat


class AccueilView(EspaceFournisseurMixin, TemplateView):
    template_name = "accueil.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and request.user.fournisseur_id is None and request.user.is_staff:
            return redirect("admin:index")
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        libelles = dict(StatutDemande.choices)
        return super().get_context_data(
            imports_par_etat=imports_par_etat(self.fournisseur),
            demandes_par_statut=[
                {
                    "code": ligne["statut"],
                    "statut": libelles.get(ligne["statut"], ligne["statut"]),
                    "nombre": ligne["nombre"],
                }
                for ligne in demandes_par_statut(self.fournisseur)
            ],
            **kwargs,
        )
