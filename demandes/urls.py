from django.contrib.auth import views as auth_views
from django.urls import path

from . import views

urlpatterns = [
    path("", views.AccueilView.as_view(), name="accueil"),
    path("connexion/", views.ConnexionView.as_view(), name="connexion"),
    path("deconnexion/", auth_views.LogoutView.as_view(), name="deconnexion"),
    path("enrolement/", views.EnrolementView.as_view(), name="enrolement"),
    path("demandes/", views.DemandesView.as_view(), name="demandes"),
    path("demandes/<int:pk>/", views.DemandeView.as_view(), name="demande"),
    path("aide/", views.AideView.as_view(), name="aide"),
]
