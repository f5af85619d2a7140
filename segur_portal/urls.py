from django.contrib import admin
from django.urls import include, path

admin.site.site_header = "Portail Ségur numérique — gestion ASP"
admin.site.site_title = "Ségur numérique — ASP"
admin.site.index_title = "Instruction des demandes"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("demandes.urls")),
    path("imports/", include("imports.urls")),
    path("pieces-jointes/", include("piecesjointes.urls")),
]
