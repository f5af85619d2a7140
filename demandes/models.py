"""Reference data (fournisseurs, solutions, référentiels) and the demandes they fund."""

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

from segur_portal.formats import masquer_iban

from . import numero_dossier
from .valeurs import STATUTS_VIVANTS, StatutDemande, StatutPaiement, TypeDemande
from .validateurs import valider_siret


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
        Fournisseur,
        verbose_name="fournisseur",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="utilisateurs",
    )
    # A supplier's first user (created by the validation of its enrolment) administers the
    # structure's team: he invites colleagues and removes them, and asks for a change of bank details.
    administrateur_fournisseur = models.BooleanField("administrateur de la structure", default=False)
    invite_par = models.ForeignKey(
        "self", verbose_name="invité par", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    date_invitation = models.DateTimeField("invité le", null=True, blank=True)

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


class Demande(models.Model):
    """One funding request (one line of an imported JSON file). Created by the real import."""

    # Set before save() by the service that makes the change: its author in the history, and
    # (sometimes) why, in 100 characters at most.
    _history_user: "Utilisateur"
    _change_reason: str

    # The dossier number shown to suppliers is the base `numero` and the `version` (see
    # demandes.numero_dossier): the base never changes, the version grows with each modification.
    numero = models.CharField("numéro de dossier (sans version)", max_length=20, unique=True)
    version = models.PositiveSmallIntegerField("version", default=0)
    type_demande = models.CharField("type", max_length=6, choices=TypeDemande.choices)
    # No index of its own: the three indexes of Meta start with it. Every index costs the real
    # import one insertion per created demande, under the couloir's lock.
    fournisseur = models.ForeignKey(Fournisseur, on_delete=models.PROTECT, related_name="demandes", db_index=False)
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
        "self",
        verbose_name="avance soldée",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="soldes",
    )
    import_demandes = models.ForeignKey(
        "imports.Import",
        verbose_name="import",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="demandes",
    )
    rang = models.PositiveIntegerField("rang dans le fichier", null=True, blank=True)
    commande_pour = models.CharField("commande pour", max_length=10, blank=True)
    is_client_unique = models.BooleanField("client unique", default=False)
    is_mandataire = models.BooleanField("mandataire", default=False)
    nom_mandataire = models.CharField("nom du mandataire", max_length=200, blank=True)
    email_mandataire = models.CharField("courriel du mandataire", max_length=254, blank=True)
    telephone_mandataire = models.CharField("téléphone du mandataire", max_length=30, blank=True)
    nom_responsable = models.CharField("nom du responsable", max_length=200, blank=True)
    email_responsable = models.CharField("courriel du responsable", max_length=254, blank=True)
    telephone_responsable = models.CharField("téléphone du responsable", max_length=30, blank=True)
    finess_juridique = models.CharField("FINESS juridique", max_length=9, blank=True)
    scenario = models.JSONField("scénario d'installation", default=dict, blank=True)
    motif_rejet = models.TextField("motif du rejet", blank=True)
    # The ASP manager who took the dossier (« M'attribuer », demandes.services.attribuer) and when.
    # No index of its own (every demande created by the real import would pay for it): the partial
    # index of Meta holds the attributed dossiers only, what « Mes dossiers » reads.
    gestionnaire = models.ForeignKey(
        "Utilisateur",
        verbose_name="gestionnaire",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="dossiers_attribues",
        db_index=False,
    )
    date_attribution = models.DateTimeField("attribuée le", null=True, blank=True)
    date_depot = models.DateTimeField("date de dépôt", auto_now_add=True)
    date_modification = models.DateTimeField("date de modification", auto_now=True)
    # The history is read by demande (its id) and date only: the copies of the other relations and of
    # the number are not indexed there (each index would cost the real import one insertion per M or
    # A line, under the couloir's lock, and every manager's decision one more).
    history = HistoricalRecords(
        no_db_index=["fournisseur", "solution", "import_demandes", "avance", "gestionnaire", "numero"]
    )

    class Meta:
        ordering = ["-date_depot"]
        verbose_name = "demande"
        permissions = [
            ("instruire_demande", "Peut passer une demande en instruction, la décider ou la rejeter"),
            ("enregistrer_paiement", "Peut enregistrer un paiement"),
        ]
        # (E104's reads of live numéros éditeur go through the partial unique index below.)
        indexes = [
            models.Index(fields=["fournisseur", "-date_depot"]),
            models.Index(fields=["fournisseur", "statut", "-date_depot"]),
            # The managers' list (oldest deposit first), the dashboard's longest waits and deposits of
            # the last days: read along this index, not by sorting the whole table.
            models.Index(fields=["date_depot"], name="demande_date_depot_idx"),
            models.Index(
                fields=["gestionnaire", "date_depot"],
                condition=models.Q(gestionnaire__isnull=False),
                name="demande_gestionnaire_idx",
            ),
        ]
        constraints = [
            # E104 backed by the database: one live demande per numéro éditeur, solution and type.
            models.UniqueConstraint(
                fields=["fournisseur", "solution", "type_demande", "numero_editeur"],
                condition=models.Q(statut__in=STATUTS_VIVANTS),
                name="numero_editeur_unique_par_demande_vivante",
            ),
        ]

    def __str__(self):
        return self.numero_dossier

    @property
    def numero_dossier(self):
        return numero_dossier.formater(self.numero, self.version)


