"""Reads. The supplier's own data: the fournisseur always comes first. Then the managers' admin."""

import datetime
import json
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import Permission
from django.db.models import Count, Prefetch, Q, QuerySet, Sum
from django.db.models.functions import TruncDate
from django.shortcuts import get_object_or_404
from django.utils import timezone

from . import numero_dossier
from .models import (
    Demande,
    DemandeDeComplements,
    Fournisseur,
    JetonAPI,
    Logiciel,
    Notification,
    Paiement,
    PieceAttendue,
    Solution,
    TypePiece,
    Utilisateur,
)
from .valeurs import StatutDemande, StatutPaiement, TypeDemande

LOT_EXPORT = 2000  # rows read from the database at a time by a streamed CSV export


def solutions_du_fournisseur(fournisseur: Fournisseur) -> QuerySet[Solution]:
    return Solution.objects.filter(fournisseur=fournisseur).select_related("couloir", "logiciel").order_by("numero_ans")


def demandes_du_fournisseur(fournisseur: Fournisseur) -> QuerySet[Demande]:
    return Demande.objects.filter(fournisseur=fournisseur).select_related("solution__logiciel")


def demandes_a_exporter(demandes: QuerySet[Demande], champs: Sequence[str]) -> Iterator[dict[str, Any]]:
    """The rows of a CSV export of `demandes` (already filtered: the supplier's list or the
    managers' changelist), latest deposit first: dicts of `champs`, read by batches as the response
    streams."""
    return demandes.order_by("-date_depot", "-numero").values(*champs).iterator(chunk_size=LOT_EXPORT)


def logiciels_du_fournisseur(fournisseur: Fournisseur | None) -> QuerySet[Logiciel]:
    """The logiciels of the supplier's own solutions (a criterion of its list of demandes)."""
    return Logiciel.objects.filter(solution__fournisseur=fournisseur).distinct()


def types_de_pieces() -> QuerySet[TypePiece]:
    return TypePiece.objects.order_by("code")


def _demande_avec_son_contenu() -> QuerySet[Demande]:
    """What the page of a demande (and the API's) shows of it, read in a fixed number of queries."""
    return Demande.objects.select_related(
        "solution__couloir", "solution__logiciel", "import_demandes", "avance"
    ).prefetch_related("beneficiaires", "pieces_attendues__receptions", "paiements")


def demande_du_fournisseur(fournisseur: Fournisseur, pk: int) -> Demande:
    return get_object_or_404(_demande_avec_son_contenu(), fournisseur=fournisseur, pk=pk)


def demande_du_fournisseur_par_numero(fournisseur: Fournisseur, numero: str) -> Demande:
    """The supplier's demande of this dossier number (« FINMDV000001M0 », with or without its
    version); 404 otherwise, another supplier's included."""
    base = numero_dossier.base_de(numero) or numero_dossier.base_de(f"{numero}M0")
    return get_object_or_404(_demande_avec_son_contenu(), fournisseur=fournisseur, numero=base or "")


def complements_de_la_demande(demande: Demande) -> list[DemandeDeComplements]:
    """The manager's requests for compléments of a demande, newest first, each with the pieces the
    supplier sent in answer (piecesjointes.PieceComplementaire, reached through the relation) and
    who asked. Two queries."""
    return list(
        demande.demandes_de_complements.select_related("demandee_par", "repondue_par").prefetch_related("pieces")
    )


def historique_des_statuts(demande: Demande) -> list[dict[str, Any]]:
    """Each change of status or payment, oldest first, starting with the deposit (a demande
    created by an import has no history row of its own: the import records its creation)."""
    etapes = [{"date": demande.date_depot, "statut": StatutDemande.EN_ATTENTE_PIECES.label, "paiement": ""}]
    precedent = (StatutDemande.EN_ATTENTE_PIECES, "")
    for version in demande.history.order_by("history_date", "history_id"):
        cle = (version.statut, version.statut_paiement)
        if cle != precedent:
            etapes.append(
                {
                    "date": version.history_date,
                    "statut": version.get_statut_display(),
                    "paiement": version.get_statut_paiement_display(),
                }
            )
            precedent = cle
    return etapes


def pieces_manquantes(demande: Demande) -> int:
    """How many of its expected pieces no zip has brought yet, read from the pieces
    demande_du_fournisseur prefetched (no query)."""
    return sum(1 for piece in demande.pieces_attendues.all() if not piece.receptions.all())


