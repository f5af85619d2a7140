"""`python manage.py jeton_api IDENTIFIANT --nom NOM [--jours N]`: a new API token for a supplier's
user (demandes.jetons.creer_jeton, as the page « Accès API »), printed alone on stdout so that a
script can capture it: TOKEN=$(python manage.py jeton_api relais --nom CI)."""

from django.core.management.base import BaseCommand, CommandError

from demandes import jetons
from demandes.models import Utilisateur


class Command(BaseCommand):
    help = "Crée un jeton d'API pour un compte fournisseur et l'affiche (seul, sur la sortie standard)."

    def add_arguments(self, parser):
        parser.add_argument("identifiant", help="identifiant du compte fournisseur")
        parser.add_argument("--nom", required=True, help="nom du jeton (le logiciel ou le serveur qui l'utilisera)")
        parser.add_argument(
            "--jours",
            type=int,
            default=jetons.DUREE_PAR_DEFAUT_JOURS,
            help=f"durée de validité en jours, de 1 à {jetons.DUREE_MAX_JOURS} (défaut : {jetons.DUREE_PAR_DEFAUT_JOURS})",
        )

    def handle(self, *args, identifiant, nom, jours, **options):
        compte = Utilisateur.objects.filter(username=identifiant).first()
        if compte is None:
            raise CommandError(f"Aucun compte ne porte l'identifiant « {identifiant} ».")
        if compte.is_staff or compte.fournisseur_id is None:
            raise CommandError(
                f"Le compte « {identifiant} » n'est pas un compte fournisseur : seuls les comptes des fournisseurs "
                "reçoivent un jeton d'API."
            )
        if not compte.is_active:
            raise CommandError(f"Le compte « {identifiant} » est désactivé.")
        try:
            _, clair = jetons.creer_jeton(compte, nom=nom, jours=jours)
        except jetons.JetonInvalide as refus:
            raise CommandError(str(refus)) from refus
        self.stdout.write(clair)
