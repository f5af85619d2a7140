"""Import screens: thin views over services (writes) and selectors (reads)."""
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.views import View
from django.views.generic import TemplateView

from demandes.acces import EspaceFournisseurMixin
from demandes.models import TypeDemande, TypePiece

from . import documentation, selectors, services
from .engine.format import chemin_schema
from .engine.rules import catalogue
from .forms import SimulationForm

ERREURS_PAR_PAGE = 50


class ListeImportsView(EspaceFournisseurMixin, TemplateView):
    """« Rechercher l'import de mes JSONs et pièces justificatives » (filters come with issue 3)."""

    template_name = "imports/liste.html"

    def get_context_data(self, **kwargs):
        page = Paginator(selectors.imports_du_fournisseur(self.fournisseur), 20).get_page(self.request.GET.get("page"))
        return super().get_context_data(page_obj=page, **kwargs)


class EcranImportView(EspaceFournisseurMixin, View):
    """« Importer les demandes »: the form, and after a simulation its result on the same screen."""

    template_name = "imports/ecran.html"

    def formulaire(self, data=None, files=None, initial=None):
        return SimulationForm(data, files, initial=initial,
                              solutions=selectors.solutions_du_fournisseur(self.fournisseur))

    def rendre(self, request, form, import_json=None, status=200):
        from django.shortcuts import render

        contexte = {"form": form, "import_json": import_json, "fournisseur": self.fournisseur}
        if import_json is not None and import_json.nb_invalides:
            contexte["page_erreurs"] = Paginator(
                selectors.erreurs_de_l_import(import_json), ERREURS_PAR_PAGE
            ).get_page(request.GET.get("page"))
        return render(request, self.template_name, contexte, status=status)

    def get(self, request, pk=None):
        if pk is None:
            return self.rendre(request, self.formulaire())
        import_json = selectors.import_du_fournisseur(self.fournisseur, pk)
        initial = {"type_demande": import_json.type_demande, "numero_ans": import_json.numero_ans,
                   "taux_tva": import_json.taux_tva}
        return self.rendre(request, self.formulaire(initial=initial), import_json)

    def post(self, request, pk=None):
        form = self.formulaire(request.POST, request.FILES)
        if getattr(request, "upload_too_large", False):
            form.is_valid()
            form.errors.pop("fichier", None)
            form.add_error("fichier", documentation.message_fichier_trop_gros())
            return self.rendre(request, form, status=400)
        if not form.is_valid():
            return self.rendre(request, form, status=400)
        import_json = services.simuler_import(
            utilisateur=request.user, fichier=form.cleaned_data["fichier"],
            type_demande=form.cleaned_data["type_demande"], numero_ans=form.cleaned_data["numero_ans"],
            taux_tva=form.cleaned_data["taux_tva"],
        )
        return redirect("imports:ecran", pk=import_json.pk)


class ImporterView(EspaceFournisseurMixin, View):
    """« Importer »: only for a simulation that succeeded. The real import is issue 3."""

    def post(self, request, pk):
        import_json = selectors.import_du_fournisseur(self.fournisseur, pk)
        if not import_json.simulation_reussie:
            messages.error(request, "L'import n'est possible qu'après une simulation réussie de ce fichier.")
        else:
            messages.info(request, "L'import réel des demandes sera ouvert dans la prochaine version du portail : "
                                   "votre simulation est conservée.")
        return redirect("imports:ecran", pk=import_json.pk)


def _telechargement(champ, nom):
    if not champ:
        raise Http404("Aucun fichier.")
    try:
        flux = champ.open("rb")
    except FileNotFoundError:
        raise Http404("Fichier introuvable.") from None
    return FileResponse(flux, as_attachment=True, filename=nom, content_type="application/json")


class FichierSortieView(EspaceFournisseurMixin, View):
    def get(self, request, pk):
        import_json = selectors.import_du_fournisseur(self.fournisseur, pk)
        return _telechargement(import_json.fichier_sortie, import_json.nom_fichier_sortie)


class FichierJsonView(EspaceFournisseurMixin, View):
    def get(self, request, pk):
        import_json = selectors.import_du_fournisseur(self.fournisseur, pk)
        return _telechargement(import_json.fichier, import_json.nom_fichier)


class DocumentationView(EspaceFournisseurMixin, TemplateView):
    template_name = "imports/documentation.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            champs=documentation.CHAMPS,
            regles=catalogue(),
            types_pieces=TypePiece.objects.order_by("code"),
            types=[(t.value.lower(), t.label) for t in TypeDemande],
            limites=documentation.limites(),
            **kwargs,
        )


class SchemaView(EspaceFournisseurMixin, View):
    def get(self, request, type_demande):
        if type_demande not in ("avance", "solde"):
            raise Http404("Type de demande inconnu.")
        return FileResponse(chemin_schema(type_demande).open("rb"), as_attachment=True,
                            filename=f"{type_demande}.schema.json", content_type="application/schema+json")


class ModeleView(EspaceFournisseurMixin, View):
    def get(self, request, type_demande):
        if type_demande not in ("avance", "solde"):
            raise Http404("Type de demande inconnu.")
        return FileResponse(documentation.chemin_modele(type_demande).open("rb"), as_attachment=True,
                            filename=f"modele-{type_demande}.json", content_type="application/json")
