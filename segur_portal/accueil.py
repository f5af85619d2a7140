"""The supplier's home page: figures from every app (imports, demandes, pièces jointes), hence its
place in the project package, above the apps (see the import contracts in pyproject.toml).

Above the counters, « Ce qui attend votre action »: the demandes for which a manager asks for
compléments (with the message), the demandes rejected lately (with their motif), the imports whose attachments step is not finished (pieces still missing, or « Terminer »
to click) and the successful simulations not imported yet. Each block reads a count and at most
A_AFFICHER rows through the apps' selectors: the page costs the same queries whatever the number
of demandes or imports."""

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.shortcuts import redirect
from django.utils import timezone
from django.views.generic import TemplateView

from demandes.acces import EspaceFournisseurMixin
from demandes.selectors import demandes_a_completer, demandes_par_statut, demandes_rejetees_depuis
from demandes.valeurs import StatutDemande
from imports.selectors import imports_par_etat, simulations_a_importer
from piecesjointes.selectors import imports_a_terminer

A_AFFICHER = 5  # rows listed per block; the count says how many there are
JOURS_REJETS = 90  # a rejection is recalled on the home page for that many days


@dataclass
class Bloc:
    """What one block of « Ce qui attend votre action » shows: how many, and the first rows."""

    nombre: int
    elements: list[Any]

    @classmethod
    def de(cls, lignes: QuerySet) -> "Bloc":
        nombre = lignes.count()
        return cls(nombre, list(lignes[:A_AFFICHER]) if nombre else [])

    @property
    def tronque(self) -> bool:
        return self.nombre > len(self.elements)


class AccueilView(EspaceFournisseurMixin, TemplateView):
    template_name = "accueil.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and request.user.fournisseur_id is None and request.user.is_staff:
            return redirect("admin:index")
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        libelles = dict(StatutDemande.choices)
        depuis = timezone.now() - datetime.timedelta(days=JOURS_REJETS)
        rejets = Bloc.de(demandes_rejetees_depuis(self.fournisseur, depuis))
        complements = Bloc.de(demandes_a_completer(self.fournisseur))
        pieces = Bloc.de(imports_a_terminer(self.fournisseur))
        simulations = Bloc.de(simulations_a_importer(self.fournisseur))
        return super().get_context_data(
            rejets=rejets,
            complements=complements,
            jours_rejets=JOURS_REJETS,
            imports_a_terminer=pieces,
            simulations=simulations,
            actions_attendues=bool(complements.nombre or rejets.nombre or pieces.nombre or simulations.nombre),
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
