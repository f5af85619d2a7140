"""Reads of the supplier's own data; the fournisseur always comes first."""
from django.db.models import Count

from .models import Demande, Solution


def solutions_du_fournisseur(fournisseur):
    return Solution.objects.filter(fournisseur=fournisseur).select_related("couloir", "logiciel").order_by("numero_ans")


def demandes_du_fournisseur(fournisseur):
    return Demande.objects.filter(fournisseur=fournisseur).select_related("solution__logiciel").order_by("-date_depot")


def demandes_par_statut(fournisseur):
    return list(
        Demande.objects.filter(fournisseur=fournisseur).values("statut").annotate(nombre=Count("id")).order_by("statut")
    )