class Beneficiaire(models.Model):
    """A beneficiary of a demande: an établissement (FINESS géographique) or a libéral (RPPS)."""

    class Nature(models.TextChoices):
        FINESS_GEO = "FINESS_GEO", "Établissement (FINESS géographique)"
        RPPS = "RPPS", "Professionnel libéral (RPPS)"

    demande = models.ForeignKey(Demande, on_delete=models.CASCADE, related_name="beneficiaires")
    nature = models.CharField("nature", max_length=10, choices=Nature.choices)
    identifiant = models.CharField("identifiant", max_length=11)
    nom = models.CharField("nom", max_length=200, blank=True)
    email = models.CharField("courriel", max_length=254, blank=True)
    telephone = models.CharField("téléphone", max_length=30, blank=True)
    # Copied from the demande and its solution so that the database itself refuses a second live
    # demande of the same type for the same beneficiary and kind of solution, and so that E306
    # finds them through that constraint's index alone (imports.moteur.contexte).
    # Copies, not relations of their own: no index but the constraint's and no foreign key in the
    # database (Django still PROTECTs a couloir or logiciel in use); the demande's solution holds
    # the real ones. Each would cost the real import one check or insertion per beneficiary.
    type_demande = models.CharField("type", max_length=6, choices=TypeDemande.choices)
    couloir = models.ForeignKey(
        Couloir, on_delete=models.PROTECT, related_name="+", db_index=False, db_constraint=False
    )
    logiciel = models.ForeignKey(
        Logiciel, on_delete=models.PROTECT, related_name="+", db_index=False, db_constraint=False
    )
    # Kept equal to « the demande's status is live » by the services that change statuses
    # (demandes.services.aligner_vivant), in bulk: a save() of a Demande does not touch it.
    vivant = models.BooleanField("demande en cours", default=True)

    class Meta:
        verbose_name = "bénéficiaire"
        indexes = [models.Index(fields=["identifiant"])]
        constraints = [
            models.UniqueConstraint(
                fields=["identifiant", "type_demande", "couloir", "logiciel"],
                condition=models.Q(vivant=True),
                name="un_beneficiaire_par_type_et_sorte_de_solution",
            ),
        ]

    def __str__(self):
        return f"{self.get_nature_display()} {self.identifiant}"


class PieceAttendue(models.Model):
    """An attachment announced by the line of a demande (piecesJustificatives)."""

    demande = models.ForeignKey(Demande, on_delete=models.CASCADE, related_name="pieces_attendues")
    nom_fichier = models.CharField("nom du fichier", max_length=100)
    format_fichier = models.CharField("format", max_length=4)
    type_fichier = models.CharField("type", max_length=30)

    class Meta:
        ordering = ["id"]
        verbose_name = "pièce attendue"
        verbose_name_plural = "pièces attendues"

    def __str__(self):
        return self.nom_fichier


