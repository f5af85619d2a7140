from django.apps import AppConfig


class PiecesJointesConfig(AppConfig):
    name = "piecesjointes"
    verbose_name = "Pièces jointes"
