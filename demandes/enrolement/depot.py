"""Writes of the public request for access (« Demander un accès »): its deposit, the confirmation of
the contact's address, the contact's answer to a manager's request for a complément, and the
confirmation e-mail. The forms (formulaires.py) have checked the input with the one home of each
rule (selectors.situation_des_numeros, siret_deja_enrole, demande_en_instruction, bancaire.py);
these services only write, each change historised with its reason."""

from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone

from segur_portal.journal import journal

from ..models import DemandeEnrolement
from . import liens

Statut = DemandeEnrolement.Statut

# What the visitor types, as the model stores it (the SIRET apart: fixed once deposited).
CHAMPS_MODIFIABLES = (
    "denomination",
    "adresse",
    "code_postal",
    "commune",
    "contact_nom",
    "contact_prenom",
    "contact_fonction",
    "contact_telephone",
    "numeros_ans",
    "iban",
    "bic",
)

MESSAGE_DEJA_EN_INSTRUCTION = "Une demande d'accès pour ce SIRET est déjà en cours d'instruction par l'ASP."


class RefusDemandeAcces(Exception):
    """A change the request's state forbids; its message, in French, is shown as it is."""


def deposer(donnees: dict[str, Any], *, rib: UploadedFile) -> DemandeEnrolement:
    """A new request « Adresse électronique à confirmer »: it reaches the managers only once its
    contact has followed the confirmation link (confirmer). The RIB goes to the default storage."""
    demande = DemandeEnrolement(
        siret=donnees["siret"],
        contact_email=donnees["contact_email"],
        statut=Statut.ADRESSE_A_CONFIRMER,
        date_acceptation_conditions=timezone.now(),
        **{champ: donnees[champ] for champ in CHAMPS_MODIFIABLES},
    )
    demande.rib.save(_nom_du_rib(), rib, save=False)
    demande._change_reason = "Demande déposée"
    demande.save()
    journal.info("demande_acces_deposee", demande_enrolement_id=demande.pk, numeros=len(demande.numeros_ans))
    return demande


def envoyer_confirmation(demande: DemandeEnrolement, *, lien: str) -> bool:
    """E-mails the contact the confirmation link (`lien`: its absolute address). False when the mail
    server refused or did not answer: the request stays stored, the page offers to send it again."""
    contexte = {
        "demande": demande,
        "lien": lien,
        "validite_heures": liens.VALIDITE_CONFIRMATION // 3600,
    }
    sujet = "".join(render_to_string("enrolement/courriels/confirmation_sujet.txt", contexte).splitlines())
    corps = render_to_string("enrolement/courriels/confirmation_corps.txt", contexte)
    try:
        EmailMultiAlternatives(sujet, corps, settings.DEFAULT_FROM_EMAIL, [demande.contact_email]).send()
    except OSError as erreur:  # smtplib.SMTPException included
        journal.warning("confirmation_demande_acces", demande_enrolement_id=demande.pk, echec=type(erreur).__name__)
        return False
    journal.info("confirmation_demande_acces", demande_enrolement_id=demande.pk)
    return True


def confirmer(demande_id: int) -> bool:
    """The contact's address is confirmed: the request goes to the managers (« À vérifier »).
    False when it was already confirmed (or decided): a second click changes nothing. Raises
    RefusDemandeAcces when another request for the SIRET reached the managers in between (the
    constraint une_demande_enrolement_en_instruction_par_siret, the only judge under concurrency)."""
    with transaction.atomic():
        demande = DemandeEnrolement.objects.select_for_update().get(pk=demande_id)
        if demande.statut != Statut.ADRESSE_A_CONFIRMER:
            return False
        demande.statut = Statut.A_VERIFIER
        demande.date_confirmation = timezone.now()
        demande._change_reason = "Adresse électronique confirmée : demande transmise à l'ASP"
        try:
            with transaction.atomic():  # a savepoint: the refusal leaves the outer transaction usable
                demande.save()
        except IntegrityError:
            journal.warning("demande_acces_confirmee", demande_enrolement_id=demande.pk, echec="deja_en_instruction")
            raise RefusDemandeAcces(MESSAGE_DEJA_EN_INSTRUCTION) from None
    journal.info("demande_acces_confirmee", demande_enrolement_id=demande.pk)
    return True


def completer(demande_id: int, donnees: dict[str, Any], *, rib: UploadedFile | None) -> DemandeEnrolement:
    """The contact's answer to « Complément demandé »: the fields again (the SIRET and the confirmed
    address fixed), a new RIB if one was sent (the stored one kept otherwise), the terms accepted
    again; back to « À vérifier ». Raises RefusDemandeAcces when the request no longer waits for it."""
    with transaction.atomic():
        demande = DemandeEnrolement.objects.select_for_update().get(pk=demande_id)
        if demande.statut != Statut.COMPLEMENT_DEMANDE:
            raise RefusDemandeAcces(message_sans_complement(demande))
        for champ in CHAMPS_MODIFIABLES:
            setattr(demande, champ, donnees[champ])
        if rib is not None:
            # A new file name: the RIB the manager saw stays in the history (never overwritten).
            demande.rib.save(_nom_du_rib(), rib, save=False)
        demande.date_acceptation_conditions = timezone.now()
        demande.statut = Statut.A_VERIFIER
        demande._change_reason = "Complément apporté"
        demande.save()
    journal.info("demande_acces_completee", demande_enrolement_id=demande.pk, nouveau_rib=rib is not None)
    return demande


def message_sans_complement(demande: DemandeEnrolement) -> str:
    statut = demande.get_statut_display()
    if demande.statut in (Statut.VALIDEE, Statut.REFUSEE):
        return (
            f"Votre demande d'accès est déjà instruite (« {statut} ») : "
            "la décision de l'ASP vous a été envoyée par courriel."
        )
    return (
        f"Votre demande d'accès n'attend pas de complément : son statut est « {statut} ». "
        "Un courriel vous informera de la décision de l'ASP."
    )


def _nom_du_rib() -> str:
    # Never the visitor's own file name: it may say anything; the content was checked as a PDF.
    return "rib.pdf"
