"""`{% tableau_de_bord as tableau %}`: the figures of the managers' dashboard on the admin's index
(demandes.selectors.tableau_de_bord), for a user who may see the demandes; None for anyone else."""

from typing import Any

from django import template

from demandes.selectors import tableau_de_bord as lire_tableau_de_bord

register = template.Library()


@register.simple_tag(takes_context=True)
def tableau_de_bord(context) -> dict[str, Any] | None:
    utilisateur = context["request"].user
    if not utilisateur.is_active or not utilisateur.is_staff or not utilisateur.has_perm("demandes.view_demande"):
        return None
    return lire_tableau_de_bord()
