"""Helpers of the tests of the instruction of requests for access (test_instruction_*.py,
test_activation*.py): a référentiel ANS line, a request as the public form leaves it once its
address is confirmed, the admin pages of a request, its decision forms as the page offers them."""

import datetime
import re
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from demandes.models import Couloir, DemandeEnrolement, Logiciel, SolutionReferencee
from tests.documents import avec_cle
from tests.factories import PDF
from tests.gestion.comptes import formulaire

# A SIRET that the demo data does not know (valid Luhn key), and bank details schwifty accepts.
SIRET_NOUVEAU = avec_cle("5251234560001")
IBAN = "FR7630006000011234567890189"
BIC = "AGRIFRPP882"
CONTACT = "marie.durand@editeur.example"

LISTE = "/admin/demandes/demandeenrolement/"
# The decisions' forms on a request's page: (form id, button that opens it, confirmation button).
VALIDER = ("form-valider", "Valider la demande", "Confirmer la validation")
COMPLEMENT = ("form-complement", "Demander un complément", "Confirmer la demande de complément")
REFUSER = ("form-refuser", "Refuser la demande", "Confirmer le refus")

LIEN_ACTIVATION = re.compile(r"https?://testserver(/activation/[^/\s]+/[^/\s]+/)")


def ligne_referentiel(numero_ans: str, siret: str = SIRET_NOUVEAU, **changements) -> SolutionReferencee:
    """A line of the référentiel ANS (MDV / LGC, vague 2) as the managers loaded it."""
    champs = {
        "numero_ans": numero_ans,
        "siret": siret,
        "nom": f"Logiciel {numero_ans}",
        "couloir": Couloir.objects.get(code="MDV"),
        "logiciel": Logiciel.objects.get(code="LGC"),
        "vague": 2,
        "date_referencement": datetime.date(2024, 3, 1),
        "plafond_ht": Decimal("15000.00"),
        "avance_ouverture": datetime.date(2024, 1, 15),
        "avance_fermeture": datetime.date(2026, 6, 30),
        "solde_ouverture": datetime.date(2024, 2, 1),
        "solde_fermeture": datetime.date(2027, 12, 31),
    }
    return SolutionReferencee.objects.create(**{**champs, **changements})


def demande_enrolement(
    numeros=("ans0000001",),
    *,
    siret: str = SIRET_NOUVEAU,
    statut: str = DemandeEnrolement.Statut.A_VERIFIER,
    email: str = CONTACT,
    **changements,
) -> DemandeEnrolement:
    """A request for access as the public form stores it, its address confirmed (unless the status
    says otherwise). The référentiel lines are the caller's."""
    maintenant = timezone.now()
    champs = {
        "statut": statut,
        "siret": siret,
        "denomination": "ÉDITIONS LOGICIELLES DU SUD",
        "adresse": "12 rue de la République",
        "code_postal": "13001",
        "commune": "Marseille",
        "contact_nom": "Durand",
        "contact_prenom": "Marie",
        "contact_fonction": "Directrice administrative",
        "contact_email": email,
        "contact_telephone": "04 91 00 00 00",
        "numeros_ans": list(numeros),
        "iban": IBAN,
        "bic": BIC,
        "rib": SimpleUploadedFile("rib-editions.pdf", PDF, content_type="application/pdf"),
        "date_acceptation_conditions": maintenant,
        "date_confirmation": None if statut == DemandeEnrolement.Statut.ADRESSE_A_CONFIRMER else maintenant,
    }
    return DemandeEnrolement.objects.create(**{**champs, **changements})


def fiche(demande) -> str:
    return f"{LISTE}{demande.pk}/change/"


def decider(client, demande, decision, **donnees):
    """Opens the request's page, reads the decision's form (its action, its fields) as the manager's
    browser would, and posts it with `donnees` typed in; follows the redirection."""
    identifiant, _, _ = decision
    trouve = formulaire(client.get(fiche(demande)), identifiant)
    return client.post(trouve.action, trouve.donnees(**donnees), follow=True)


def decisions_offertes(reponse) -> list[str]:
    """The confirmation buttons of the decisions the page offers (the admin's header has others)."""
    from tests.pages import page

    return [bouton.texte for bouton in page(reponse).boutons if bouton.texte.startswith("Confirmer")]


def lien_d_activation(message) -> str:
    trouves = LIEN_ACTIVATION.findall(message.body)
    assert len(trouves) == 1, message.body
    return trouves[0]
