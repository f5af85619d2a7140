from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _creer_groupe_gestionnaires(sender, using, **kwargs):
    # Sent for the last app of the project, once every permission exists.
    from django.contrib.auth.models import Group, Permission

    from demandes.gestionnaires import creer_groupe

    creer_groupe(Group, Permission)


class PiecesJointesConfig(AppConfig):
    name = "piecesjointes"
    verbose_name = "Pièces jointes"

    def ready(self):
        post_migrate.connect(_creer_groupe_gestionnaires, sender=self, dispatch_uid="creer_groupe_gestionnaires")
