"""`{{ valeur|montant }}`: an amount as the portal writes it for a person (segur_portal.formats.montant,
« 10 750,00 € »)."""

from django import template

from segur_portal import formats

register = template.Library()


@register.filter
def montant(valeur) -> str:
    return formats.montant(valeur)
