from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("demandes.urls")),
    path("imports/", include("imports.urls")),
    path("pieces-jointes/", include("piecesjointes.urls")),
]