def demandes_par_statut(fournisseur: Fournisseur) -> list[dict[str, Any]]:
    lignes = Demande.objects.filter(fournisseur=fournisseur).values("statut").annotate(nombre=Count("id"))
    return [dict(ligne) for ligne in lignes.order_by("statut")]


def demandes_rejetees_depuis(fournisseur: Fournisseur, depuis: datetime.datetime) -> QuerySet[Demande]:
    """The supplier's demandes rejected since `depuis`, latest rejection first. A rejected demande
    changes no more (no modification, no payment): its date_modification is that of its rejection."""
    return Demande.objects.filter(
        fournisseur=fournisseur, statut=StatutDemande.REJETEE, date_modification__gte=depuis
    ).order_by("-date_modification", "-id")


def demandes_a_completer(fournisseur: Fournisseur) -> QuerySet[Demande]:
    """The supplier's demandes waiting for compléments, the longest waiting first, each with its
    open request (`complements_ouverts`: a list of one) for the message."""
    return (
        Demande.objects.filter(fournisseur=fournisseur, statut=StatutDemande.A_COMPLETER)
        .prefetch_related(
            Prefetch(
                "demandes_de_complements",
                queryset=DemandeDeComplements.objects.filter(date_reponse__isnull=True),
                to_attr="complements_ouverts",
            )
        )
        .order_by("date_modification", "id")
    )


_DEBUT_LIGNES = re.compile(r'(?<!\\)"lignesImport"\s*:\s*\[')


def ligne_deposee(demande: Demande) -> str | None:
    """The line of the JSON file exactly as the supplier wrote it, read back from the stored file of
    the import that created or last modified the demande; None if unavailable."""
    if demande.import_demandes is None or not demande.rang:
        return None
    try:
        with demande.import_demandes.fichier.open("rb") as flux:
            texte = flux.read().decode("utf-8-sig")
    except (OSError, UnicodeDecodeError):
        return None
    debut = _DEBUT_LIGNES.search(texte)
    if debut is None:
        return None
    # Walk the array element by element: raw_decode says where each one ends.
    decodeur, position = json.JSONDecoder(), debut.end()
    for rang in range(demande.rang):
        while position < len(texte) and texte[position] in " \t\r\n,":
            position += 1
        try:
            _, fin = decodeur.raw_decode(texte, position)
        except ValueError:
            return None
        if rang == demande.rang - 1:
            return texte[position:fin]
        position = fin
    return None


# --- the managers' admin -----------------------------------------------------------------------


def demandes_avec_fournisseur(demandes: QuerySet[Demande]) -> QuerySet[Demande]:
    """The demandes an action's confirmation page lists, each with its supplier."""
    return demandes.select_related("fournisseur")


def demandes_avec_solution(demandes: QuerySet[Demande]) -> QuerySet[Demande]:
    """The demandes a change of status is applied to, with their solution."""
    return demandes.select_related("solution")


def comptes_par_identifiant(comptes: QuerySet[Utilisateur]) -> QuerySet[Utilisateur]:
    return comptes.order_by("username")


# --- the dossier page of the managers' admin ------------------------------------------------------


def dossier_pour_gestion(demandes: QuerySet[Demande], pk: Any) -> Demande | None:
    """The demande of the dossier page, with all it shows read in a fixed number of queries: its
    supplier, solution, import, beneficiaries, expected pieces with their received files (latest
    zip first) and payments with who recorded them. `demandes` is what the admin lets the user see."""
    # piecesjointes.PieceRecue, reached through the relation (demandes does not import piecesjointes).
    receptions = PieceAttendue._meta.get_field("receptions").related_model
    return (
        demandes.select_related("fournisseur", "solution__couloir", "solution__logiciel", "import_demandes", "avance")
        .prefetch_related(
            "beneficiaires",
            Prefetch(
                "pieces_attendues__receptions",
                queryset=receptions._default_manager.order_by("-zip_depose_id"),
            ),
            Prefetch("paiements", queryset=Paiement.objects.select_related("enregistre_par")),
        )
        .filter(pk=pk)
        .first()
    )


