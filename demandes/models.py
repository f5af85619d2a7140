"""Reference data (fournisseurs, solutions, référentiels) and the demandes they fund."""
from django.contrib.auth.models import AbstractUser
from django.db import models
from simple_history.models import HistoricalRecords

from .validators import valider_siret


class TypeDemande(models.TextChoices):
    AVANCE = "AVANCE", "Avance"
    SOLDE = "SOLDE", "Solde"


class Couloir(models.Model):
    code = models.CharField("code", max_length=10, unique=True)
    libelle = models.CharField("libellé", max_length=100)

    class Meta:
        ordering = ["code"]
        verbose_name = "couloir"

    def __str__(self):
        return f"{self.code} — {self.libelle}"


class Logiciel(models.Model):
    code = models.CharField("code", max_length=10, unique=True)
    libelle = models.CharField("libellé", max_length=100)

    class Meta:
        ordering = ["code"]
        verbose_name = "logiciel"

    def __str__(self):
        return f"{self.code} — {self.libelle}"


class OperateurMessagerie(models.Model):
    code = models.CharField("code", max_length=30, unique=True)
    libelle = models.CharField("libellé", max_length=200)
    actif = models.BooleanField("actif", default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = "opérateur de messagerie"
        verbose_name_plural = "opérateurs de messagerie"

    def __str__(self):
        return self.code


class TypePiece(models.Model):
    """A kind of attachment (typeFichier) and its code in the file-name nomenclature."""

    code = models.CharField("type de fichier", max_length=30, unique=True)
    code_nomenclature = models.CharField("code dans le nom du fichier", max_length=10, unique=True)
    libelle = models.CharField("libellé", max_length=200)

    class Meta:
        ordering = ["code"]
        verbose_name = "type de pièce"
        verbose_name_plural = "types de pièces"

    def __str__(self):
        return self.code


class Fournisseur(models.Model):
    siret = models.CharField("SIRET", max_length=14, unique=True, validators=[valider_siret])
    denomination = models.CharField("dénomination sociale", max_length=200)
    history = HistoricalRecords()

    class Meta:
        ordering = ["denomination"]
        verbose_name = "fournisseur"

    def __str__(self):
        return f"{self.denomination} ({self.siret})"


class Utilisateur(AbstractUser):
    """A portal user: a fournisseur's user, or ASP staff (no fournisseur)."""

    fournisseur = models.ForeignKey(
        Fournisseur, verbose_name="fournisseur", null=True, blank=True,
        on_delete=models.PROTECT, related_name="utilisateurs",
    )

    class Meta:
        verbose_name = "utilisateur"


class Solution(models.Model):
    numero_ans = models.CharField("numéro ANS", max_length=30, unique=True)
    nom = models.CharField("nom", max_length=200)
    fournisseur = models.ForeignKey(Fournisseur, on_delete=models.PROTECT, related_name="solutions")
    couloir = models.ForeignKey(Couloir, on_delete=models.PROTECT)
    logiciel = models.ForeignKey(Logiciel, on_delete=models.PROTECT)
    vague = models.PositiveSmallIntegerField("vague")
    date_referencement = models.DateField("date de référencement")
    plafond_ht = models.DecimalField("plafond HT (€)", max_digits=12, decimal_places=2)
    avance_ouverture = models.DateTimeField("ouverture du dépôt des avances")
    avance_fermeture = models.DateTimeField("fermeture du dépôt des avances")
    solde_ouverture = models.DateTimeField("ouverture du dépôt des soldes")
    solde_fermeture = models.DateTimeField("fermeture du dépôt des soldes")
    history = HistoricalRecords()

    class Meta:
        ordering = ["numero_ans"]
        verbose_name = "solution"

    def __str__(self):
        return self.numero_ans

    def fenetre_depot(self, type_demande):
        if type_demande == TypeDemande.AVANCE:
            return self.avance_ouverture, self.avance_fermeture
        return self.solde_ouverture, self.solde_fermeture


class StatutDemande(models.TextChoices):
    EN_ATTENTE_PIECES = "EN_ATTENTE_PIECES", "En attente des pièces"
    DEPOSEE = "DEPOSEE", "Déposée"
    EN_INSTRUCTION = "EN_INSTRUCTION", "En instruction"
    DECIDEE = "DECIDEE", "Décidée"
    REJETEE = "REJETEE", "Rejetée"
    ANNULEE = "ANNULEE", "Annulée"


# A demande still "live" blocks duplicates (E104, E306); cancelled or rejected ones do not.
STATUTS_VIVANTS = [
    StatutDemande.EN_ATTENTE_PIECES, StatutDemande.DEPOSEE,
    StatutDemande.EN_INSTRUCTION, StatutDemande.DECIDEE,
]
# Before instruction a demande may still be modified (M) or cancelled (A) by its fournisseur.
STATUTS_AVANT_INSTRUCTION = [StatutDemande.EN_ATTENTE_PIECES, StatutDemande.DEPOSEE]


class StatutPaiement(models.TextChoices):
    EN_COURS = "EN_COURS", "Paiement en cours"
    EFFECTUE = "EFFECTUE", "Paiement effectué"


class Demande(models.Model):
    """One funding request (one line of an imported JSON file). Created by the real import."""

    # The dossier number shown to suppliers is numero + "M" + version (FINHOP004139M0): the
    # base never changes, the version grows with each modification (typeAction M).
    numero = models.CharField("numéro de dossier (sans version)", max_length=20, unique=True)
    version = models.PositiveSmallIntegerField("version", default=0)
    type_demande = models.CharField("type", max_length=6, choices=TypeDemande.choices)
    fournisseur = models.ForeignKey(Fournisseur, on_delete=models.PROTECT, related_name="demandes")
    solution = models.ForeignKey(Solution, on_delete=models.PROTECT, related_name="demandes")
    numero_editeur = models.CharField("numéro éditeur", max_length=20)
    date_commande = models.DateField("date de la commande")
    regime_tva = models.CharField("régime de TVA", max_length=3)
    montant_ht = models.DecimalField("montant Ségur HT (€)", max_digits=12, decimal_places=2)
    statut = models.CharField(
        "statut", max_length=20, choices=StatutDemande.choices, default=StatutDemande.EN_ATTENTE_PIECES
    )
    statut_paiement = models.CharField(
        "statut du dernier paiement", max_length=10, choices=StatutPaiement.choices, blank=True
    )
    avance = models.ForeignKey(
        "self", verbose_name="avance soldée", null=True, blank=True,
        on_delete=models.PROTECT, related_name="soldes",
    )
    date_depot = models.DateTimeField("date de dépôt", auto_now_add=True)
    date_modification = models.DateTimeField("date de modification", auto_now=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-date_depot"]
        verbose_name = "demande"
        indexes = [
            models.Index(fields=["fournisseur", "solution", "type_demande", "numero_editeur"]),
        ]

    def __str__(self):
        return self.numero_dossier

    @property
    def numero_dossier(self):
        return f"{self.numero}M{self.version}"


class Beneficiaire(models.Model):
    """A beneficiary of a demande: an établissement (FINESS géographique) or a libéral (RPPS)."""

    class Nature(models.TextChoices):
        FINESS_GEO = "FINESS_GEO", "Établissement (FINESS géographique)"
        RPPS = "RPPS", "Professionnel libéral (RPPS)"

    demande = models.ForeignKey(Demande, on_delete=models.CASCADE, related_name="beneficiaires")
    nature = models.CharField("nature", max_length=10, choices=Nature.choices)
    identifiant = models.CharField("identifiant", max_length=11)
    nom = models.CharField("nom", max_length=200, blank=True)

    class Meta:
        verbose_name = "bénéficiaire"
        indexes = [models.Index(fields=["identifiant"])]

    def __str__(self):
        return f"{self.get_nature_display()} {self.identifiant}"
