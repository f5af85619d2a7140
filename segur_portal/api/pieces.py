"""The step « 2 - Pièces jointes » of an import over HTTP: send a zip of attachments (POST
/api/v1/imports/{id}/zips), follow its processing and read each file's verdict (GET /api/v1/zips/{id}),
list the pieces still missing (GET /api/v1/imports/{id}/pieces-manquantes), « Terminer » (POST
/api/v1/imports/{id}/terminer). The screen's form, selectors and services, hence its checks, quota,
Celery processing, messages and results."""

from typing import Annotated

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from ninja import Field, File, Query, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import PageNumberPagination, paginate

from demandes.models import PieceAttendue
from imports.selectors import import_du_fournisseur
from piecesjointes import selectors, services
from piecesjointes.forms import ZipForm

from .principal import api
from .problemes import Probleme

ETIQUETTE = "Pièces jointes"
# The entries' verdicts of a zip (up to SEGUR_MAX_ENTREES_ZIP) are answered by pages of this size.
ENTREES_PAR_PAGE = 1000
PIECES_PAR_PAGE = 1000
MESSAGE_MULTIPART = "Envoyez le fichier zip en multipart/form-data, dans le champ « fichier »."


class ZipRecu(Schema):
    id: int = Field(..., description="Identifiant du fichier zip")
    statut: str = Field(..., description="Code du statut du traitement (EN_ATTENTE au dépôt)")
    libelle: str = Field(..., description="Libellé du statut")
    message: str = Field(..., description="Le message de l'écran après l'envoi")
    url: str = Field(..., description="L'adresse de l'état du traitement (GET)")


class EntreeSchema(Schema):
    rang: int = Field(..., description="Rang du fichier dans l'archive, à partir de 1")
    nom: str
    acceptee: bool
    motif: str = Field(..., description="Motif du refus ; vide pour un fichier accepté")


class EtatZip(Schema):
    id: int
    import_id: int
    nom_fichier: str
    statut: str = Field(..., description="EN_ATTENTE, EN_COURS, TRAITE, REFUSE ou EN_ECHEC")
    libelle: str
    termine: bool = Field(..., description="Vrai quand plus rien ne se passera sans vous (traité, refusé, en échec)")
    nb_entrees: int
    nb_traitees: int
    nb_acceptees: int
    nb_refusees: int
    message: str = Field(..., description="Motif du refus de l'archive entière, ou de l'échec du traitement")
    entrees: list[EntreeSchema] = Field(
        ..., description=f"Le verdict de chaque fichier, une fois le traitement terminé ; {ENTREES_PAR_PAGE} par page"
    )
    page: int
    nb_pages: int
    page_suivante: str | None = Field(None, description="L'adresse de la page suivante des fichiers, s'il y en a une")


class PieceManquante(Schema):
    nomFichier: str
    formatFichier: str
    typeFichier: str
    numeroASP: str = Field(..., description="Numéro de dossier de la demande qui attend la pièce")
    numeroEditeur: str

    @staticmethod
    def resolve_nomFichier(piece: PieceAttendue) -> str:
        return piece.nom_fichier

    @staticmethod
    def resolve_formatFichier(piece: PieceAttendue) -> str:
        return piece.format_fichier

    @staticmethod
    def resolve_typeFichier(piece: PieceAttendue) -> str:
        return piece.type_fichier

    @staticmethod
    def resolve_numeroASP(piece: PieceAttendue) -> str:
        return piece.demande.numero_dossier

    @staticmethod
    def resolve_numeroEditeur(piece: PieceAttendue) -> str:
        return piece.demande.numero_editeur


class Termine(Schema):
    demandes_deposees: int = Field(..., description="Nombre de demandes passées « Déposée »")
    message: str


def _refus(exc: services.DepotImpossible) -> Probleme:
    # Every DepotImpossible is the state of the import or of the supplier's storage, not the request.
    return Probleme(409, str(exc))


