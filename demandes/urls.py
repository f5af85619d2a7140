from django.contrib.auth import views as auth_views
from django.urls import include, path

from . import comptes, views
from .enrolement import vues_fournisseur

urlpatterns = [
    path("connexion/", views.ConnexionView.as_view(), name="connexion"),
    path("deconnexion/", auth_views.LogoutView.as_view(), name="deconnexion"),
    path("enrolement/", views.EnrolementView.as_view(), name="enrolement"),
    path("equipe/", vues_fournisseur.EquipeView.as_view(), name="equipe"),
    path(
        "equipe/<int:pk>/renvoyer-l-invitation/",
        vues_fournisseur.RenvoyerInvitationView.as_view(),
        name="equipe_renvoyer_invitation",
    ),
    path("equipe/<int:pk>/retirer/", vues_fournisseur.RetirerCompteView.as_view(), name="equipe_retirer"),
    path("demandes/", views.DemandesView.as_view(), name="demandes"),
    path("demandes/<int:pk>/", views.DemandeView.as_view(), name="demande"),
    path("aide/", views.AideView.as_view(), name="aide"),
    path("", include("demandes.enrolement.urls")),
    path("notifications/", views.NotificationsView.as_view(), name="notifications"),
    path("acces-api/", views.AccesAPIView.as_view(), name="acces_api"),
    path("acces-api/jetons/<int:pk>/revoquer/", views.RevoquerJetonView.as_view(), name="revoquer_jeton"),
    # Where the link e-mailed from the admin leads (« Envoyer un lien de réinitialisation du mot de passe »).
    path(
        "mot-de-passe/reinitialisation/terminee/",
        comptes.ReinitialisationTermineeView.as_view(),
        name="reinitialisation_terminee",
    ),
    # Where the activation link leads (first user of an enrolled supplier, invited colleague).
    path("activation/terminee/", comptes.ActivationTermineeView.as_view(), name="activation_terminee"),
    path("activation/<uidb64>/<token>/", comptes.ActivationView.as_view(), name="activation"),
    path(
        "mot-de-passe/reinitialisation/<uidb64>/<token>/",
        comptes.ReinitialisationView.as_view(),
        name="reinitialisation",
    ),
]
