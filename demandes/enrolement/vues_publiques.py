"""The public pages of the request for access. (Being written: each page answers 404 until then.)"""

from django.http import Http404
from django.views import View


class _PasEncore(View):
    def dispatch(self, request, *args, **kwargs):
        raise Http404


DemandeAccesView = ConfirmerAdresseView = CompleterDemandeView = _PasEncore
