from django.contrib.auth import views as auth_views
from django.core.paginator import Paginator
from django.db.models import Count
from django.shortcuts import redirect
from django.urls import reverse
from django.views.generic import TemplateView

from imports.selectors import imports_du_fournisseur

from .acces import EspaceFournisseurMixin
from .forms import ConnexionForm
from .models import StatutDemande
from .selectors import demandes_du_fournisseur, demandes_par_statut, solutions_du_fournisseur


class ConnexionView(auth_views.LoginView):
    form_class = ConnexionForm
    redirect_authenticated_user = True

    def get_default_redirect_url(self):
        # ASP managers work in the admin; suppliers land on their home page.
        if self.request.user.fournisseur_id is None and self.request.user.is_staff:
            return reverse("admin:index")
        return super().get_default_redirect_url()


class AccueilView(EspaceFournisseurMixin, TemplateView):
    template_name = "demandes/accueil.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and request.user.fournisseur_id is None and request.user.is_staff:
            return redirect("admin:index")
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        imports = imports_du_fournisseur(self.fournisseur)
        libelles = dict(StatutDemande.choices)
        return super().get_context_data(
            imports_par_resultat=imports.values("resultat").annotate(nombre=Count("id")).order_by("resultat"),
            derniers_imports=imports[:5],
            demandes_par_statut=[
                {"statut": libelles.get(ligne["statut"], ligne["statut"]), "nombre": ligne["nombre"]}
                for ligne in demandes_par_statut(self.fournisseur)
            ],
            **kwargs,
        )


class EnrolementView(EspaceFournisseurMixin, TemplateView):
    template_name = "demandes/enrolement.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(solutions=solutions_du_fournisseur(self.fournisseur), **kwargs)


class DemandesView(EspaceFournisseurMixin, TemplateView):
    template_name = "demandes/liste.html"

    def get_context_data(self, **kwargs):
        page = Paginator(demandes_du_fournisseur(self.fournisseur), 20).get_page(self.request.GET.get("page"))
        return super().get_context_data(page_obj=page, **kwargs)


class AideView(EspaceFournisseurMixin, TemplateView):
    template_name = "demandes/aide.html"
