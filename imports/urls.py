from django.urls import path

from . import views

app_name = "imports"
urlpatterns = [
    path("", views.ListeImportsView.as_view(), name="liste"),
    path("simulation/", views.EcranImportView.as_view(), name="simulation"),
    path("<int:pk>/", views.EcranImportView.as_view(), name="ecran"),
    path("<int:pk>/importer/", views.ImporterView.as_view(), name="importer"),
    path("<int:pk>/sortie/", views.FichierSortieView.as_view(), name="sortie"),
    path("<int:pk>/fichier/", views.FichierJsonView.as_view(), name="fichier"),
    path("documentation/", views.DocumentationView.as_view(), name="documentation"),
    path("documentation/schemas/<str:type_demande>.schema.json", views.SchemaView.as_view(), name="schema"),
    path("documentation/modeles/<str:nom>.json", views.ModeleView.as_view(), name="modele"),
]
