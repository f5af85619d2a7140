"""Step « 2 - Pièces jointes » of an import: zip upload (with progress), processing status,
entries' detail, missing pieces, « Terminer »; downloads of zips and pieces."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.paginator import Paginator
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template import engines
from django.urls import reverse
from django.views import View

from demandes.acces import EspaceFournisseurMixin
from demandes.selectors import demande_du_fournisseur
from demandes.views import CLE_REFUS_COMPLEMENTS
from imports.selectors import import_du_fournisseur
from segur_portal.formats import taille_lisible
from segur_portal.telechargement import reponse_fichier

from . import controles, selectors, services
from .forms import ZipForm
from .models import ZipDepose

DEMANDES_PAR_PAGE = 50


def _veut_du_json(request):
    return "application/json" in request.headers.get("Accept", "")


# The refused files listed in the result of a zip; the others are in its « Détail des fichiers ».
REFUS_AFFICHES = 20

# Badge of a zip in the table « Fichiers zip importés »: its outcome, in the DSFR system colours.
BADGE_EN_ATTENTE = ("En attente de traitement", "new")
BADGE_EN_COURS = ("En cours", "info")
BADGE_OK = ("OK", "success")  # the guide's label for a zip whose every file was accepted
BADGE_AVEC_REFUS = ("Traité avec refus", "warning")
BADGE_REFUSE = ("Refusé", "error")
BADGE_EN_ECHEC = ("En échec", "error")


def badge_du_zip(depot: ZipDepose) -> tuple[str, str]:
    """(libellé, couleur) of a zip's outcome: a zip whose every file was refused is « Refusé »,
    not « Traité »."""
    Statut = ZipDepose.Statut
    if depot.statut == Statut.EN_ATTENTE:
        return BADGE_EN_ATTENTE
    if depot.statut == Statut.EN_COURS:
        return BADGE_EN_COURS
    if depot.statut == Statut.EN_ECHEC:
        return BADGE_EN_ECHEC
    if depot.statut == Statut.REFUSE or not depot.nb_acceptees:
        return BADGE_REFUSE
    return BADGE_AVEC_REFUS if depot.nb_refusees else BADGE_OK


def limites_des_pieces() -> dict:
    """The rules of the attachments as the controls apply them (settings and controles)."""
    return {
        "taille_piece": taille_lisible(settings.SEGUR_MAX_PIECE_BYTES),
        "taille_zip": taille_lisible(settings.SEGUR_MAX_ZIP_BYTES),
        "longueur_nom": controles.LONGUEUR_MAX_NOM,
        "formats": ", ".join(controles.EXTENSIONS),
    }


class EtapePiecesJointesView(EspaceFournisseurMixin, View):
    template_name = "piecesjointes/etape.html"

    def get(self, request, pk, form=None, status=200):
        import_demandes = import_du_fournisseur(self.fournisseur, pk)
        if not import_demandes.importe:
            return redirect("imports:ecran", pk=import_demandes.pk)
        zips = list(selectors.zips_de_l_import(self.fournisseur, import_demandes))
        for depot in zips:
            depot.badge_libelle, depot.badge_couleur = badge_du_zip(depot)
            depot.detail = selectors.entrees_du_zip(depot)
        manquantes = list(selectors.pieces_manquantes_de_l_etape(import_demandes))
        page = Paginator(selectors.demandes_retenues(self.fournisseur, import_demandes), DEMANDES_PAR_PAGE)
        return render(
            request,
            self.template_name,
            {
                "import_demandes": import_demandes,
                "fournisseur": self.fournisseur,
                "form": form or ZipForm(),
                "zips": zips,
                "zip_en_cours": any(not z.termine for z in zips),
                # The missing pieces are a warning once a zip has been processed; before, a notice.
                "zip_traite": any(z.termine for z in zips),
                "manquantes": manquantes,
                "page_demandes": page.get_page(request.GET.get("page")),
                "limite_zip": settings.SEGUR_MAX_ZIP_BYTES,
                "limites": limites_des_pieces(),
                "retention_zips": services.retention_zips_refuses(),
                "resultat": self._resultat(request, import_demandes),
            },
            status=status,
        )

    def _resultat(self, request, import_demandes) -> dict | None:
        """The outcome of the zip the page followed until its processing ended (`?zip=<pk>`, set
        by the page's script): shown first, focused."""
        try:
            pk = int(request.GET.get("zip", ""))
        except ValueError:
            return None
        depot = selectors.zip_de_l_import(self.fournisseur, import_demandes, pk)
        if depot is None or not depot.termine:
            return None
        libelle, couleur = badge_du_zip(depot)
        refus = selectors.entrees_refusees(depot, REFUS_AFFICHES) if depot.nb_refusees else []
        return {
            "zip": depot,
            "couleur": couleur,
            "libelle": libelle,
            "refus": refus,
            "refus_non_affiches": max(depot.nb_refusees - len(refus), 0),
        }


class DeposerZipView(EspaceFournisseurMixin, View):
    def post(self, request, pk):
        import_demandes = import_du_fournisseur(self.fournisseur, pk)
        form = ZipForm(request.POST, request.FILES)
        erreur = None
        if getattr(request, "upload_too_large", False):
            erreur = services.message_zip_trop_volumineux()
        elif not form.is_valid():
            erreur = " ".join(form.errors.get("fichier", ["Fichier invalide."]))
        else:
            try:
                depot = services.deposer_zip(
                    utilisateur=request.user, import_demandes=import_demandes, fichier=form.cleaned_data["fichier"]
                )
            except services.DepotImpossible as refus:
                erreur = str(refus)
        if erreur:
            if _veut_du_json(request):
                return JsonResponse({"erreur": erreur}, status=400)
            messages.error(request, erreur)
            return redirect("piecesjointes:etape", pk=import_demandes.pk)
        message = services.message_du_depot(depot)
        if _veut_du_json(request):
            return JsonResponse(
                {"zip": depot.pk, "statut_url": reverse("piecesjointes:statut", args=[depot.pk]), "message": message}
            )
        messages.info(request, message)
        return redirect("piecesjointes:etape", pk=import_demandes.pk)


class StatutZipView(EspaceFournisseurMixin, View):
    """Polled by the page while a zip is processed."""

    def get(self, request, pk):
        depot = selectors.zip_du_fournisseur(self.fournisseur, pk)
        return JsonResponse(selectors.etat_du_zip(depot))


class RelancerZipView(EspaceFournisseurMixin, View):
    """« Relancer » a zip whose processing failed."""

    def post(self, request, pk):
        depot = selectors.zip_du_fournisseur(self.fournisseur, pk)
        try:
            services.relancer_zip(depot, utilisateur=request.user)
        except services.DepotImpossible as refus:
            messages.error(request, str(refus))
        else:
            messages.info(request, f"Le traitement du fichier « {depot.nom_fichier} » est relancé.")
        return redirect("piecesjointes:etape", pk=depot.import_demandes_id)


class TerminerView(EspaceFournisseurMixin, View):
    def post(self, request, pk):
        import_demandes = import_du_fournisseur(self.fournisseur, pk)
        try:
            nombre = services.terminer(utilisateur=request.user, import_demandes=import_demandes)
        except services.DepotImpossible as refus:
            messages.error(request, str(refus))
            return redirect("piecesjointes:etape", pk=import_demandes.pk)
        messages.success(request, services.message_termine(nombre))
        # Back on the step, which now says the import is over: the message is its first content.
        return redirect("piecesjointes:etape", pk=import_demandes.pk)


PAGE_ZIP_PURGE = """{% extends "base.html" %}
{% block titre %}Fichier supprimé{% endblock %}
{% block contenu %}<h1>Fichier supprimé</h1>
<p>Le fichier « {{ depot.nom_fichier }} » n'est plus disponible : les fichiers zip refusés ou en échec sont conservés
{{ retention }} jours après leur traitement, puis supprimés.</p>
<p>Son statut et le motif du refus restent affichés avec les fichiers zip de l'import n° {{ depot.import_demandes_id }}.</p>
{% if request.user.fournisseur_id %}<p><a class="fr-link" href="{% url 'piecesjointes:etape' depot.import_demandes_id %}">Retour
aux pièces jointes de l'import</a></p>{% endif %}
{% endblock %}"""


class TelechargerZipView(LoginRequiredMixin, View):
    """A zip as sent: for its owner, and for ASP managers allowed to view zips. Once purged
    (refused or failed, past its retention): a page saying so, status 410 Gone."""

    def get(self, request, pk):
        depot = selectors.zip_visible(request.user, pk)
        if not depot.fichier:
            page = engines["django"].from_string(PAGE_ZIP_PURGE)
            contexte = {"depot": depot, "retention": services.retention_zips_refuses()}
            return HttpResponse(page.render(contexte, request), status=410)
        return reponse_fichier(depot.fichier, depot.nom_fichier, "application/zip")


class TelechargerPieceView(LoginRequiredMixin, View):
    """A received piece: for its owner, and for ASP managers allowed to view pieces."""

    def get(self, request, pk):
        piece = selectors.piece_recue_visible(request.user, pk)
        return reponse_piece(request, piece.fichier, piece.piece_attendue.nom_fichier, piece.type_mime)


def reponse_piece(request, fichier, nom: str, type_mime: str) -> HttpResponse:
    """A supplier's piece, downloaded, or shown in the browser with `?ouvrir=1` (« Ouvrir »)."""
    ouvrir = request.GET.get("ouvrir") == "1"
    reponse = reponse_fichier(fichier, nom, type_mime, en_piece_jointe=not ouvrir)
    if ouvrir:
        # Shown in the browser, a supplier's file runs no script with the portal's rights.
        reponse["Content-Security-Policy"] = "sandbox"
    return reponse


class DeposerComplementsView(EspaceFournisseurMixin, View):
    """« Déposer les compléments » of a demande page: the pieces a manager asked for. Back on the
    demande page either way: its status « En instruction » and a success message, or the refused
    files with their reasons (nothing kept)."""

    def post(self, request, pk):
        demande = demande_du_fournisseur(self.fournisseur, pk)  # another supplier's demande: 404
        retour = redirect(reverse("demande", args=[demande.pk]) + "#complements")
        if getattr(request, "upload_too_large", False):
            refus = services.ComplementsRefuses(
                f"Un fichier dépasse de loin la taille maximale d'une pièce "
                f"({taille_lisible(settings.SEGUR_MAX_PIECE_BYTES)}) : aucun fichier n'a été enregistré."
            )
        else:
            try:
                nombre = services.deposer_complements(
                    utilisateur=request.user, demande=demande, fichiers=request.FILES.getlist("fichiers")
                )
            except services.ComplementsRefuses as erreur:
                refus = erreur
            else:
                messages.success(
                    request,
                    f"{nombre} pièce(s) déposée(s) : la demande {demande.numero_dossier} est de nouveau « En "
                    "instruction » auprès des gestionnaires de l'ASP.",
                )
                return retour
        request.session[CLE_REFUS_COMPLEMENTS] = {"demande": demande.pk, "message": refus.message, "refus": refus.refus}
        return retour


class TelechargerComplementView(LoginRequiredMixin, View):
    """A piece sent in answer to a request for compléments: for its owner, and for ASP managers
    allowed to view them (« Ouvrir » shows it in the browser, sandboxed)."""

    def get(self, request, pk):
        piece = selectors.piece_complementaire_visible(request.user, pk)
        return reponse_piece(request, piece.fichier, piece.nom_fichier, piece.type_mime)
