"""An Import is one JSON file submitted for one (type, numéro ANS, taux de TVA)."""

import uuid

from django.conf import settings
from django.db import models

from demandes.models import Fournisseur, Solution
from demandes.valeurs import TauxTVA, TypeDemande


def _chemin_fichier(instance, nom):
    # Non-guessable key per fournisseur: the original name is kept in the row, not in the path.
    return f"imports/{instance.fournisseur_id}/{uuid.uuid4().hex}.json"


class Import(models.Model):
    class Resultat(models.TextChoices):
        FICHIER_REJETE = "FICHIER_REJETE", "Fichier rejeté"
        ERREURS = "ERREURS", "Erreurs dans les demandes"
        SIMULATION_OK = "SIMULATION_OK", "Simulation réussie"

    class Etat(models.TextChoices):
        SIMULE = "SIMULE", "Simulé"
        IMPORT_EN_COURS = "IMPORT_EN_COURS", "Import en cours"
        IMPORTE = "IMPORTE", "Importé — pièces jointes à déposer"
        TERMINE = "TERMINE", "Terminé"

    # What the import screen says of a simulation's outcome, and of a real import (the API says the same).
    MESSAGE_SIMULATION_REUSSIE = "La simulation de l'import s'est déroulée correctement."
    MESSAGE_SIMULATION_EN_ERREUR = (
        "Une ou plusieurs erreurs ont été retournées lors de la simulation de l'import. "
        "Veuillez corriger votre fichier en suivant les erreurs du fichier de retour."
    )
    MESSAGE_DEJA_IMPORTE = "« Importer » n'est plus disponible : ce fichier a déjà été importé."

    # « Imported »: the real import ran (its counts nb_retenues and nb_rejetees hold). The one
    # definition, read by the property `importe` and by queries and tables (etat__in=…).
    ETATS_IMPORTES = (Etat.IMPORTE, Etat.TERMINE)

    # The primary key is the "Identifiant" shown to suppliers and written as impId.
    date_creation = models.DateTimeField("date", auto_now_add=True)
    fournisseur = models.ForeignKey(Fournisseur, on_delete=models.PROTECT, related_name="imports")
    utilisateur = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    solution = models.ForeignKey(Solution, null=True, blank=True, on_delete=models.PROTECT, related_name="imports")
    numero_ans = models.CharField("numéro ANS", max_length=30)
    type_demande = models.CharField("type de demande", max_length=6, choices=TypeDemande.choices)
    taux_tva = models.CharField("taux de TVA", max_length=3, choices=TauxTVA.choices)
    nom_fichier = models.CharField("nom du fichier", max_length=255)
    fichier = models.FileField("fichier JSON", upload_to=_chemin_fichier, max_length=255)
    sha256 = models.CharField("empreinte SHA-256", max_length=64)
    taille = models.PositiveBigIntegerField("taille (octets)", default=0)
    fichier_sortie = models.FileField("fichier de sortie", upload_to="sorties/", blank=True, max_length=255)
    nb_lignes = models.PositiveIntegerField("nombre de demandes", default=0)
    nb_valides = models.PositiveIntegerField("demandes valides", default=0)
    nb_invalides = models.PositiveIntegerField("demandes en erreur", default=0)
    resultat = models.CharField("résultat", max_length=20, choices=Resultat.choices)
    message = models.TextField("message", blank=True)
    details = models.JSONField("détails du rejet", default=list, blank=True)
    # A FICHIER_REJETE for the file's format (JSON syntax, encoding, schema), not for its content
    # (numéro ANS, SIRET, régime de TVA, deposit window): the screen then points to the documentation.
    rejet_de_format = models.BooleanField("rejet pour le format du fichier", default=False)
    etat = models.CharField("état", max_length=20, choices=Etat.choices, default=Etat.SIMULE)
    date_import = models.DateTimeField("date d'importation", null=True, blank=True)
    nb_retenues = models.PositiveIntegerField("demandes retenues", default=0)
    nb_rejetees = models.PositiveIntegerField("demandes rejetées", default=0)

    class Meta:
        ordering = ["-id"]
        verbose_name = "import"
        indexes = [models.Index(fields=["fournisseur", "-id"])]

    def __str__(self):
        return f"Import {self.pk} — {self.nom_fichier}"

    @property
    def nom_fichier_sortie(self):
        base = self.nom_fichier[:-5] if self.nom_fichier.lower().endswith(".json") else self.nom_fichier
        return f"{base}_sortie.json"

    @property
    def simulation_reussie(self):
        return self.resultat == self.Resultat.SIMULATION_OK

    @property
    def importable(self):
        """« Importer » is offered once, after a successful simulation of this very file."""
        return self.simulation_reussie and self.etat == self.Etat.SIMULE

    @property
    def importe(self) -> bool:
        return self.etat in self.ETATS_IMPORTES

    @property
    def message_de_la_simulation(self) -> str:
        """The result message of the import screen: the reason of a rejected file, or the outcome
        of the lines."""
        if self.resultat == self.Resultat.FICHIER_REJETE:
            return self.message
        return self.MESSAGE_SIMULATION_REUSSIE if self.simulation_reussie else self.MESSAGE_SIMULATION_EN_ERREUR

    @property
    def message_de_l_import(self) -> str:
        """What the portal says once the real import is done (its counts)."""
        return (
            f"L'import s'est déroulé correctement : {self.nb_retenues} demande(s) retenue(s), "
            f"{self.nb_rejetees} demande(s) rejetée(s). Déposez maintenant les pièces jointes."
        )


class ErreurLigne(models.Model):
    """One error of one line, for the paginated table of the results page."""

    import_demandes = models.ForeignKey(Import, on_delete=models.CASCADE, related_name="erreurs")
    rang = models.IntegerField("rang")  # position in lignesImport, 1-based
    num_ligne = models.CharField("numLigne", max_length=30, blank=True)  # as written in the file
    numero_editeur = models.CharField("numéro éditeur", max_length=100, blank=True)
    code = models.CharField("code", max_length=4)
    champ = models.CharField("champ", max_length=200)
    message = models.TextField("message")

    class Meta:
        ordering = ["id"]
        verbose_name = "erreur de ligne"
        verbose_name_plural = "erreurs de ligne"

    def __str__(self):
        return f"ligne {self.rang} : {self.code}"
