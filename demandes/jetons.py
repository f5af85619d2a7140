"""Personal API tokens (writes and the check of a presented token): creation, revocation, and
authentication of « Authorization: Bearer <jeton> » by the API (segur_portal.api.auth).

A token is « sgr_ » followed by 43 random URL-safe characters (256 bits): its SHA-256 is enough to
store it (no slow hash needed for a secret that cannot be guessed), and finds it by a unique index."""

import datetime
import hashlib
import secrets

import structlog
from django.utils import timezone

from segur_portal.journal import evenement

from .models import JetonAPI, Utilisateur

evenements = structlog.get_logger("segur_portal.evenements")
PREFIXE = "sgr_"
DUREE_MAX_JOURS = 365
DUREE_PAR_DEFAUT_JOURS = 90
LONGUEUR_NOM_MAX: int = JetonAPI._meta.get_field("nom").max_length or 100
# The last use is written at most this often: not one UPDATE per API call.
PRECISION_DERNIERE_UTILISATION = datetime.timedelta(minutes=1)


class JetonInvalide(Exception):
    """The token cannot be created, or a presented token is refused; the message says why, in French."""


def empreinte(clair: str) -> str:
    return hashlib.sha256(clair.encode()).hexdigest()


def creer_jeton(utilisateur: Utilisateur, *, nom: str, jours: int = DUREE_PAR_DEFAUT_JOURS) -> tuple[JetonAPI, str]:
    """A new token for a supplier's user, valid `jours` days (1 to 365). Returns (the row, the token
    in clear: shown once, never stored)."""
    nom = (nom or "").strip()
    if utilisateur.fournisseur_id is None:
        raise JetonInvalide("Seuls les comptes des fournisseurs peuvent créer un jeton d'API.")
    if not nom:
        raise JetonInvalide("Donnez un nom au jeton (par exemple le logiciel ou le serveur qui l'utilisera).")
    if len(nom) > LONGUEUR_NOM_MAX:
        raise JetonInvalide(f"Le nom du jeton fait {len(nom)} caractères : {LONGUEUR_NOM_MAX} au plus.")
    if not 1 <= jours <= DUREE_MAX_JOURS:
        raise JetonInvalide(f"La durée de validité va de 1 à {DUREE_MAX_JOURS} jours.")
    clair = PREFIXE + secrets.token_urlsafe(32)
    with evenement("jeton_api_cree", utilisateur_id=utilisateur.pk, nom_jeton=nom, jours=jours):
        jeton = JetonAPI.objects.create(
            utilisateur=utilisateur,
            nom=nom,
            prefixe=clair[:12],
            empreinte=empreinte(clair),
            date_expiration=timezone.now() + datetime.timedelta(days=jours),
        )
    return jeton, clair


def revoquer(jeton: JetonAPI, *, par: Utilisateur) -> bool:
    """Revokes the token (at once: the next call with it answers 401). False if it already was."""
    fait = JetonAPI.objects.filter(pk=jeton.pk, date_revocation__isnull=True).update(
        date_revocation=timezone.now(), revoque_par=par
    )
    if fait:
        evenements.info("jeton_api_revoque", jeton_id=jeton.pk, nom_jeton=jeton.nom, par=par.pk)
    jeton.refresh_from_db(fields=["date_revocation", "revoque_par"])
    return bool(fait)


def authentifier(clair: str) -> JetonAPI:
    """The token presented in « Authorization: Bearer … », with its user, if it may be used now;
    raises JetonInvalide with the reason otherwise (unknown, revoked, expired, account disabled).
    Notes its last use (at most once a minute)."""
    jeton = (
        JetonAPI.objects.select_related("utilisateur", "utilisateur__fournisseur")
        .filter(empreinte=empreinte(clair or ""))
        .first()
    )
    maintenant = timezone.now()
    if jeton is None:
        raise JetonInvalide("Jeton d'API inconnu : vérifiez l'en-tête « Authorization: Bearer <jeton> ».")
    if jeton.date_revocation is not None:
        raise JetonInvalide(f"Ce jeton d'API a été révoqué le {timezone.localtime(jeton.date_revocation):%d/%m/%Y}.")
    if jeton.date_expiration <= maintenant:
        raise JetonInvalide(
            f"Ce jeton d'API a expiré le {timezone.localtime(jeton.date_expiration):%d/%m/%Y} : créez-en un nouveau "
            "sur la page « Accès API »."
        )
    if not jeton.utilisateur.is_active or jeton.utilisateur.fournisseur_id is None:
        raise JetonInvalide("Le compte de ce jeton d'API est désactivé.")
    derniere = jeton.date_derniere_utilisation
    if derniere is None or maintenant - derniere >= PRECISION_DERNIERE_UTILISATION:
        JetonAPI.objects.filter(pk=jeton.pk).update(date_derniere_utilisation=maintenant)
        jeton.date_derniere_utilisation = maintenant
    return jeton
