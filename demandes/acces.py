"""Who may see the supplier's space: a logged-in user attached to a fournisseur."""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied


class EspaceFournisseurMixin(LoginRequiredMixin):
    """Sets self.fournisseur; ASP staff (no fournisseur) get a 403 with a French explanation."""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and request.user.fournisseur_id is None:
            raise PermissionDenied(
                "Cet espace est réservé aux fournisseurs. Les gestionnaires ASP passent par la gestion ASP."
            )
        self.fournisseur = getattr(request.user, "fournisseur", None)
        return super().dispatch(request, *args, **kwargs)
