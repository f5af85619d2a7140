"""The supplier's own team: its administrator (Utilisateur.administrateur_fournisseur, the first user
of the enrolment) invites colleagues by e-mail, sends an invitation again and removes an account.
A removed account is deactivated, never deleted: the imports it made keep their author.

The reads of the page « Équipe » are here too: the structure's accounts, with their number of
imports and the date each removed account left."""

from django.apps import apps
from django.contrib.admin.models import CHANGE, LogEntry
from django.db import transaction
from django.db.models import Count, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404
from django.utils import timezone

from segur_portal.journal import journal

from .. import jetons
from ..comptes import creer_compte_fournisseur, envoyer_liens
from ..models import DemandeEnrolement, Fournisseur, JetonAPI, Utilisateur

# What the admin's history of the account says of a removal (LogEntry): the page « Équipe » reads
# the date of the removal there, the managers see who removed the account and when.
MESSAGE_RETRAIT = "Retiré de l'équipe de la structure par son administrateur (compte désactivé, jetons d'API révoqués)."


class RefusEquipe(Exception):
    """The action on the team is refused; the message says why, in French."""


# --- reads -------------------------------------------------------------------------------------------


def equipe_de(fournisseur: Fournisseur) -> list[Utilisateur]:
    """The structure's accounts (active first), each with `nb_imports` and `date_retrait` (None
    unless removed through the page « Équipe »)."""
    # By name: the imports app is above demandes in the layers (pyproject.toml), and Import.utilisateur
    # has no reverse relation (related_name="+") to count through.
    Import = apps.get_model("imports", "Import")
    nombre = (
        Import.objects.filter(utilisateur=OuterRef("pk"))
        .order_by()
        .values("utilisateur")
        .annotate(nombre=Count("id"))
        .values("nombre")
    )
    comptes = list(
        Utilisateur.objects.filter(fournisseur=fournisseur)
        .annotate(nb_imports=Coalesce(Subquery(nombre), Value(0)))
        .order_by("-is_active", "-administrateur_fournisseur", "last_name", "first_name", "username")
    )
    retraits = dates_de_retrait([compte.pk for compte in comptes if not compte.is_active])
    for compte in comptes:
        compte.date_retrait = retraits.get(compte.pk)
    return comptes


def dates_de_retrait(pks: list[int]) -> dict[int, object]:
    """{account id: date of its last removal from the team}."""
    if not pks:
        return {}
    dates: dict[int, object] = {}
    for object_id, date in (
        LogEntry.objects.filter(
            content_type__app_label="demandes",
            content_type__model="utilisateur",
            object_id__in=[str(pk) for pk in pks],
            change_message=MESSAGE_RETRAIT,
        )
        .order_by("action_time")
        .values_list("object_id", "action_time")
    ):
        dates[int(object_id)] = date
    return dates


def etat_du_compte(compte: Utilisateur) -> str:
    """« Actif », « Invitation envoyée le JJ/MM/AAAA », « Invitation non envoyée », « Retiré le … »."""
    if not compte.is_active:
        date = getattr(compte, "date_retrait", None)
        return f"Retiré le {timezone.localtime(date):%d/%m/%Y}" if date else "Retiré"
    if not compte.has_usable_password():
        if compte.date_invitation is None:
            return "Invitation non envoyée"
        return f"Invitation envoyée le {timezone.localtime(compte.date_invitation):%d/%m/%Y}"
    return "Actif"


def enrolement_valide(fournisseur: Fournisseur) -> DemandeEnrolement | None:
    """The structure's last validated request for access (its address), None for a structure
    enrolled before the portal had requests (the demo's, or one typed in the admin)."""
    return (
        DemandeEnrolement.objects.filter(fournisseur=fournisseur, statut=DemandeEnrolement.Statut.VALIDEE)
        .order_by("-date_decision", "-id")
        .first()
    )


def compte_de_la_structure(fournisseur: Fournisseur, pk: int) -> Utilisateur:
    """An account of the structure, or 404 — whether it belongs to another structure or does not exist."""
    return get_object_or_404(Utilisateur, fournisseur=fournisseur, pk=pk)


def en_attente_d_activation(compte: Utilisateur) -> bool:
    return compte.is_active and not compte.has_usable_password()


# --- writes ------------------------------------------------------------------------------------------


