"""The instruction of a request for access by an ASP manager (admin « Demandes d'enrôlement »):
validate it, ask the vendor for a complément, refuse it. Each decision locks the request, checks its
status under the lock (two managers acting at once: the second one is told, nothing is done twice),
records who decided, when and why in the request's history, and logs a journal event.

The e-mails to the vendor are sent by the caller once the decision is committed (the admin view):
a failed sending never undoes a decision, the manager is told and acts again (the activation link
through « Envoyer un lien de réinitialisation du mot de passe », a refusal or a complément by
writing to the contact)."""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from segur_portal.journal import evenement, journal

from .. import comptes
from ..models import CoordonneesBancaires, DemandeEnrolement, Fournisseur, Solution, Utilisateur
from ..notifications import url_portail
from . import coordonnees as coordonnees_bancaires
from . import liens, selectors

Statut = DemandeEnrolement.Statut

# From which statuses each decision may be taken. An unconfirmed address (ADRESSE_A_CONFIRMER) is
# not a request yet: nobody decides on it. A request waiting for its complément may still be
# refused (a vendor who never answers gets a decision), not validated: what it lacked is not there.
DEPUIS = {
    "valider": (Statut.A_VERIFIER,),
    "complement": (Statut.A_VERIFIER,),
    "refuser": (Statut.A_VERIFIER, Statut.COMPLEMENT_DEMANDE),
}
VERBES = {"valider": "validée", "complement": "mise en attente d'un complément", "refuser": "refusée"}

MOTIF_OBLIGATOIRE = "Le motif du refus est obligatoire : il est envoyé au demandeur."
MESSAGE_OBLIGATOIRE = "Le message au demandeur est obligatoire : indiquez ce qui doit être complété."
SIRET_DEJA_ENROLE = "Ce SIRET est déjà enrôlé sur le portail."

# The référentiel ANS gives deposit windows as days; a Solution holds moments. A window opens at
# the first second of its first day and closes at the last second of its last day, Paris time.
DEBUT_DU_JOUR = datetime.time(0, 0, 0)
FIN_DU_JOUR = datetime.time(23, 59, 59)


def moment(jour: datetime.date, heure: datetime.time) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(jour, heure), timezone.get_default_timezone())


def decisions_possibles(demande: DemandeEnrolement) -> list[str]:
    """The decisions its status allows (the admin shows these buttons only)."""
    return [decision for decision, statuts in DEPUIS.items() if demande.statut in statuts]


def _verrouiller(demande: DemandeEnrolement, decision: str) -> DemandeEnrolement:
    """The request again, locked until the end of the transaction, if its status allows `decision`."""
    verrouillee = DemandeEnrolement.objects.select_for_update().get(pk=demande.pk)
    if verrouillee.statut not in DEPUIS[decision]:
        attendus = " ou ".join(f"« {Statut(statut).label} »" for statut in DEPUIS[decision])
        raise ValidationError(
            f"Une demande « {verrouillee.get_statut_display()} » ne peut pas être {VERBES[decision]} "
            f"(elle doit être {attendus}).",
            code="statut",
        )
    return verrouillee


def _decider(demande: DemandeEnrolement, *, statut: str, par: Utilisateur | None, motif: str, raison: str) -> None:
    demande.statut = statut
    demande.motif = motif
    demande.instruite_par = par
    demande.date_decision = timezone.now()
    demande._history_user = par
    demande._change_reason = raison


# --- Validation ---------------------------------------------------------------------------------


def valider(demande: DemandeEnrolement, *, par: Utilisateur | None, identifiant: str | None = None) -> Utilisateur:
    """« Valider la demande »: the vendor becomes a supplier of the portal. In one transaction: the
    Fournisseur of the SIRET (the existing one, a record without any active account, or a new one),
    one Solution per claimed numéro ANS from its référentiel line, the validated bank details, and
    the first account (the structure's administrator, without a password). Returns that account:
    the caller e-mails it the activation link (comptes.envoyer_liens) once this has committed.
    Raises ValidationError (French messages) and writes nothing when the status does not allow it,
    a numéro is no longer conforme, the SIRET got enrolled meanwhile or the address (or the
    identifiant) is already an account's. `par` may be None for a validation by a script (seed_demo):
    the history then names nobody."""
    with evenement("enrolement_validation", demande_id=demande.pk, par=getattr(par, "pk", None)) as details:
        compte = _valider(demande, par=par, identifiant=identifiant)
        details.update(fournisseur_id=compte.fournisseur_id, compte_id=compte.pk)
    demande.refresh_from_db()
    return compte


