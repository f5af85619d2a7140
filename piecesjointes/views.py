"""Step « 2 - Pièces jointes » of an import. The zip intake comes with issue 4; until then the
step lists the attachments each retained demande expects."""
from django.core.paginator import Paginator
from django.shortcuts import redirect
from django.views.generic import TemplateView

from demandes.acces import EspaceFournisseurMixin
from imports.selectors import import_du_fournisseur

from . import selectors

DEMANDES_PAR_PAGE = 50


class EtapePiecesJointesView(EspaceFournisseurMixin, TemplateView):
    template_name = "piecesjointes/etape.html"

    def get(self, request, *args, **kwargs):
        self.import_json = import_du_fournisseur(self.fournisseur, kwargs["pk"])
        if not self.import_json.importe:
            return redirect("imports:ecran", pk=self.import_json.pk)
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        page = Paginator(selectors.demandes_retenues(self.fournisseur, self.import_json), DEMANDES_PAR_PAGE)
        return super().get_context_data(
            import_json=self.import_json, fournisseur=self.fournisseur,
            page_demandes=page.get_page(self.request.GET.get("page")),
            nb_pieces=selectors.nombre_de_pieces_attendues(self.fournisseur, self.import_json),
            **kwargs,
        )
