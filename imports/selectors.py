"""Reads. Every supplier query starts from the supplier, so a forgotten filter is hard to write."""
from django.shortcuts import get_object_or_404

from demandes.models import Solution

from .models import Import


def solutions_du_fournisseur(fournisseur):
    return Solution.objects.filter(fournisseur=fournisseur).select_related("couloir", "logiciel").order_by("numero_ans")


def imports_du_fournisseur(fournisseur):
    return Import.objects.filter(fournisseur=fournisseur).order_by("-id")


def import_du_fournisseur(fournisseur, pk) -> Import:
    """The supplier's import, or 404 — whether it belongs to someone else or does not exist."""
    return get_object_or_404(Import.objects.select_related("solution"), fournisseur=fournisseur, pk=pk)


def erreurs_de_l_import(import_json):
    return import_json.erreurs.order_by("id")
