from django.urls import path

from . import views

app_name = "piecesjointes"
urlpatterns = [
    path("<int:pk>/", views.EtapePiecesJointesView.as_view(), name="etape"),
]