@api.post(
    "/imports/{id}/zips",
    response={202: ZipRecu},
    tags=[ETIQUETTE],
    url_name="deposer_zip",
    summary="Déposer un fichier zip de pièces jointes",
)
def deposer_zip(request: HttpRequest, response: HttpResponse, id: int, fichier: File[UploadedFile | None] = None):
    """Envoi multipart, champ `fichier` : une archive zip des pièces annoncées par les demandes
    retenues de l'import (mêmes contrôles, même quota et même traitement que l'écran « 2 - Pièces
    jointes »). Réponse 202 : le traitement se suit à l'adresse `url` (aussi dans l'en-tête
    Location). Refus : 415 pour un corps qui n'est pas multipart/form-data, 413 au-delà de la taille
    maximale d'un zip, 422 sans fichier ou pour un fichier vide, 409 quand l'import n'est pas à
    l'étape des pièces jointes ou que l'espace de stockage est plein."""
    import_demandes = import_du_fournisseur(request.user.fournisseur, id)
    if request.content_type != "multipart/form-data":
        raise Probleme(415, MESSAGE_MULTIPART)
    if getattr(request, "upload_too_large", False):
        raise Probleme(413, services.message_zip_trop_volumineux())
    form = ZipForm(request.POST, request.FILES)
    if not form.is_valid():
        erreurs = [{"champ": champ, "message": " ".join(messages)} for champ, messages in form.errors.items()]
        raise Probleme(422, " ".join(form.errors.get("fichier", ["Fichier invalide."])), erreurs=erreurs)
    try:
        depot = services.deposer_zip(
            utilisateur=request.user, import_demandes=import_demandes, fichier=form.cleaned_data["fichier"]
        )
    except services.DepotImpossible as refus:
        raise _refus(refus) from refus
    url = reverse("api:etat_zip", kwargs={"id": depot.pk})
    response["Location"] = url
    return Status(
        202,
        {
            "id": depot.pk,
            "statut": depot.statut,
            "libelle": depot.get_statut_display(),
            "message": services.message_du_depot(depot),
            "url": url,
        },
    )


@api.get("/zips/{id}", response=EtatZip, tags=[ETIQUETTE], url_name="etat_zip", summary="État d'un fichier zip")
def etat_zip(
    request: HttpRequest,
    id: int,
    page: Annotated[int, Query(1, ge=1, description=f"Page des fichiers ({ENTREES_PAR_PAGE} par page)")] = 1,
):
    """La progression du traitement (fichiers traités / total) et, une fois le traitement terminé,
    le verdict de chaque fichier de l'archive (le « Détail des fichiers » de l'écran), par pages de
    1000 dans l'ordre de l'archive (`page`, `page_suivante`)."""
    depot = selectors.zip_du_fournisseur(request.user.fournisseur, id)
    pages = Paginator(selectors.entrees_du_zip(depot), ENTREES_PAR_PAGE)
    entrees = pages.page(page).object_list if page <= pages.num_pages else []
    suivante = None
    if page < pages.num_pages:
        suivante = f"{reverse('api:etat_zip', kwargs={'id': depot.pk})}?page={page + 1}"
    return {
        "id": depot.pk,
        "import_id": depot.import_demandes_id,
        "nom_fichier": depot.nom_fichier,
        **selectors.etat_du_zip(depot),
        "entrees": [
            {"rang": entree.rang, "nom": entree.nom, "acceptee": entree.acceptee, "motif": entree.motif}
            for entree in entrees
        ],
        "page": page,
        "nb_pages": pages.num_pages if pages.count else 0,
        "page_suivante": suivante,
    }


@api.get(
    "/imports/{id}/pieces-manquantes",
    response=list[PieceManquante],
    tags=[ETIQUETTE],
    url_name="pieces_manquantes",
    summary="Pièces jointes manquantes",
)
@paginate(PageNumberPagination, page_size=PIECES_PAR_PAGE)
def pieces_manquantes(request: HttpRequest, id: int):
    """Les pièces annoncées par les demandes retenues de l'import qu'aucun zip n'a encore apportées
    (celles que l'écran demande), 1000 par page (`page`), dans l'ordre des lignes du fichier. Vide
    une fois l'import terminé ; 409 avant l'import réel."""
    import_demandes = import_du_fournisseur(request.user.fournisseur, id)
    if not import_demandes.importe:
        raise Probleme(409, services.MESSAGE_PAS_ENCORE_IMPORTE)
    return selectors.pieces_manquantes_de_l_etape(import_demandes)


@api.post(
    "/imports/{id}/terminer",
    response=Termine,
    tags=[ETIQUETTE],
    url_name="terminer",
    summary="Terminer l'import : transmettre les demandes à l'ASP",
)
def terminer(request: HttpRequest, id: int):
    """« Terminer » : les demandes de l'import passent « Déposée » et arrivent chez les
    gestionnaires de l'ASP. 409 tant qu'une pièce manque ou qu'un zip est en cours de traitement,
    ou quand l'import est déjà terminé (ou pas encore importé)."""
    import_demandes = import_du_fournisseur(request.user.fournisseur, id)
    try:
        nombre = services.terminer(utilisateur=request.user, import_demandes=import_demandes)
    except services.DepotImpossible as refus:
        raise _refus(refus) from refus
    return {"demandes_deposees": nombre, "message": services.message_termine(nombre)}
