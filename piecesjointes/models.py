"""Zip files of attachments sent after the real import, their entries, and the pieces received."""

import uuid

from django.db import models

from demandes.models import DemandeDeComplements, Fournisseur, PieceAttendue, Utilisateur


def nouvelle_cle():
    return uuid.uuid4().hex


def _cle_zip(instance, nom):
    # Non-guessable key per fournisseur and import; the original name stays in the row only.
    return f"zips/{instance.fournisseur_id}/{instance.import_demandes_id}/{instance.cle}.zip"


class ZipDepose(models.Model):
    class Statut(models.TextChoices):
        EN_ATTENTE = "EN_ATTENTE", "En attente de traitement"
        EN_COURS = "EN_COURS", "En cours"
        TRAITE = "TRAITE", "Traité"
        REFUSE = "REFUSE", "Refusé"
        EN_ECHEC = "EN_ECHEC", "En échec"

    # Waiting for the worker: the sweeper (piecesjointes.reprise) sends these again when stale.
    STATUTS_A_TRAITER = (Statut.EN_ATTENTE, Statut.EN_COURS)
    # Not stored: set by deposer_zip once its transaction commits — None before, then whether the
    # broker took the processing task (the upload's answer says so).
    envoye_au_traitement: bool | None = None

    import_demandes = models.ForeignKey("imports.Import", on_delete=models.PROTECT, related_name="zips")
    fournisseur = models.ForeignKey(Fournisseur, on_delete=models.PROTECT, related_name="zips")
    cle = models.CharField("clé de stockage", max_length=32, default=nouvelle_cle, editable=False)
    nom_fichier = models.CharField("nom du fichier importé", max_length=255)
    fichier = models.FileField("fichier zip", upload_to=_cle_zip, max_length=255)
    taille = models.PositiveBigIntegerField("taille (octets)", default=0)
    statut = models.CharField("statut import", max_length=10, choices=Statut.choices, default=Statut.EN_ATTENTE)
    message = models.TextField("motif du refus de l'archive", blank=True)
    nb_entrees = models.PositiveIntegerField("fichiers dans l'archive", default=0)
    nb_traitees = models.PositiveIntegerField("fichiers traités", default=0)
    nb_acceptees = models.PositiveIntegerField("fichiers acceptés", default=0)
    nb_refusees = models.PositiveIntegerField("fichiers refusés", default=0)
    date_depot = models.DateTimeField("date de dépôt", auto_now_add=True)
    date_traitement = models.DateTimeField("date de traitement", null=True, blank=True)
    # Last sign of life: sent to the broker, started, progress. Older than
    # SEGUR_ZIP_RELANCE_APRES while waiting or in progress, the zip is sent again.
    date_activite = models.DateTimeField("dernière activité", null=True, blank=True)
    nb_tentatives = models.PositiveSmallIntegerField("tentatives de traitement", default=0)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["statut", "date_activite"], name="zip_statut_activite")]
        verbose_name = "fichier zip"
        verbose_name_plural = "fichiers zip"

    def __str__(self):
        return self.nom_fichier

    @property
    def termine(self):
        """Nothing more will happen without the supplier: processed, refused, or failed."""
        return self.statut not in self.STATUTS_A_TRAITER


class EntreeZip(models.Model):
    """One entry of a zip, accepted or refused with its reason."""

    zip_depose = models.ForeignKey(ZipDepose, on_delete=models.CASCADE, related_name="entrees")
    rang = models.PositiveIntegerField("rang dans l'archive")
    nom = models.CharField("nom", max_length=300)
    acceptee = models.BooleanField("acceptée")
    motif = models.CharField("motif", max_length=300, blank=True)
    taille_lue = models.PositiveIntegerField("octets lus", default=0)

    class Meta:
        ordering = ["rang"]
        verbose_name = "fichier de l'archive"
        verbose_name_plural = "fichiers de l'archive"

    def __str__(self):
        return self.nom


def _cle_piece(instance, nom):
    return instance.cle_stockage


class PieceRecue(models.Model):
    """A file accepted for an expected piece. A later zip may bring it again: the piece in force
    is the one of the most recent zip (the older rows stay, as history, until « Terminer »)."""

    piece_attendue = models.ForeignKey(PieceAttendue, on_delete=models.CASCADE, related_name="receptions")
    zip_depose = models.ForeignKey(ZipDepose, on_delete=models.CASCADE, related_name="pieces")
    cle_stockage = models.CharField(max_length=255, editable=False)
    fichier = models.FileField("fichier", upload_to=_cle_piece, max_length=255)
    taille = models.PositiveIntegerField("taille (octets)")
    type_mime = models.CharField("type détecté", max_length=100)
    sha256 = models.CharField("empreinte SHA-256", max_length=64)
    date_reception = models.DateTimeField("date de réception", auto_now_add=True)

    class Meta:
        ordering = ["-zip_depose_id"]
        verbose_name = "pièce reçue"
        verbose_name_plural = "pièces reçues"
        constraints = [
            models.UniqueConstraint(fields=["piece_attendue", "zip_depose"], name="une_reception_par_piece_et_zip"),
        ]

    def __str__(self):
        return self.piece_attendue.nom_fichier


def _cle_complement(instance, nom):
    return instance.cle_stockage


class PieceComplementaire(models.Model):
    """A file sent by the supplier from the demande page, in answer to a manager's request for
    compléments (demandes.DemandeDeComplements). Checked like an entry of a zip (name, size, type
    by content: piecesjointes.controles.verifier_piece)."""

    complement = models.ForeignKey(DemandeDeComplements, on_delete=models.CASCADE, related_name="pieces")
    nom_fichier = models.CharField("nom du fichier", max_length=100)
    cle_stockage = models.CharField(max_length=255, editable=False)
    fichier = models.FileField("fichier", upload_to=_cle_complement, max_length=255)
    taille = models.PositiveIntegerField("taille (octets)")
    type_mime = models.CharField("type détecté", max_length=100)
    sha256 = models.CharField("empreinte SHA-256", max_length=64)
    deposee_par = models.ForeignKey(
        Utilisateur, verbose_name="déposée par", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    date_depot = models.DateTimeField("déposée le", auto_now_add=True)

    class Meta:
        ordering = ["id"]
        verbose_name = "pièce complémentaire"
        verbose_name_plural = "pièces complémentaires"

    def __str__(self):
        return self.nom_fichier
