"""python manage.py simuler FICHIER --type avance|solde --ans NUMERO --tva 20|8.5|0 [--sortie CHEMIN]

The same engine as the portal's « Simuler », for the supplier that owns the numéro ANS.
Exit codes: 0 every line valid, 1 some line invalid (output file written), 2 file rejected.
"""

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from demandes.models import Solution
from demandes.valeurs import TypeDemande
from imports.moteur.anomalies import FichierRejete
from imports.moteur.simulation import simuler
from imports.moteur.sortie import fichier_de_sortie

MAX_ERREURS_AFFICHEES = 20


def chemin_sortie_par_defaut(chemin: Path) -> Path:
    base = chemin.name[:-5] if chemin.name.lower().endswith(".json") else chemin.name
    return chemin.with_name(f"{base}_sortie.json")


class Command(BaseCommand):
    help = "Simule l'import d'un fichier JSON de demandes avec le moteur de règles du portail."

    def add_arguments(self, parser):
        parser.add_argument("fichier", type=Path)
        parser.add_argument("--type", required=True, choices=["avance", "solde"], dest="type_demande")
        parser.add_argument("--ans", required=True, help="numéro ANS de la solution")
        parser.add_argument("--tva", required=True, choices=["20", "8.5", "0"], help="taux de TVA : 20, 8.5 ou 0")
        parser.add_argument("--sortie", type=Path, help="chemin du fichier de sortie (défaut : à côté du fichier)")

    def handle(self, *args, fichier, type_demande, ans, tva, sortie, **options):
        try:
            contenu = fichier.read_bytes()
        except OSError as erreur:
            raise CommandError(f"Impossible de lire {fichier} : {erreur.strerror}", returncode=2) from erreur
        solution = Solution.objects.select_related("fournisseur").filter(numero_ans=ans).first()
        if solution is None:
            raise CommandError(f"Numéro ANS inconnu : {ans}", returncode=2)
        try:
            simulation = simuler(
                contenu,
                fournisseur=solution.fournisseur,
                numero_ans=ans,
                type_demande=TypeDemande(type_demande.upper()),
                taux_tva=tva,
            )
        except FichierRejete as rejet:
            self.stderr.write(f"Fichier rejeté : {rejet.message}")
            for detail in rejet.details:
                self.stderr.write(f"  - {detail}")
            sys.exit(2)

        sortie = sortie or chemin_sortie_par_defaut(fichier)
        sortie.write_bytes(fichier_de_sortie(simulation.document, simulation.lignes, None))
        self.stdout.write(
            f"{simulation.nb_lignes} demande(s) : {simulation.nb_valides} valide(s), "
            f"{simulation.nb_invalides} en erreur."
        )
        affichees = 0
        for ligne in simulation.lignes:
            for anomalie in ligne.anomalies:
                if affichees == MAX_ERREURS_AFFICHEES:
                    break
                self.stdout.write(f"  demande n° {ligne.rang} ({ligne.numero_editeur}) : {anomalie.libelle()}")
                affichees += 1
        if simulation.nb_invalides:
            self.stdout.write(f"Fichier de sortie : {sortie}")
            sys.exit(1)
        self.stdout.write(f"La simulation de l'import s'est déroulée correctement. Fichier de sortie : {sortie}")