class DemandeDeComplements(models.Model):
    """« Demander des compléments »: a manager's message asking the supplier for missing or
    replacement pieces of one dossier, and the supplier's answer (the pieces it sent are
    piecesjointes.PieceComplementaire). At most one request is open (unanswered) per dossier."""

    demande = models.ForeignKey(Demande, on_delete=models.CASCADE, related_name="demandes_de_complements")
    message = models.TextField("message au fournisseur")
    demandee_par = models.ForeignKey(
        "Utilisateur", verbose_name="demandé par", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    date_demande = models.DateTimeField("demandé le", auto_now_add=True)
    repondue_par = models.ForeignKey(
        "Utilisateur", verbose_name="complété par", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    date_reponse = models.DateTimeField("complété le", null=True, blank=True)

    class Meta:
        ordering = ["-date_demande", "-id"]
        verbose_name = "demande de compléments"
        verbose_name_plural = "demandes de compléments"
        constraints = [
            models.UniqueConstraint(
                fields=["demande"],
                condition=models.Q(date_reponse__isnull=True),
                name="une_demande_de_complements_ouverte_par_dossier",
            ),
        ]

    def __str__(self):
        return f"Compléments demandés le {self.date_demande:%d/%m/%Y}"

    @property
    def ouverte(self) -> bool:
        return self.date_reponse is None


class CompteurDossier(models.Model):
    """The last dossier sequence number used per couloir (FIN{COULOIR}{000123}M0). Its row is
    locked for the whole real import, which also serializes the duplicate checks of a couloir."""

    couloir = models.OneToOneField(Couloir, on_delete=models.PROTECT, related_name="compteur")
    dernier = models.PositiveIntegerField("dernier numéro attribué", default=0)

    class Meta:
        verbose_name = "compteur de dossiers"
        verbose_name_plural = "compteurs de dossiers"

    def __str__(self):
        return f"{self.couloir_id} : {self.dernier}"


class Paiement(models.Model):
    """A payment recorded by an ASP manager on a decided demande."""

    # Set before save() by the service that makes the change: its author in the history.
    _history_user: "Utilisateur"

    demande = models.ForeignKey(Demande, on_delete=models.PROTECT, related_name="paiements")
    montant = models.DecimalField("montant (€)", max_digits=12, decimal_places=2)
    date_paiement = models.DateField("date du paiement")
    statut = models.CharField("statut", max_length=10, choices=StatutPaiement.choices)
    enregistre_par = models.ForeignKey(
        "Utilisateur", verbose_name="enregistré par", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    date_enregistrement = models.DateTimeField("enregistré le", auto_now_add=True)
    # The supplier's validated bank details at the time of the payment (null only for the payments
    # recorded before the enrolment existed).
    coordonnees_bancaires = models.ForeignKey(
        "CoordonneesBancaires",
        verbose_name="coordonnées bancaires",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="paiements",
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["-date_paiement", "-id"]
        verbose_name = "paiement"

    def __str__(self):
        return f"{self.montant} € le {self.date_paiement:%d/%m/%Y} ({self.get_statut_display()})"


class Notification(models.Model):
    """A message to one user about one event (a decision on dossiers, a payment, a request for
    compléments, the managers' daily digest): the e-mail sent to him, also listed in the portal
    (« Notifications »). Created in the transaction of the event, sent by a Celery task once it
    commits (demandes.tasks.envoyer_notification); unsent rows are the outbox the sweep reads."""

    class Nature(models.TextChoices):
        REJET = "REJET", "Rejet"
        DECISION = "DECISION", "Décision"
        PAIEMENT = "PAIEMENT", "Paiement"
        COMPLEMENTS = "COMPLEMENTS", "Compléments demandés"
        RESUME_QUOTIDIEN = "RESUME_QUOTIDIEN", "Résumé quotidien des dépôts"

    destinataire = models.ForeignKey(
        "Utilisateur",
        verbose_name="destinataire",
        on_delete=models.CASCADE,
        related_name="notifications",
        db_index=False,  # the index of Meta starts with it
    )
    # The event's identity: with the recipient, unique (one mail per event per user).
    cle = models.CharField("événement", max_length=120)
    nature = models.CharField("nature", max_length=20, choices=Nature.choices)
    sujet = models.CharField("objet", max_length=250)
    corps = models.TextField("message")
    demandes = models.ManyToManyField(Demande, verbose_name="demandes", blank=True, related_name="+")
    date_creation = models.DateTimeField("créée le", auto_now_add=True)
    date_envoi = models.DateTimeField("envoyée le", null=True, blank=True)
    nb_tentatives = models.PositiveSmallIntegerField("tentatives d'envoi", default=0)
    derniere_erreur = models.TextField("dernière erreur d'envoi", blank=True)

    class Meta:
        ordering = ["-date_creation", "-id"]
        verbose_name = "notification"
        constraints = [
            # The event first: its index also finds an event's notifications (_ecrire reads them
            # back by key after writing them; without it, a scan of every notification ever sent).
            models.UniqueConstraint(
                fields=["cle", "destinataire"], name="une_notification_par_evenement_et_destinataire"
            )
        ]
        indexes = [
            # The page « Notifications »: a user's own, newest first.
            models.Index(fields=["destinataire", "-date_creation"], name="notification_destinataire_idx"),
            # The sweep's outbox: the unsent ones only (a few rows, whatever the history).
            models.Index(
                fields=["date_creation"], condition=models.Q(date_envoi__isnull=True), name="notification_a_envoyer_idx"
            ),
        ]

    def __str__(self):
        return self.sujet


class JetonAPI(models.Model):
    """A supplier user's personal token for the API (/api/v1/, header « Authorization: Bearer … »),
    created on the page « Accès API » or by `manage.py jeton_api` (demandes.jetons). Only its SHA-256
    is stored: the token itself is shown once, at its creation. It acts as its user, with his
    supplier's data only, until it expires or is revoked (by him or by an ASP manager)."""

    utilisateur = models.ForeignKey(
        "Utilisateur", verbose_name="utilisateur", on_delete=models.CASCADE, related_name="jetons_api"
    )
    nom = models.CharField("nom", max_length=100)
    # The first characters of the token (« sgr_AbCd »): enough to recognise it in a list, useless to use it.
    prefixe = models.CharField("début du jeton", max_length=12)
    empreinte = models.CharField("empreinte SHA-256", max_length=64, unique=True, editable=False)
    date_creation = models.DateTimeField("créé le", auto_now_add=True)
    date_expiration = models.DateTimeField("expire le")
    date_revocation = models.DateTimeField("révoqué le", null=True, blank=True)
    revoque_par = models.ForeignKey(
        "Utilisateur", verbose_name="révoqué par", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    date_derniere_utilisation = models.DateTimeField("dernière utilisation", null=True, blank=True)

    class Meta:
        ordering = ["-date_creation", "-id"]
        verbose_name = "jeton d'API"
        verbose_name_plural = "jetons d'API"

    def __str__(self):
        return f"{self.nom} ({self.prefixe}…)"

    @property
    def etat(self) -> str:
        """« Actif », « Expiré » or « Révoqué le JJ/MM/AAAA », as the page « Accès API » and the admin show it."""
        if self.date_revocation is not None:
            return f"Révoqué le {timezone.localtime(self.date_revocation):%d/%m/%Y}"
        if self.date_expiration <= timezone.now():
            return "Expiré"
        return "Actif"


class SolutionReferencee(models.Model):
    """One line of the ANS référentiel as the managers loaded it (admin « Référentiel ANS », a CSV or
    XLSX file through django-import-export). Not a `Solution`: those are the solutions of the suppliers
    enrolled on the portal, which the enrolment will create from these lines (same numéro ANS)."""

    numero_ans = models.CharField("numéro ANS", max_length=30, unique=True)
    siret = models.CharField("SIRET", max_length=14, validators=[valider_siret])
    nom = models.CharField("nom de la solution", max_length=200)
    couloir = models.ForeignKey(Couloir, on_delete=models.PROTECT, related_name="+")
    logiciel = models.ForeignKey(Logiciel, on_delete=models.PROTECT, related_name="+")
    vague = models.PositiveSmallIntegerField("vague")
    date_referencement = models.DateField("date de référencement")
    plafond_ht = models.DecimalField("plafond HT (€)", max_digits=12, decimal_places=2)
    avance_ouverture = models.DateField("ouverture du dépôt des avances")
    avance_fermeture = models.DateField("fermeture du dépôt des avances")
    solde_ouverture = models.DateField("ouverture du dépôt des soldes")
    solde_fermeture = models.DateField("fermeture du dépôt des soldes")
    history = HistoricalRecords()

    class Meta:
        ordering = ["numero_ans"]
        verbose_name = "solution du référentiel ANS"
        verbose_name_plural = "Référentiel ANS"
        indexes = [models.Index(fields=["siret"], name="referentiel_siret")]

    def __str__(self):
        return self.numero_ans

    def clean(self):
        from django.core.exceptions import ValidationError

        erreurs = {}
        for type_depot, ouverture, fermeture in (
            ("avances", "avance_ouverture", "avance_fermeture"),
            ("soldes", "solde_ouverture", "solde_fermeture"),
        ):
            debut, fin = getattr(self, ouverture), getattr(self, fermeture)
            if debut and fin and fin < debut:
                erreurs[fermeture] = f"La fermeture du dépôt des {type_depot} précède son ouverture."
        if erreurs:
            raise ValidationError(erreurs)


class DemandeEnrolement(models.Model):
    """« Demander un accès »: a software vendor asks to be enrolled on the portal (the public form,
    demandes.enrolement.depot), confirms its e-mail address, then an ASP manager instructs it in the
    admin (demandes.enrolement.instruction). Its validation creates or completes the Fournisseur, its
    Solutions (from the référentiel ANS), its validated CoordonneesBancaires and its first user."""

    class Statut(models.TextChoices):
        ADRESSE_A_CONFIRMER = "ADRESSE_A_CONFIRMER", "Adresse électronique à confirmer"
        A_VERIFIER = "A_VERIFIER", "À vérifier"
        COMPLEMENT_DEMANDE = "COMPLEMENT_DEMANDE", "Complément demandé"
        VALIDEE = "VALIDEE", "Validée"
        REFUSEE = "REFUSEE", "Refusée"

    # Set before save() by the service that makes the change: its author in the history, and why.
    _history_user: "Utilisateur"
    _change_reason: str

    statut = models.CharField("statut", max_length=20, choices=Statut.choices, default=Statut.ADRESSE_A_CONFIRMER)
    siret = models.CharField("SIRET", max_length=14, validators=[valider_siret])
    denomination = models.CharField("dénomination sociale", max_length=200)
    adresse = models.CharField("adresse", max_length=250)
    code_postal = models.CharField("code postal", max_length=5)
    commune = models.CharField("commune", max_length=100)
    contact_nom = models.CharField("nom du contact", max_length=150)
    contact_prenom = models.CharField("prénom du contact", max_length=150)
    contact_fonction = models.CharField("fonction du contact", max_length=150)
    contact_email = models.EmailField("adresse électronique du contact", max_length=254)
    contact_telephone = models.CharField("téléphone du contact", max_length=30)
    # The numéros ANS as the vendor claimed them (each checked against the référentiel ANS with this
    # SIRET when claimed, checked again by the manager): a list of strings, not a relation, so that a
    # référentiel line reloaded or removed later does not change what was asked.
    numeros_ans = models.JSONField("numéros ANS demandés", default=list)
    iban = models.CharField("IBAN", max_length=34)
    bic = models.CharField("BIC", max_length=11)
    rib = models.FileField("RIB (PDF)", upload_to="enrolement/rib/%Y/%m/", max_length=255)
    date_acceptation_conditions = models.DateTimeField("conditions d'utilisation acceptées le")
    date_creation = models.DateTimeField("demandée le", auto_now_add=True)
    date_confirmation = models.DateTimeField("adresse confirmée le", null=True, blank=True)
    date_decision = models.DateTimeField("instruite le", null=True, blank=True)
    instruite_par = models.ForeignKey(
        "Utilisateur", verbose_name="instruite par", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The manager's words to the vendor: the reason of a refusal, or what a complément must bring.
    motif = models.TextField("motif ou complément demandé", blank=True)
    fournisseur = models.ForeignKey(
        Fournisseur,
        verbose_name="fournisseur",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="demandes_enrolement",
    )
    utilisateur = models.ForeignKey(
        "Utilisateur",
        verbose_name="premier utilisateur",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["-date_creation", "-id"]
        verbose_name = "demande d'enrôlement"
        verbose_name_plural = "demandes d'enrôlement"
        indexes = [models.Index(fields=["siret"], name="enrolement_siret_idx")]
        constraints = [
            # One request under instruction per SIRET (a second one is refused with a message).
            models.UniqueConstraint(
                fields=["siret"],
                condition=models.Q(statut__in=["A_VERIFIER", "COMPLEMENT_DEMANDE"]),
                name="une_demande_enrolement_en_instruction_par_siret",
            ),
        ]

    def __str__(self):
        return f"{self.denomination} ({self.siret})"


class CoordonneesBancaires(models.Model):
    """A supplier's bank details (IBAN, BIC and the RIB as a PDF). Never edited once recorded: a
    change is a new row « En attente de validation » that a manager validates (the previous validated
    one becomes « Remplacées ») or refuses. Payments use the validated row of the moment and record it
    (Paiement.coordonnees_bancaires)."""

    class Statut(models.TextChoices):
        EN_ATTENTE = "EN_ATTENTE", "En attente de validation"
        VALIDEES = "VALIDEES", "Validées"
        REFUSEES = "REFUSEES", "Refusées"
        REMPLACEES = "REMPLACEES", "Remplacées"

    _history_user: "Utilisateur"
    _change_reason: str

    fournisseur = models.ForeignKey(
        Fournisseur, verbose_name="fournisseur", on_delete=models.PROTECT, related_name="coordonnees_bancaires"
    )
    iban = models.CharField("IBAN", max_length=34)
    bic = models.CharField("BIC", max_length=11)
    rib = models.FileField("RIB (PDF)", upload_to="enrolement/rib/%Y/%m/", max_length=255)
    statut = models.CharField("statut", max_length=10, choices=Statut.choices, default=Statut.EN_ATTENTE)
    demandees_par = models.ForeignKey(
        "Utilisateur", verbose_name="demandées par", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    date_demande = models.DateTimeField("demandées le", auto_now_add=True)
    instruites_par = models.ForeignKey(
        "Utilisateur", verbose_name="instruites par", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    date_instruction = models.DateTimeField("instruites le", null=True, blank=True)
    motif_refus = models.TextField("motif du refus", blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-date_demande", "-id"]
        verbose_name = "coordonnées bancaires"
        verbose_name_plural = "coordonnées bancaires"
        constraints = [
            models.UniqueConstraint(
                fields=["fournisseur"],
                condition=models.Q(statut="VALIDEES"),
                name="une_seule_coordonnee_bancaire_validee_par_fournisseur",
            ),
            models.UniqueConstraint(
                fields=["fournisseur"],
                condition=models.Q(statut="EN_ATTENTE"),
                name="une_seule_coordonnee_bancaire_en_attente_par_fournisseur",
            ),
        ]

    def __str__(self):
        return f"{self.iban_masque} ({self.get_statut_display()})"

    @property
    def iban_masque(self) -> str:
        """« FR76 •••• •••• •••• •••• •••• 189 »: the country, the key and the last three characters."""
        return masquer_iban(self.iban)
