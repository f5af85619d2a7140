"""Helpers of the tests of « Demander un accès » (tests/enrolement/test_depot_*.py): a référentiel ANS
line, the form as a visitor fills it, its RIB, the link read from the e-mail, and a request put in
« Complément demandé » directly (the manager's action is tested with the instruction)."""

import datetime
import re
from decimal import Decimal

from django.core import mail
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from demandes.enrolement import liens
from demandes.models import Couloir, DemandeEnrolement, Logiciel, SolutionReferencee
from tests.factories import PDF

SIRET_NOUVEAU = "88123456700017"  # a valid key, no fournisseur on the portal
SIRET_AUTRE = "55212345600014"
IBAN = "FR7630006000011234567890189"
BIC = "AGRIFRPP882"
NUMERO = "ans-nouv-01"
NUMERO_2 = "ans-nouv-02"
URL_DEMANDE = "/demander-un-acces/"
SUJET_CONFIRMATION = "Portail Ségur numérique : confirmez votre demande d'accès"


def vider_compteurs():
    """The throttle counts in the cache (Redis when REDIS_URL is set): each test starts at zero."""
    cache.clear()


def referencer(numero_ans=NUMERO, siret=SIRET_NOUVEAU) -> SolutionReferencee:
    """A line of the référentiel ANS, as the managers load it."""
    return SolutionReferencee.objects.create(
        numero_ans=numero_ans,
        siret=siret,
        nom="Dossier patient Nouvel Éditeur",
        couloir=Couloir.objects.get(code="MDV"),
        logiciel=Logiciel.objects.get(code="LGC"),
        vague=2,
        date_referencement=datetime.date(2023, 5, 10),
        plafond_ht=Decimal("12000.00"),
        avance_ouverture=datetime.date(2023, 6, 1),
        avance_fermeture=datetime.date(2099, 12, 31),
        solde_ouverture=datetime.date(2023, 6, 1),
        solde_fermeture=datetime.date(2099, 12, 31),
    )


def rib(nom="rib.pdf", contenu=PDF) -> SimpleUploadedFile:
    return SimpleUploadedFile(nom, contenu, content_type="application/pdf")


def champs(**changements) -> dict:
    """The form as a visitor fills it in (the SIRET typed with spaces), with `changements`."""
    donnees = {
        "siret": "881 234 567 00017",
        "denomination": "Nouvel Éditeur SAS",
        "adresse": "12 rue des Logiciels",
        "code_postal": "75012",
        "commune": "Paris",
        "contact_nom": "Martin",
        "contact_prenom": "Claire",
        "contact_fonction": "Directrice commerciale",
        "contact_email": "claire.martin@nouvel-editeur.fr",
        "contact_telephone": "01 23 45 67 89",
        "numeros_ans": NUMERO,
        "iban": "FR76 3000 6000 0112 3456 7890 189",
        "bic": BIC,
        "conditions": "on",
        "rib": rib(),
    }
    donnees.update(changements)
    return {cle: valeur for cle, valeur in donnees.items() if valeur is not None}


def deposer(client, url=URL_DEMANDE, **changements):
    return client.post(url, champs(**changements))


def lien_du_courriel(message) -> str:
    """The path of the confirmation link in the e-mail's body (its absolute address checked)."""
    trouve = re.search(r"http://testserver(/demander-un-acces/confirmer/[^/\s]+/)", message.body)
    assert trouve, message.body
    return trouve.group(1)


def action_du_bouton(reponse, libelle: str) -> str:
    """Where the form of the button `libelle` posts (its action, or the page itself without one)."""
    contenu = reponse.content.decode()
    position = contenu.index(f">{libelle}</button>")
    formulaire = contenu[:position].rsplit("<form", 1)[1]
    action = re.match(r'[^>]*action="([^"]*)"', formulaire)
    return action.group(1) if action else reponse.request["PATH_INFO"]


def courriels_de_confirmation():
    return [m for m in mail.outbox if m.subject == SUJET_CONFIRMATION]


def en_complement(demande: DemandeEnrolement, motif="Joignez le RIB du compte professionnel, pas celui du dirigeant."):
    """The request as the manager's « Demander un complément » leaves it, and the link he e-mails."""
    DemandeEnrolement.objects.filter(pk=demande.pk).update(
        statut=DemandeEnrolement.Statut.COMPLEMENT_DEMANDE, motif=motif
    )
    demande.refresh_from_db()
    return reverse("demande_acces_completer", kwargs={"jeton": liens.jeton(demande, "completer")})
