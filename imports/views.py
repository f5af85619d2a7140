"""Import screens: thin views over services (writes) and selectors (reads)."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.views import View
from django.views.generic import TemplateView

from demandes.acces import EspaceFournisseurMixin
from demandes.selectors import solutions_du_fournisseur, types_de_pieces
from demandes.valeurs import TypeDemande
from segur_portal.tableaux import TableauFiltreMixin
from segur_portal.telechargement import reponse_fichier

from . import documentation, selectors, services
from .filters import COLONNES_FILTREES, ImportFilter
from .forms import SimulationForm
from .moteur.format import chemin_schema
from .moteur.regles import catalogue
from .tables import COLONNES, ImportTable

ERREURS_PAR_PAGE = 50
# The session remembers, across the redirect after « Simuler » or « Importer », which import's
# result the next screen announces (focus on its message), and why « Importer » was refused.
RESULTAT_A_ANNONCER = "imports_resultat_a_annoncer"


class ListeImportsView(EspaceFournisseurMixin, TableauFiltreMixin, TemplateView):
    """« Rechercher l'import de mes JSONs et pièces justificatives »: criteria, a filter on each
    column, sorting, pagination, CSV export."""

    template_name = "imports/liste.html"
    table_class = ImportTable
    texte_si_vide = "Aucun import pour le moment."

    def creer_filtre(self):
        return ImportFilter(
            self.request.GET or None,
            queryset=selectors.imports_du_fournisseur(self.fournisseur),
            fournisseur=self.fournisseur,
        )

    def exporter(self, queryset):
        return exporter_imports(queryset)

    def get_context_data(self, **kwargs):
        contexte = super().get_context_data(**kwargs)
        # How many failed simulations the list hides (0 once « Afficher les simulations en échec » is ticked).
        contexte["echecs_masques"] = (
            0 if self.filtre.avec_echecs else selectors.simulations_en_echec(self.filtre.criteres).count()
        )
        return contexte

    def creer_table(self):
        table = super().creer_table()
        formulaire = self.filtre.form
        table.formulaire_filtres = "criteres-imports"
        table.filtres_par_colonne = [
            formulaire[COLONNES_FILTREES[colonne.name]] if colonne.name in COLONNES_FILTREES else None
            for colonne in table.columns
        ]
        return table


def exporter_imports(queryset):
    return COLONNES.reponse_csv("imports.csv", selectors.imports_a_exporter(queryset, COLONNES.champs_csv()))


class EcranImportView(EspaceFournisseurMixin, View):
    """« Importer les demandes »: the form, and after a simulation its result on the same screen."""

    template_name = "imports/ecran.html"

    def formulaire(self, data=None, files=None, initial=None):
        return SimulationForm(data, files, initial=initial, solutions=solutions_du_fournisseur(self.fournisseur))

    def rendre(self, request, form, import_demandes=None, status=200, annonce=None):
        contexte = {
            "form": form,
            "import_demandes": import_demandes,
            "fournisseur": self.fournisseur,
            # {"refus": message or None} when the page shows the outcome of the user's last action.
            "annonce": annonce,
        }
        if import_demandes is not None and (import_demandes.nb_invalides or import_demandes.nb_rejetees):
            contexte["page_erreurs"] = Paginator(
                selectors.erreurs_de_l_import(import_demandes), ERREURS_PAR_PAGE
            ).get_page(request.GET.get("page"))
        return render(request, self.template_name, contexte, status=status)

    def get(self, request, pk=None):
        if pk is None:
            return self.rendre(request, self.formulaire())
        import_demandes = selectors.import_du_fournisseur(self.fournisseur, pk)
        annonce = request.session.pop(RESULTAT_A_ANNONCER, None)
        if not annonce or annonce.get("pk") != import_demandes.pk or request.GET.get("page"):
            annonce = None
        initial = {
            "type_demande": import_demandes.type_demande,
            "numero_ans": import_demandes.numero_ans,
            "taux_tva": import_demandes.taux_tva,
        }
        return self.rendre(request, self.formulaire(initial=initial), import_demandes, annonce=annonce)

    def post(self, request, pk=None):
        form = self.formulaire(request.POST, request.FILES)
        if getattr(request, "upload_too_large", False):
            form.is_valid()
            form.errors.pop("fichier", None)
            form.add_error("fichier", documentation.message_fichier_trop_gros())
            return self.rendre(request, form, status=400)
        if not form.is_valid():
            return self.rendre(request, form, status=400)
        import_demandes = services.simuler_import(
            utilisateur=request.user,
            fichier=form.cleaned_data["fichier"],
            type_demande=form.cleaned_data["type_demande"],
            numero_ans=form.cleaned_data["numero_ans"],
            taux_tva=form.cleaned_data["taux_tva"],
        )
        request.session[RESULTAT_A_ANNONCER] = {"pk": import_demandes.pk, "refus": None}
        return redirect("imports:ecran", pk=import_demandes.pk)


class ImporterView(EspaceFournisseurMixin, View):
    """« Importer »: the real import of the simulated file, without uploading it again."""

    def post(self, request, pk):
        import_demandes = selectors.import_du_fournisseur(self.fournisseur, pk)
        try:
            import_demandes = services.importer_pour_de_vrai(
                utilisateur=request.user, import_id=import_demandes.pk, refuser_si_deja_importe=True
            )
        except services.DejaImporte:
            # A second click or tab: back to the pieces, without announcing the import again.
            return redirect("piecesjointes:etape", pk=import_demandes.pk)
        except services.ImportImpossible as refus:
            # Shown by the import screen as its result message (focused), not as a flash message.
            request.session[RESULTAT_A_ANNONCER] = {"pk": import_demandes.pk, "refus": str(refus)}
            return redirect("imports:ecran", pk=import_demandes.pk)
        messages.success(request, import_demandes.message_de_l_import)
        return redirect("piecesjointes:etape", pk=import_demandes.pk)


def telecharger_la_sortie(import_demandes):
    """The output file as the supplier downloads it (the screen's link and the API's)."""
    return reponse_fichier(import_demandes.fichier_sortie, import_demandes.nom_fichier_sortie, "application/json")


class FichierSortieView(EspaceFournisseurMixin, View):
    def get(self, request, pk):
        return telecharger_la_sortie(selectors.import_du_fournisseur(self.fournisseur, pk))


class FichierJsonView(EspaceFournisseurMixin, View):
    def get(self, request, pk):
        import_demandes = selectors.import_du_fournisseur(self.fournisseur, pk)
        return reponse_fichier(import_demandes.fichier, import_demandes.nom_fichier, "application/json")


class DocumentationView(EspaceFournisseurMixin, TemplateView):
    template_name = "imports/documentation.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            champs=documentation.CHAMPS,
            regles=catalogue(),
            types_pieces=types_de_pieces(),
            types=[(t.value.lower(), t.label) for t in TypeDemande],
            modeles=documentation.MODELES,
            limites=documentation.limites(),
            **kwargs,
        )


class SchemaView(EspaceFournisseurMixin, View):
    def get(self, request, type_demande):
        if type_demande not in ("avance", "solde"):
            raise Http404("Type de demande inconnu.")
        return FileResponse(
            chemin_schema(type_demande).open("rb"),
            as_attachment=True,
            filename=f"{type_demande}.schema.json",
            content_type="application/schema+json",
        )


class ModeleView(EspaceFournisseurMixin, View):
    def get(self, request, nom):
        modele = documentation.modele(nom)
        if modele is None:
            raise Http404("Modèle inconnu.")
        return FileResponse(
            modele.chemin.open("rb"), as_attachment=True, filename=modele.nom_fichier, content_type="application/json"
        )
