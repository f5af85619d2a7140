"""The public pages of the request for access (no login: the visitor has no account yet)."""

from django.urls import path

from . import vues_publiques

urlpatterns = [
    path("demander-un-acces/", vues_publiques.DemandeAccesView.as_view(), name="demande_acces"),
    path(
        "demander-un-acces/enregistree/",
        vues_publiques.DemandeEnregistreeView.as_view(),
        name="demande_acces_enregistree",
    ),
    path(
        "demander-un-acces/renvoyer/",
        vues_publiques.RenvoyerConfirmationView.as_view(),
        name="demande_acces_renvoyer",
    ),
    path(
        "demander-un-acces/confirmer/<str:jeton>/",
        vues_publiques.ConfirmerAdresseView.as_view(),
        name="demande_acces_confirmer",
    ),
    path(
        "demander-un-acces/transmise/",
        vues_publiques.DemandeTransmiseView.as_view(),
        name="demande_acces_transmise",
    ),
    path(
        "demander-un-acces/completer/<str:jeton>/",
        vues_publiques.CompleterDemandeView.as_view(),
        name="demande_acces_completer",
    ),
    path("conditions-d-utilisation/", vues_publiques.ConditionsView.as_view(), name="conditions_utilisation"),
]
