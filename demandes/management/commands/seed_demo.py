"""Demo data: the guide's fournisseurs, solutions and users (all with password « demo »)."""

import datetime
from decimal import Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.files.base import ContentFile
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from demandes import referentiels
from demandes.gestionnaires import creer_groupe
from demandes.models import (
    CoordonneesBancaires,
    Couloir,
    Fournisseur,
    Logiciel,
    OperateurMessagerie,
    Solution,
    TypePiece,
)

MOT_DE_PASSE = "demo"

FOURNISSEURS = [
    ("77625125800013", "RELAIS CAP FRANCE AU GAI LOGIS"),
    ("87950324100017", "NUANCES UNIKALO COTE D'AZUR"),
    ("41268937400012", "SANTÉ NUMÉRIQUE HOSPITALIÈRE"),
]
# The validated bank details of each demo fournisseur (payments need them): valid IBAN (key and RIB
# key) and BIC, and a tiny real PDF as the RIB.
COORDONNEES_BANCAIRES = {
    "77625125800013": ("FR7630006000010123456789049", "BNPAFRPPXXX"),
    "87950324100017": ("FR7630004000020987654321094", "AGRIFRPPXXX"),
    "41268937400012": ("FR7610278000030555555555537", "CMCIFRPPXXX"),
}
RIB_DEMO = (
    b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
    b"2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
)
# numéro ANS, nom, SIRET, couloir, logiciel, vague, date de référencement, plafond HT
SOLUTIONS = [
    ("mlp525off1", "Cabinet Plus", "77625125800013", "MDV", "LGC", 1, datetime.date(2021, 9, 1), Decimal("12000.00")),
    (
        "cpiPFI0001",
        "Passerelle Hospitalière",
        "87950324100017",
        "HOP",
        "PFI",
        1,
        datetime.date(2021, 9, 1),
        Decimal("150000.00"),
    ),
    (
        "bnd52qq600",
        "Identito Vigilance",
        "41268937400012",
        "HOP",
        "RI",
        1,
        datetime.date(2021, 10, 1),
        Decimal("80000.00"),
    ),
    (
        "2021k052a",
        "DPI Hospitalier",
        "41268937400012",
        "HOP",
        "DPI",
        1,
        datetime.date(2021, 10, 1),
        Decimal("300000.00"),
    ),
]
# username, SIRET (None: ASP staff)
UTILISATEURS = [
    ("relais", "77625125800013"),
    ("unikalo", "87950324100017"),
    ("hopital", "41268937400012"),
    ("gestionnaire", None),
]


class Command(BaseCommand):
    help = "Crée (ou remet en état) les données de démonstration. Refusé quand DEBUG est désactivé."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("seed_demo crée des comptes au mot de passe connu : refusé quand DEBUG est désactivé.")
        with transaction.atomic():
            referentiels.charger(Couloir, Logiciel, OperateurMessagerie, TypePiece)
            creer_donnees_demo()
        self.stdout.write(self.style.SUCCESS("Données de démonstration prêtes."))
        for username, siret in UTILISATEURS:
            role = f"fournisseur {siret}" if siret else "gestionnaire ASP (admin)"
            self.stdout.write(f"  {username} / {MOT_DE_PASSE}  — {role}")


def creer_donnees_demo():
    """Idempotent: updates what exists, creates what is missing."""
    fournisseurs = {}
    for siret, denomination in FOURNISSEURS:
        fournisseurs[siret], _ = Fournisseur.objects.update_or_create(
            siret=siret, defaults={"denomination": denomination}
        )
    annee = timezone.now().year
    tz = timezone.get_current_timezone()
    ouverture = datetime.datetime(2021, 1, 1, tzinfo=tz)
    fermeture = datetime.datetime(annee + 5, 12, 31, 23, 59, tzinfo=tz)
    for numero, nom, siret, couloir, logiciel, vague, referencement, plafond in SOLUTIONS:
        Solution.objects.update_or_create(
            numero_ans=numero,
            defaults=dict(
                nom=nom,
                fournisseur=fournisseurs[siret],
                couloir=Couloir.objects.get(code=couloir),
                logiciel=Logiciel.objects.get(code=logiciel),
                vague=vague,
                date_referencement=referencement,
                plafond_ht=plafond,
                avance_ouverture=ouverture,
                avance_fermeture=fermeture,
                solde_ouverture=ouverture,
                solde_fermeture=fermeture,
            ),
        )
    gestionnaires = creer_groupe(Group, Permission)
    Utilisateur = get_user_model()
    for username, siret in UTILISATEURS:
        utilisateur, _ = Utilisateur.objects.get_or_create(username=username)
        utilisateur.fournisseur = fournisseurs[siret] if siret else None
        utilisateur.is_staff = siret is None
        utilisateur.administrateur_fournisseur = siret is not None
        utilisateur.is_active = True
        # An address that can receive nothing (.invalid, RFC 2606), so that the demo's notifications
        # show on the console backend and on the page « Notifications »; one set since is kept.
        utilisateur.email = utilisateur.email or f"{username}@demo.invalid"
        utilisateur.set_password(MOT_DE_PASSE)
        utilisateur.save()
        if siret is None:
            utilisateur.groups.add(gestionnaires)
    for siret, (iban, bic) in COORDONNEES_BANCAIRES.items():
        # Kept when the fournisseur already has validated details (a change validated since included).
        if not CoordonneesBancaires.objects.filter(fournisseur=fournisseurs[siret], statut="VALIDEES").exists():
            CoordonneesBancaires.objects.create(
                fournisseur=fournisseurs[siret],
                iban=iban,
                bic=bic,
                rib=ContentFile(RIB_DEMO, name="rib-demo.pdf"),
                statut=CoordonneesBancaires.Statut.VALIDEES,
                date_instruction=timezone.now(),
            )
    return fournisseurs