def historique_du_dossier(demande: Demande) -> list[dict[str, Any]]:
    """The dossier's history as a manager reads it, oldest first: each step where its status or its
    payment status changed, or its manager (« M'attribuer »), with who (the account; None for the
    import itself), when, from which status to which, and the motif: a rejection's, the message of a
    request for compléments, the pieces sent in answer. A demande created by an import has no history
    row of its own (the import records its creation): its first step is then its deposit « En attente
    des pièces », as on the supplier's page. One query whatever the number of rows (two when
    compléments were asked for)."""
    versions = list(
        Demande.history.filter(id=demande.pk)
        .select_related("history_user", "gestionnaire")
        .order_by("history_date", "history_id")
    )
    # Each step into « En attente de compléments » created one request, in the same order (read
    # only when the dossier had such a step).
    messages: Iterator[str] | None = None
    etapes: list[dict[str, Any]] = []
    avant: tuple[str, str] | None = None
    libelle_avant = ""
    gestionnaire_avant = None
    if not versions or versions[0].history_type != "+":
        avant, libelle_avant = (StatutDemande.EN_ATTENTE_PIECES, ""), StatutDemande.EN_ATTENTE_PIECES.label
        etapes.append({"date": demande.date_depot, "auteur": None, "depuis": "", "vers": libelle_avant, "motif": ""})
    for version in versions:
        cle = (version.statut, version.statut_paiement)
        if version.gestionnaire_id != gestionnaire_avant and version.gestionnaire_id is not None:
            etapes.append(
                {
                    "date": version.history_date,
                    "auteur": version.history_user,
                    "depuis": libelle_avant,
                    "vers": libelle_avant or _etat_lisible(version),
                    "motif": f"Dossier attribué à {version.gestionnaire.username}",
                }
            )
        gestionnaire_avant = version.gestionnaire_id
        if cle == avant:
            continue
        libelle = _etat_lisible(version)
        change = avant is None or avant[0] != version.statut
        motif = ""
        if change and version.statut == StatutDemande.REJETEE:
            motif = version.motif_rejet
        elif change and version.statut == StatutDemande.A_COMPLETER:
            if messages is None:
                messages = iter(
                    demande.demandes_de_complements.order_by("date_demande", "id").values_list("message", flat=True)
                )
            motif = f"Compléments demandés : {next(messages, '')}"
        elif change and version.history_change_reason:
            motif = version.history_change_reason
        etapes.append(
            {
                "date": version.history_date,
                "auteur": version.history_user,
                "depuis": libelle_avant,
                "vers": libelle,
                "motif": motif,
            }
        )
        avant, libelle_avant = cle, libelle
    return etapes


def _etat_lisible(version: Any) -> str:
    """« Décidée » or « Décidée · Paiement effectué »."""
    paiement = version.get_statut_paiement_display() if version.statut_paiement else ""
    return f"{version.get_statut_display()} · {paiement}" if paiement else version.get_statut_display()


# --- The managers' list and dashboard ------------------------------------------------------------

# Not yet decided, rejected or cancelled: the dossier is still waiting (its days are counted).
STATUTS_EN_ATTENTE = (
    StatutDemande.EN_ATTENTE_PIECES,
    StatutDemande.DEPOSEE,
    StatutDemande.EN_INSTRUCTION,
    StatutDemande.A_COMPLETER,
)
# Waiting for the ASP itself (the supplier has sent everything): the dashboard's longest waits.
STATUTS_A_TRAITER = (StatutDemande.DEPOSEE, StatutDemande.EN_INSTRUCTION)
# « Demandé »: every demande but the cancelled ones; « Décidé »: the decided ones.
STATUTS_DEMANDES = tuple(s for s in StatutDemande if s != StatutDemande.ANNULEE)
JOURS_DE_DEPOTS = 7
NOMBRE_PLUS_ANCIENS = 10


def liste_des_gestionnaires(demandes: QuerySet[Demande]) -> QuerySet[Demande]:
    """The rows of the managers' changelist: everything its columns show, in the same query."""
    return demandes.select_related("fournisseur", "solution__couloir", "solution__logiciel", "gestionnaire")


def jours_d_attente(demande: Demande, aujourd_hui: datetime.date | None = None) -> int | None:
    """Whole days since the deposit (in Paris) of a dossier still waiting; None once it is decided,
    rejected or cancelled."""
    if demande.statut not in STATUTS_EN_ATTENTE:
        return None
    aujourd_hui = aujourd_hui or timezone.localdate()
    return (aujourd_hui - timezone.localdate(demande.date_depot)).days


def _ligne_de_montants() -> dict[str, Any]:
    return {"nombre": 0, "demande": Decimal("0"), "decide": Decimal("0"), "paye": Decimal("0")}


