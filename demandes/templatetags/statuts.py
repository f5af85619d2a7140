"""The statuses shown as DSFR badges, in the colours of demandes.valeurs (COULEUR_STATUT,
COULEUR_PAIEMENT): the supplier's pages (`{% badge_statut %}`, `{% badge_paiement %}`), the column
« Statut » of its list of demandes (demandes.tables) and the managers' admin (demandes.admin) all
write them with the functions below, hence the same colour for a status everywhere."""

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

from demandes.valeurs import StatutDemande, StatutPaiement, classe_badge

register = template.Library()


def badge(libelle: str, couleur: str) -> SafeString:
    return format_html('<span class="{}">{}</span>', classe_badge(couleur), libelle)


def badge_de_statut(code: str) -> SafeString:
    """The badge of a demande's status (an unknown code: a plain badge with the code)."""
    try:
        statut = StatutDemande(code)
    except ValueError:
        return badge(code, "")
    return badge(statut.label, statut.couleur)


def badge_de_paiement(code: str) -> SafeString:
    """The badge of a payment status; nothing when there is no payment yet."""
    if not code:
        return SafeString("")
    try:
        statut = StatutPaiement(code)
    except ValueError:
        return badge(code, "")
    return badge(statut.label, statut.couleur)


@register.simple_tag
def badge_statut(statut: str) -> SafeString:
    """`{% badge_statut demande.statut %}`: the status's label in a badge of its colour."""
    return badge_de_statut(statut)


@register.simple_tag
def badge_paiement(statut: str) -> SafeString:
    """`{% badge_paiement demande.statut_paiement %}`: idem for the last payment's status."""
    return badge_de_paiement(statut)
