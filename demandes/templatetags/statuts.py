"""Badges of the statuses in templates, with the colours of demandes.valeurs."""

from django import template
from django.utils.html import format_html

from demandes.valeurs import StatutDemande, StatutPaiement, classe_badge

register = template.Library()


@register.simple_tag
def badge_statut(statut: str):
    """`{% badge_statut demande.statut %}`: the status's label in a badge of its colour."""
    statut = StatutDemande(statut)
    return format_html('<span class="{}">{}</span>', classe_badge(statut.couleur), statut.label)


@register.simple_tag
def badge_paiement(statut: str):
    if not statut:
        return ""
    statut = StatutPaiement(statut)
    return format_html('<span class="{}">{}</span>', classe_badge(statut.couleur), statut.label)