def tableau_de_bord(aujourd_hui: datetime.date | None = None) -> dict[str, Any]:
    """Everything the dashboard of the admin's index shows, in five queries whatever the number of
    demandes (aggregates grouped in the database, never a query per row):

    - `statuts`: [(StatutDemande, count)] in the statuses' order, and `total`;
    - `par_couloir`, `par_type`: [(label, {nombre, demande, decide, paye})] with `totaux`:
      requested = montant HT of every demande but the cancelled ones, decided = of the decided
      ones, paid = the payments « effectué » recorded (Paiement.montant);
    - `plus_anciens`: [(demande, days of waiting)] of the NOMBRE_PLUS_ANCIENS dossiers waiting for
      the ASP (« Déposée », « En instruction ») deposited first;
    - `depots`: [(day, count)] of the last JOURS_DE_DEPOTS days (Paris), today included, oldest first."""
    aujourd_hui = aujourd_hui or timezone.localdate()
    # 1. counts and amounts, grouped by solution × type × status (no join: the couloir of each
    # solution is read apart, in a query as small as the référentiel)
    groupes = (
        Demande.objects.order_by()
        .values("solution_id", "type_demande", "statut")
        .annotate(nombre=Count("id"), montant=Sum("montant_ht"))
    )
    # 2. the payments made, grouped by solution × type
    paiements = (
        Paiement.objects.order_by()
        .filter(statut=StatutPaiement.EFFECTUE)
        .values("demande__solution_id", "demande__type_demande")
        .annotate(montant=Sum("montant"))
    )
    couloirs = {
        solution["id"]: (solution["couloir__code"], solution["couloir__libelle"])
        for solution in Solution.objects.order_by().values("id", "couloir__code", "couloir__libelle")
    }
    par_statut: dict[str, int] = defaultdict(int)
    par_couloir: dict[str, dict[str, Any]] = defaultdict(_ligne_de_montants)
    par_type: dict[str, dict[str, Any]] = defaultdict(_ligne_de_montants)
    totaux = _ligne_de_montants()
    libelles_couloirs: dict[str, str] = {}
    for groupe in groupes:
        code, libelle = couloirs[groupe["solution_id"]]
        libelles_couloirs[code] = libelle
        par_statut[groupe["statut"]] += groupe["nombre"]
        for ligne in (par_couloir[code], par_type[groupe["type_demande"]], totaux):
            ligne["nombre"] += groupe["nombre"]
            if groupe["statut"] in STATUTS_DEMANDES:
                ligne["demande"] += groupe["montant"]
            if groupe["statut"] == StatutDemande.DECIDEE:
                ligne["decide"] += groupe["montant"]
    for paiement in paiements:
        code, _ = couloirs[paiement["demande__solution_id"]]
        for ligne in (par_couloir[code], par_type[paiement["demande__type_demande"]], totaux):
            ligne["paye"] += paiement["montant"]
    # 3. the longest waits
    plus_anciens = [
        (demande, jours_d_attente(demande, aujourd_hui))
        for demande in liste_des_gestionnaires(Demande.objects.filter(statut__in=STATUTS_A_TRAITER)).order_by(
            "date_depot", "id"
        )[:NOMBRE_PLUS_ANCIENS]
    ]
    # 4. deposits per day (Paris days)
    premier_jour = aujourd_hui - datetime.timedelta(days=JOURS_DE_DEPOTS - 1)
    debut = timezone.make_aware(datetime.datetime.combine(premier_jour, datetime.time.min))
    par_jour = dict(
        Demande.objects.order_by()
        .filter(date_depot__gte=debut)
        .annotate(jour=TruncDate("date_depot", tzinfo=timezone.get_current_timezone()))
        .values("jour")
        .annotate(nombre=Count("id"))
        .values_list("jour", "nombre")
    )
    jours = [premier_jour + datetime.timedelta(days=n) for n in range(JOURS_DE_DEPOTS)]
    return {
        "statuts": [(statut, par_statut.get(statut, 0)) for statut in StatutDemande],
        "total": totaux["nombre"],
        "par_couloir": [
            (f"{code} — {libelles_couloirs[code]}", par_couloir[code]) for code in sorted(libelles_couloirs)
        ],
        "par_type": [(TypeDemande(code).label, par_type[code]) for code in TypeDemande.values if code in par_type],
        "totaux": totaux,
        "plus_anciens": plus_anciens,
        "depots": [(jour, par_jour.get(jour, 0)) for jour in jours],
    }


