"""Reads of the supplier's own data; the fournisseur always comes first."""
from django.db.models import Count
from django.shortcuts import get_object_or_404

from .models import Demande, Solution


def solutions_du_fournisseur(fournisseur):
    return Solution.objects.filter(fournisseur=fournisseur).select_related("couloir", "logiciel").order_by("numero_ans")


def demandes_du_fournisseur(fournisseur):
    return Demande.objects.filter(fournisseur=fournisseur).select_related("solution__logiciel")


def demande_du_fournisseur(fournisseur, pk) -> Demande:
    return get_object_or_404(
        Demande.objects.select_related("solution__couloir", "solution__logiciel", "import_json", "avance")
        .prefetch_related("beneficiaires", "pieces_attendues__receptions"),
        fournisseur=fournisseur, pk=pk,
    )


def historique_des_statuts(demande):
    """(date, statut, statut du paiement, motif) at each change of status, oldest first."""
    etapes, precedent = [], None
    for version in demande.history.order_by("history_date", "history_id"):
        cle = (version.statut, version.statut_paiement)
        if cle != precedent:
            etapes.append(version)
            precedent = cle
    return etapes


def demandes_par_statut(fournisseur):
    return list(
        Demande.objects.filter(fournisseur=fournisseur).values("statut").annotate(nombre=Count("id")).order_by("statut")
    )