def _verifier_administrateur(par: Utilisateur) -> None:
    if not (par.is_active and par.fournisseur_id and par.administrateur_fournisseur):
        raise RefusEquipe("Seul l'administrateur de votre structure peut inviter, relancer ou retirer des comptes.")


def inviter(par: Utilisateur, *, prenom: str, nom: str, email: str) -> Utilisateur:
    """A colleague's account in the administrator's structure (a member, without a password).
    Raises ValidationError (in French) when the address is already an account's. The e-mail goes
    with envoyer_invitation, once the account exists."""
    _verifier_administrateur(par)
    compte = creer_compte_fournisseur(
        par.fournisseur, email=email, prenom=prenom, nom=nom, administrateur=False, par=par
    )
    journal.info("invitation_equipe", compte_id=compte.pk, fournisseur_id=compte.fournisseur_id, par=par.pk)
    return compte


def envoyer_invitation(request, compte: Utilisateur) -> bool:
    """The activation e-mail (it names who invites). Its date is the account's « invité le »; a
    failed sending leaves it empty: the page shows « Invitation non envoyée » and « Renvoyer
    l'invitation »."""
    envoyes, _ = envoyer_liens(request, [compte], nature="activation")
    compte.date_invitation = timezone.now() if envoyes else None
    Utilisateur.objects.filter(pk=compte.pk).update(date_invitation=compte.date_invitation)
    return bool(envoyes)


def renvoyer_invitation(request, compte: Utilisateur, *, par: Utilisateur) -> bool:
    """« Renvoyer l'invitation » of an account not activated yet (a new link: the old one still works
    until its expiry or the password's choice)."""
    _verifier_administrateur(par)
    if compte.fournisseur_id != par.fournisseur_id:
        raise RefusEquipe("Ce compte n'appartient pas à votre structure.")
    if not compte.is_active:
        raise RefusEquipe(f"Le compte {compte.get_username()} a été retiré de l'équipe : il ne peut plus être invité.")
    if compte.has_usable_password():
        raise RefusEquipe(
            f"Le compte {compte.get_username()} est déjà activé : son titulaire se connecte avec son mot de passe."
        )
    return envoyer_invitation(request, compte)


@transaction.atomic
def retirer(compte: Utilisateur, *, par: Utilisateur) -> int:
    """« Retirer »: the account is deactivated (it cannot log in any more, its imports keep their
    author) and its API tokens are revoked at once. Returns the number of tokens revoked.
    The structure's active accounts are locked first: two administrators removing each other at
    the same moment act one after the other, and the structure always keeps an administrator."""
    actifs = {
        ligne.pk: ligne
        for ligne in Utilisateur.objects.select_for_update()
        .filter(fournisseur_id=compte.fournisseur_id, is_active=True)
        .order_by("pk")
    }
    auteur = actifs.get(par.pk)
    if auteur is None or not auteur.administrateur_fournisseur:
        raise RefusEquipe("Seul l'administrateur de votre structure peut retirer un compte.")
    cible = actifs.get(compte.pk)
    if cible is None:
        raise RefusEquipe(f"Le compte {compte.get_username()} est déjà retiré de l'équipe.")
    autres_administrateurs = [
        ligne for ligne in actifs.values() if ligne.administrateur_fournisseur and ligne.pk != cible.pk
    ]
    if cible.administrateur_fournisseur and not autres_administrateurs:
        raise RefusEquipe(
            "Vous êtes le dernier administrateur de la structure : son compte ne peut pas être retiré "
            "(la structure n'aurait plus personne pour gérer son équipe et ses coordonnées bancaires)."
        )
    if cible.pk == auteur.pk:
        raise RefusEquipe(
            "Vous ne pouvez pas retirer votre propre compte : demandez-le à un autre administrateur de la structure."
        )
    cible.is_active = False
    cible.save(update_fields=["is_active"])
    revoques = 0
    for jeton in JetonAPI.objects.filter(utilisateur=cible, date_revocation__isnull=True):
        revoques += jetons.revoquer(jeton, par=auteur)
    LogEntry.objects.log_actions(
        auteur.pk, Utilisateur.objects.filter(pk=cible.pk), CHANGE, MESSAGE_RETRAIT, single_object=True
    )
    journal.info(
        "compte_retire",
        compte_id=cible.pk,
        fournisseur_id=cible.fournisseur_id,
        par=auteur.pk,
        jetons_revoques=revoques,
    )
    compte.is_active = False
    return revoques