# --- E-mail notifications (demandes.notifications) -----------------------------------------------


def comptes_a_notifier(fournisseur_ids: Iterable[int]) -> QuerySet[Utilisateur]:
    """The users told of an event on their supplier's dossiers: its active users with an address."""
    return (
        Utilisateur.objects.filter(fournisseur_id__in=list(fournisseur_ids), is_active=True)
        .exclude(email="")
        .order_by("pk")
    )


def gestionnaires_a_informer() -> QuerySet[Utilisateur]:
    """The recipients of the daily digest of deposits: the active accounts that may instruct
    demandes (permission demandes.instruire_demande, through a group — « Gestionnaires ASP » — or
    their own), with an address. Superusers are left out although they hold every permission: they
    are the technical and support accounts, not the instruction team; a superuser who wants the
    digest is given the permission (or the group) explicitly."""
    permission = Q(content_type__app_label="demandes", codename="instruire_demande")
    return (
        Utilisateur.objects.filter(is_active=True, is_superuser=False)
        .filter(
            Q(user_permissions__in=Permission.objects.filter(permission))
            | Q(groups__permissions__in=Permission.objects.filter(permission))
        )
        .exclude(email="")
        .distinct()
        .order_by("pk")
    )


def depots_du_jour(jour: datetime.date) -> dict[str, Any]:
    """The deposits of `jour` (Paris) as the dashboard counts them (tableau_de_bord: by date_depot):
    `nombre`, `montant` (HT) and `par_couloir`: [(« MDV — libellé », count, amount)] by couloir code.
    One query, grouped in the database."""
    debut = timezone.make_aware(datetime.datetime.combine(jour, datetime.time.min))
    fin = timezone.make_aware(datetime.datetime.combine(jour + datetime.timedelta(days=1), datetime.time.min))
    groupes = (
        Demande.objects.order_by()
        .filter(date_depot__gte=debut, date_depot__lt=fin)
        .values("solution__couloir__code", "solution__couloir__libelle")
        .annotate(nombre=Count("id"), montant=Sum("montant_ht"))
        .order_by("solution__couloir__code")
    )
    par_couloir = [
        (f"{g['solution__couloir__code']} — {g['solution__couloir__libelle']}", g["nombre"], g["montant"])
        for g in groupes
    ]
    return {
        "nombre": sum(nombre for _, nombre, _ in par_couloir),
        "montant": sum((montant for _, _, montant in par_couloir), Decimal("0")),
        "par_couloir": par_couloir,
    }


LIENS_PAR_NOTIFICATION = 50


def notifications_de(utilisateur: Utilisateur) -> QuerySet[Notification]:
    """The page « Notifications »: the user's own notifications, newest first, each with the
    dossiers it is about (LIENS_PAR_NOTIFICATION at most: a bulk decision may hold thousands)."""
    return (
        Notification.objects.filter(destinataire=utilisateur)
        .order_by("-date_creation", "-id")
        .prefetch_related(
            Prefetch(
                "demandes",
                queryset=Demande.objects.order_by("numero")[:LIENS_PAR_NOTIFICATION],
                to_attr="dossiers",
            )
        )
    )


def jetons_de(utilisateur: Utilisateur) -> QuerySet[JetonAPI]:
    """The page « Accès API »: the user's own API tokens (never a colleague's), newest first."""
    return JetonAPI.objects.filter(utilisateur=utilisateur).order_by("-date_creation", "-id")


def jeton_de(utilisateur: Utilisateur, pk: int) -> JetonAPI:
    """One of the user's own tokens; 404 for anyone else's."""
    return get_object_or_404(jetons_de(utilisateur), pk=pk)


ETATS_JETON = {"actif": "Actif", "expire": "Expiré", "revoque": "Révoqué"}


def jetons_par_etat(jetons: QuerySet[JetonAPI], etat: str) -> QuerySet[JetonAPI]:
    """The tokens in this state (a key of ETATS_JETON), as JetonAPI.etat tells it of one token:
    revoked first, then expired, otherwise active."""
    maintenant = timezone.now()
    if etat == "revoque":
        return jetons.filter(date_revocation__isnull=False)
    if etat == "expire":
        return jetons.filter(date_revocation__isnull=True, date_expiration__lte=maintenant)
    if etat == "actif":
        return jetons.filter(date_revocation__isnull=True, date_expiration__gt=maintenant)
    return jetons