@transaction.atomic
def _valider(demande: DemandeEnrolement, *, par: Utilisateur | None, identifiant: str | None) -> Utilisateur:
    demande = _verrouiller(demande, "valider")
    # Checked again: the référentiel may have been reloaded, another vendor enrolled, since the
    # request was made (the public form checked the same things, with the same words).
    situations = selectors.situation_des_numeros(demande.siret, demande.numeros_ans)
    refus = [situation.message for situation in situations if not situation.conforme]
    if refus:
        raise ValidationError(refus, code="numeros")
    if selectors.siret_deja_enrole(demande.siret):
        raise ValidationError(SIRET_DEJA_ENROLE, code="enrole")
    maintenant = timezone.now()

    fournisseur = Fournisseur.objects.select_for_update().filter(siret=demande.siret).first()
    if fournisseur is None:
        fournisseur = Fournisseur(siret=demande.siret, denomination=demande.denomination)
        fournisseur._history_user = par
        fournisseur._change_reason = f"Demande d'enrôlement n° {demande.pk} validée"
        fournisseur.save()

    for situation in situations:
        ligne = situation.ligne
        if situation.solution is not None or ligne is None:  # already this fournisseur's (conforme)
            continue
        solution = Solution(
            numero_ans=ligne.numero_ans,
            nom=ligne.nom,
            fournisseur=fournisseur,
            couloir_id=ligne.couloir_id,
            logiciel_id=ligne.logiciel_id,
            vague=ligne.vague,
            date_referencement=ligne.date_referencement,
            plafond_ht=ligne.plafond_ht,
            avance_ouverture=moment(ligne.avance_ouverture, DEBUT_DU_JOUR),
            avance_fermeture=moment(ligne.avance_fermeture, FIN_DU_JOUR),
            solde_ouverture=moment(ligne.solde_ouverture, DEBUT_DU_JOUR),
            solde_fermeture=moment(ligne.solde_fermeture, FIN_DU_JOUR),
        )
        solution._history_user = par
        solution._change_reason = f"Demande d'enrôlement n° {demande.pk} validée"
        solution.save()

    # The validated details of an old record are replaced first, then the request's become the validated ones.
    for ancienne in CoordonneesBancaires.objects.select_for_update().filter(
        fournisseur=fournisseur, statut=CoordonneesBancaires.Statut.VALIDEES
    ):
        coordonnees_bancaires.remplacer(
            ancienne, par=par, raison=f"Remplacées par celles de la demande d'enrôlement n° {demande.pk}"
        )
    coordonnees = CoordonneesBancaires(
        fournisseur=fournisseur,
        iban=demande.iban,
        bic=demande.bic,
        rib=demande.rib.name,  # the stored RIB itself: never edited, it belongs to both rows
        statut=CoordonneesBancaires.Statut.VALIDEES,
        instruites_par=par,
        date_instruction=maintenant,
    )
    coordonnees._history_user = par
    coordonnees._change_reason = f"Validées avec la demande d'enrôlement n° {demande.pk}"
    coordonnees.save()

    # Last: its ValidationError (address or identifiant already an account's) undoes all the above.
    compte = comptes.creer_compte_fournisseur(
        fournisseur,
        email=demande.contact_email,
        prenom=demande.contact_prenom,
        nom=demande.contact_nom,
        administrateur=True,
        par=par,
        identifiant=identifiant,
    )

    demande.fournisseur, demande.utilisateur = fournisseur, compte
    _decider(demande, statut=Statut.VALIDEE, par=par, motif="", raison="Demande validée")
    demande.save()
    return compte


# --- Complément and refusal ---------------------------------------------------------------------


def demander_complement(demande: DemandeEnrolement, *, par: Utilisateur, message: str) -> DemandeEnrolement:
    """« Demander un complément »: the request waits for the vendor, who corrects it through the
    link e-mailed to him (envoyer_courriel_complement) and sends it back « À vérifier »."""
    message = (message or "").strip()
    if not message:
        raise ValidationError(MESSAGE_OBLIGATOIRE, code="requis")
    with evenement("enrolement_complement", demande_id=demande.pk, par=par.pk):
        with transaction.atomic():
            verrouillee = _verrouiller(demande, "complement")
            _decider(verrouillee, statut=Statut.COMPLEMENT_DEMANDE, par=par, motif=message, raison="Complément demandé")
            verrouillee.save()
    demande.refresh_from_db()
    return demande


def refuser(demande: DemandeEnrolement, *, par: Utilisateur, motif: str) -> DemandeEnrolement:
    """« Refuser la demande »: final; the vendor is told the motif (envoyer_courriel_refus) and may
    make a new request."""
    motif = (motif or "").strip()
    if not motif:
        raise ValidationError(MOTIF_OBLIGATOIRE, code="requis")
    with evenement("enrolement_refus", demande_id=demande.pk, par=par.pk):
        with transaction.atomic():
            verrouillee = _verrouiller(demande, "refuser")
            _decider(verrouillee, statut=Statut.REFUSEE, par=par, motif=motif, raison="Demande refusée")
            verrouillee.save()
    demande.refresh_from_db()
    return demande


# --- The e-mails to the vendor --------------------------------------------------------------------


def lien_complement(demande: DemandeEnrolement) -> str:
    """The absolute address of the page where the vendor answers (signed, valid 30 days)."""
    return url_portail(reverse("demande_acces_completer", args=[liens.jeton(demande, "completer")]))


def _envoyer(demande: DemandeEnrolement, nature: str, contexte: dict) -> bool:
    """The e-mail `nature` (templates/enrolement/courriels/<nature>_*.txt) to the contact; False
    when the sending failed (logged)."""
    contexte = {"demande": demande, **contexte}
    sujet = "".join(render_to_string(f"enrolement/courriels/{nature}_sujet.txt", contexte).splitlines())
    corps = render_to_string(f"enrolement/courriels/{nature}_corps.txt", contexte)
    try:
        EmailMultiAlternatives(sujet, corps, settings.DEFAULT_FROM_EMAIL, [demande.contact_email]).send()
    except OSError as erreur:  # smtplib.SMTPException included
        journal.warning(f"enrolement_courriel_{nature}", demande_id=demande.pk, echec=type(erreur).__name__)
        return False
    journal.info(f"enrolement_courriel_{nature}", demande_id=demande.pk)
    return True


def envoyer_courriel_refus(demande: DemandeEnrolement) -> bool:
    return _envoyer(demande, "refus", {})


def envoyer_courriel_complement(demande: DemandeEnrolement) -> bool:
    return _envoyer(
        demande,
        "complement",
        {"lien": lien_complement(demande), "validite_jours": liens.VALIDITE_COMPLEMENT // 86400},
    )
