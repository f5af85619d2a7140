from django.contrib import admin
from django.urls import include, path

from .accueil import AccueilView
from .api.principal import api
from .sante import SanteView

handler500 = "segur_portal.erreurs.erreur_serveur"

urlpatterns = [
    path("sante/", SanteView.as_view(), name="sante"),
    path("admin/", admin.site.urls),
    path("", AccueilView.as_view(), name="accueil"),
    path("", include("demandes.urls")),
    path("imports/", include("imports.urls")),
    path("pieces-jointes/", include("piecesjointes.urls")),
    path("api/v1/", api.urls),
]
