"""Demo data: the guide's fournisseurs, solutions and users (all with password « demo »), made the
way a real supplier gets onto the portal: the référentiel ANS loaded as a manager's file is
(ReferentielAnsResource), then for each vendor a request for access checked by the public form
(DemandeAccesForm), deposited, confirmed and validated by the enrolment's services. Idempotent: a
vendor already enrolled is left as it is (its password and address put back)."""

import datetime
from decimal import Decimal

import tablib
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from demandes import referentiels
from demandes.enrolement import coordonnees as coordonnees_bancaires
from demandes.enrolement import depot, instruction
from demandes.enrolement.bancaire import iban_normalise
from demandes.enrolement.formulaires import DemandeAccesForm
from demandes.enrolement.selectors import siret_deja_enrole
from demandes.gestionnaires import creer_groupe
from demandes.models import Couloir, Fournisseur, Logiciel, OperateurMessagerie, TypePiece
from demandes.referentiel_ans import COLONNES, FORMAT_DATE, ReferentielAnsResource

MOT_DE_PASSE = "demo"
GESTIONNAIRE = "gestionnaire"

# SIRET, dénomination, identifiant of its first user, contact (prénom, nom, fonction), address, bank details
FOURNISSEURS = [
    (
        "77625125800013",
        "RELAIS CAP FRANCE AU GAI LOGIS",
        "relais",
        ("Sophie", "Laurent", "Directrice des opérations"),
        ("12 rue de la République", "69002", "Lyon"),
        ("FR76 3000 6000 0101 2345 6789 049", "BNPAFRPPXXX"),
    ),
    (
        "87950324100017",
        "NUANCES UNIKALO COTE D'AZUR",
        "unikalo",
        ("Hugo", "Bernard", "Responsable administratif"),
        ("4 avenue Jean Médecin", "06000", "Nice"),
        ("FR76 3000 4000 0209 8765 4321 094", "AGRIFRPPXXX"),
    ),
    (
        "41268937400012",
        "SANTÉ NUMÉRIQUE HOSPITALIÈRE",
        "hopital",
        ("Inès", "Petit", "Directrice financière"),
        ("8 boulevard Haussmann", "75009", "Paris"),
        ("FR76 1027 8000 0305 5555 5555 537", "CMCIFRPPXXX"),
    ),
]

# The référentiel ANS of the demo — numéro ANS, nom, SIRET, couloir, logiciel, vague, date de référencement, plafond HT
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
# A one-page PDF, the demo vendors' RIB (checked by content like any RIB).
RIB_PDF = (
    b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
    b"2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
)


class Command(BaseCommand):
    help = "Crée (ou remet en état) les données de démonstration. Refusé quand DEBUG est désactivé."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("seed_demo crée des comptes au mot de passe connu : refusé quand DEBUG est désactivé.")
        with transaction.atomic():
            referentiels.charger(Couloir, Logiciel, OperateurMessagerie, TypePiece)
            creer_donnees_demo()
        self.stdout.write(self.style.SUCCESS("Données de démonstration prêtes."))
        for siret, denomination, identifiant, *_ in FOURNISSEURS:
            self.stdout.write(
                f"  {identifiant} / {MOT_DE_PASSE}  — {denomination} ({siret}), administrateur de sa structure"
            )
        self.stdout.write(f"  {GESTIONNAIRE} / {MOT_DE_PASSE}  — gestionnaire ASP (admin)")


def creer_gestionnaire_demo():
    """The demo ASP manager, in the group « Gestionnaires ASP »."""
    groupe = creer_groupe(Group, Permission)
    compte, _ = get_user_model().objects.get_or_create(username=GESTIONNAIRE)
    compte.fournisseur = None
    compte.is_staff = True
    compte.is_active = True
    # An address that can receive nothing (.invalid, RFC 2606), so that the demo's notifications
    # show on the console backend and on the page « Notifications »; one set since is kept.
    compte.email = compte.email or f"{GESTIONNAIRE}@demo.invalid"
    compte.set_password(MOT_DE_PASSE)
    compte.save()
    compte.groups.add(groupe)
    return compte


