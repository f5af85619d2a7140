from django.urls import path

from . import views

app_name = "piecesjointes"
urlpatterns = [
    path("<int:pk>/", views.EtapePiecesJointesView.as_view(), name="etape"),
    path("<int:pk>/zip/", views.DeposerZipView.as_view(), name="deposer"),
    path("<int:pk>/terminer/", views.TerminerView.as_view(), name="terminer"),
    path("zip/<int:pk>/statut/", views.StatutZipView.as_view(), name="statut"),
    path("zip/<int:pk>/relancer/", views.RelancerZipView.as_view(), name="relancer"),
    path("zip/<int:pk>/", views.TelechargerZipView.as_view(), name="zip"),
    path("piece/<int:pk>/", views.TelechargerPieceView.as_view(), name="piece"),
    path("demande/<int:pk>/complements/", views.DeposerComplementsView.as_view(), name="complements"),
    path("complement/<int:pk>/", views.TelechargerComplementView.as_view(), name="complement"),
]