def charger_referentiel_demo():
    """The demo solutions' lines of the référentiel ANS, loaded as a manager's file is."""
    annee = timezone.now().year
    ouverture, fermeture = datetime.date(2021, 1, 1), datetime.date(annee + 5, 12, 31)
    fichier = tablib.Dataset(headers=[entete for _, entete in COLONNES])
    for numero, nom, siret, couloir, logiciel, vague, referencement, plafond in SOLUTIONS:
        fichier.append(
            [numero, siret, nom, couloir, logiciel, str(vague), referencement.strftime(FORMAT_DATE),
             f"{plafond:.2f}".replace(".", ","), *[d.strftime(FORMAT_DATE) for d in (ouverture, fermeture) * 2]]
        )  # fmt: skip
    resultat = ReferentielAnsResource().import_data(fichier, dry_run=False)
    if resultat.has_errors() or resultat.has_validation_errors():
        raise CommandError("Le référentiel ANS de démonstration est refusé : " + repr(resultat.invalid_rows))


def enroler(siret, denomination, identifiant, contact, adresse, banque, *, gestionnaire):
    """A vendor's request for access, as the public form checks it, deposited, confirmed and
    validated by the demo manager; its first user gets identifiant `identifiant`."""
    prenom, nom, fonction = contact
    rue, code_postal, commune = adresse
    iban, bic = banque
    formulaire = DemandeAccesForm(
        data={
            "siret": siret,
            "denomination": denomination,
            "adresse": rue,
            "code_postal": code_postal,
            "commune": commune,
            "contact_prenom": prenom,
            "contact_nom": nom,
            "contact_fonction": fonction,
            "contact_email": f"{identifiant}@demo.invalid",
            "contact_telephone": "01 23 45 67 89",
            "numeros_ans": "\n".join(numero for numero, _, siret_ans, *_ in SOLUTIONS if siret_ans == siret),
            "iban": iban,
            "bic": bic,
            "conditions": "on",
        },
        files={"rib": SimpleUploadedFile("rib.pdf", RIB_PDF, content_type="application/pdf")},
    )
    if not formulaire.is_valid():
        raise CommandError(
            f"La demande d'accès de démonstration de {siret} est refusée : {formulaire.errors.as_text()}"
        )
    demande = depot.deposer(formulaire.cleaned_data, rib=formulaire.cleaned_data["rib"])
    depot.confirmer(demande.pk)
    return instruction.valider(demande, par=gestionnaire, identifiant=identifiant)


def creer_donnees_demo():
    """Idempotent: enrols the vendors not enrolled yet; puts back the demo password and addresses."""
    gestionnaire = creer_gestionnaire_demo()
    charger_referentiel_demo()
    Utilisateur = get_user_model()
    fournisseurs = {}
    for siret, denomination, identifiant, *reste in FOURNISSEURS:
        if not siret_deja_enrole(siret):
            enroler(siret, denomination, identifiant, *reste, gestionnaire=gestionnaire)
        fournisseurs[siret] = fournisseur = Fournisseur.objects.get(siret=siret)
        if coordonnees_bancaires.coordonnees_validees(fournisseur) is None:
            # A demo database made before the enrolment: its suppliers get their bank details the
            # way a supplier changes them (asked by its administrator, validated by the manager).
            iban, bic = reste[-1]
            administrateur = Utilisateur.objects.get(username=identifiant)
            administrateur.administrateur_fournisseur = True
            administrateur.save()
            coordonnees_bancaires.valider(
                coordonnees_bancaires.demander_changement(
                    fournisseur,
                    iban=iban_normalise(iban),
                    bic=bic,
                    rib=SimpleUploadedFile("rib.pdf", RIB_PDF, content_type="application/pdf"),
                    par=administrateur,
                ),
                par=gestionnaire,
            )
        compte = Utilisateur.objects.get(username=identifiant)
        compte.is_active = True
        compte.email = compte.email or f"{identifiant}@demo.invalid"
        compte.set_password(MOT_DE_PASSE)
        compte.save()
    return fournisseurs
