"""POST /api/v1/simulations, GET /api/v1/imports/{id}, its output file and POST …/import: the screen
« Importer les demandes » over HTTP — the same form (SimulationForm), the same services (simulation,
real import), the same selectors and messages, so that a file gives the same result on both."""

import datetime

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from ninja import Field, Schema
from pydantic import BaseModel

from demandes.selectors import solutions_du_fournisseur
from imports import documentation, selectors, services
from imports.forms import SimulationForm
from imports.models import Import
from imports.views import telecharger_la_sortie

from .principal import api
from .problemes import Probleme

TAG = "Imports"

# The screen's outcomes of a simulation, as codes a program tests.
OK, ERREUR_FORMAT, ERREUR_FICHIER, ERREUR_LIGNES = "OK", "ERREUR_FORMAT", "ERREUR_FICHIER", "ERREUR_LIGNES"


# The lists of lines and errors (10 000 lines and more) are plain pydantic models: ninja's Schema reads
# each nested object through its Django-aware getter, some ten times slower, and these are dicts.
class ErreurDeLigne(BaseModel):
    numLigne: str = Field(..., description="numLigne de la demande, tel qu'écrit dans le fichier (vide si absent)")
    numeroEditeur: str = Field(..., description="numeroEditeur de la demande, tel qu'écrit dans le fichier")
    code: str = Field(..., description="Code de la règle (E101 … E502), documenté sur la page « Documentation »")
    champ: str = Field(..., description="Champ de la demande en cause (ex. beneficiaires.structure.FINESSGeo[1])")
    message: str


class ErreurSansLigne(BaseModel):
    code: str
    champ: str
    message: str


class LigneImportee(BaseModel):
    rang: int = Field(..., description="Position de la demande dans lignesImport (à partir de 1)")
    numLigne: int | str | None
    numeroEditeur: str | None
    codeTraitement: str = Field(..., description="OK pour une demande retenue, sinon le code de sa première erreur")
    libelleTraitement: str = Field(..., description="Comme dans le fichier de sortie (« Demande créée : FIN… »)")
    numeroASP: str | None = Field(..., description="Numéro de dossier de la demande retenue ; null si rejetée")
    erreurs: list[ErreurSansLigne]


class ImportAPI(Schema):
    id: int = Field(..., description="Identifiant de l'import (impId du fichier de sortie)")
    nomFichier: str
    typeDemande: str = Field(..., description="« avance » ou « solde »")
    numeroANS: str
    tauxTVA: str = Field(..., description="« 20 », « 8.5 » ou « 0 »")
    resultat: str = Field(
        ...,
        description=(
            "Résultat de la simulation : OK (toutes les demandes sont valides), ERREUR_FORMAT (le fichier ne "
            "respecte pas le format : JSON, encodage, schéma), ERREUR_FICHIER (fichier rejeté pour son contenu : "
            "numéro ANS, SIRET, régime de TVA, période de dépôt), ERREUR_LIGNES (des demandes sont en erreur)"
        ),
    )
    message: str = Field(..., description="Le message de l'écran « Importer les demandes »")
    details: list[str] = Field(..., description="Les précisions que l'écran liste sous le message d'un fichier rejeté")
    format: list[str] = Field(
        ..., description="ERREUR_FORMAT : les endroits du fichier qui ne respectent pas le format"
    )
    nbDemandes: int
    nbValides: int
    nbEnErreur: int
    etat: str = Field(..., description="SIMULE, IMPORTE ou TERMINE")
    libelleEtat: str
    importable: bool = Field(..., description="Vrai quand « Importer » (POST …/import) est possible")
    dateSimulation: datetime.datetime
    dateImport: datetime.datetime | None
    nbRetenues: int | None = Field(..., description="Après l'import réel : demandes retenues")
    nbRejetees: int | None = Field(..., description="Après l'import réel : demandes rejetées")
    sortie: str | None = Field(..., description="Adresse du fichier de sortie (null pour un fichier rejeté)")
    erreurs: list[ErreurDeLigne] = Field(..., description="Une par anomalie, dans l'ordre du fichier")
    lignes: list[LigneImportee] = Field(
        ..., description="Après l'import réel : chaque demande, son numéro de dossier (numeroASP) ou ses erreurs"
    )


class ImportReel(ImportAPI):
    messageImport: str = Field(..., description="Le message du portail après l'import réel")


def _resultat(import_demandes: Import) -> str:
    """The screen's outcome: the lines' result, or a rejected file — for its format (the screen then
    points to the documentation) or for its content."""
    if import_demandes.resultat == Import.Resultat.SIMULATION_OK:
        return OK
    if import_demandes.resultat == Import.Resultat.ERREURS:
        return ERREUR_LIGNES
    return ERREUR_FORMAT if import_demandes.rejet_de_format else ERREUR_FICHIER


def _fiche(import_demandes: Import) -> dict:
    resultat = _resultat(import_demandes)
    importe = import_demandes.importe
    return {
        "id": import_demandes.pk,
        "nomFichier": import_demandes.nom_fichier,
        "typeDemande": import_demandes.type_demande.lower(),
        "numeroANS": import_demandes.numero_ans,
        "tauxTVA": import_demandes.taux_tva,
        "resultat": resultat,
        "message": import_demandes.message_de_la_simulation,
        "details": list(import_demandes.details),
        "format": list(import_demandes.details) if resultat == ERREUR_FORMAT else [],
        "nbDemandes": import_demandes.nb_lignes,
        "nbValides": import_demandes.nb_valides,
        "nbEnErreur": import_demandes.nb_invalides,
        "etat": import_demandes.etat,
        "libelleEtat": Import.Etat(import_demandes.etat).label,
        "importable": import_demandes.importable,
        "dateSimulation": import_demandes.date_creation,
        "dateImport": import_demandes.date_import,
        "nbRetenues": import_demandes.nb_retenues if importe else None,
        "nbRejetees": import_demandes.nb_rejetees if importe else None,
        "sortie": (
            reverse("api:sortie_de_l_import", kwargs={"id": import_demandes.pk})
            if import_demandes.fichier_sortie
            else None
        ),
        "erreurs": [
            {
                "numLigne": erreur["num_ligne"],
                "numeroEditeur": erreur["numero_editeur"],
                "code": erreur["code"],
                "champ": erreur["champ"],
                "message": erreur["message"],
            }
            for erreur in selectors.erreurs_de_l_import(import_demandes).values(
                "num_ligne", "numero_editeur", "code", "champ", "message"
            )
        ],
        "lignes": [
            {
                "rang": ligne["rang"],
                "numLigne": ligne["num_ligne"],
                "numeroEditeur": ligne["numero_editeur"],
                "codeTraitement": ligne["code_traitement"],
                "libelleTraitement": ligne["libelle_traitement"],
                "numeroASP": ligne["numero_asp"],
                "erreurs": ligne["erreurs"],
            }
            for ligne in selectors.lignes_de_l_import(import_demandes)
        ],
    }


_CORPS_SIMULATION = {
    "required": True,
    "content": {
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "required": ["fichier", "type_demande", "numero_ans", "taux_tva"],
                "properties": {
                    "fichier": {"type": "string", "format": "binary", "description": "Le fichier JSON des demandes"},
                    "type_demande": {"type": "string", "enum": ["avance", "solde"]},
                    "numero_ans": {"type": "string", "description": "Numéro ANS d'une solution de votre structure"},
                    "taux_tva": {"type": "string", "enum": ["20", "8.5", "0"]},
                },
            }
        }
    },
}


@api.post(
    "/simulations",
    response={201: ImportAPI},
    tags=[TAG],
    summary="Simuler un fichier",
    openapi_extra={"requestBody": _CORPS_SIMULATION},
)
def simuler(request: HttpRequest):
    """La simulation de l'écran « Importer les demandes » : contrôle du format, du fichier puis de
    chaque demande, fichier de sortie annoté. Un fichier illisible ou rejeté est un résultat de
    simulation (201), comme à l'écran ; un champ refusé du formulaire est un 422, un fichier trop
    volumineux un 413, une requête qui n'est pas multipart/form-data un 415."""
    if request.content_type != "multipart/form-data":
        raise Probleme(
            415, "Envoyez la simulation en multipart/form-data : fichier, type_demande, numero_ans, taux_tva."
        )
    # Reading the body runs the upload handler, which marks a file over the limit (and drops it).
    fichiers, donnees = request.FILES, request.POST.copy()
    if getattr(request, "upload_too_large", False):
        raise Probleme(413, documentation.message_fichier_trop_gros())
    # The API's values are lower case (« avance »), the form's are the screen's (« AVANCE »).
    donnees["type_demande"] = donnees.get("type_demande", "").upper()
    form = SimulationForm(donnees, fichiers, solutions=solutions_du_fournisseur(request.user.fournisseur))
    if not form.is_valid():
        erreurs = [
            {"champ": champ, "message": message} for champ, messages in form.errors.items() for message in messages
        ]
        raise Probleme(422, "La simulation n'a pas été lancée.", erreurs=erreurs)
    import_demandes = services.simuler_import(
        utilisateur=request.user,
        fichier=form.cleaned_data["fichier"],
        type_demande=form.cleaned_data["type_demande"],
        numero_ans=form.cleaned_data["numero_ans"],
        taux_tva=form.cleaned_data["taux_tva"],
    )
    return _fiche(import_demandes)


@api.get("/imports/{id}", response=ImportAPI, tags=[TAG], summary="Un import")
def un_import(request: HttpRequest, id: int):
    """Un import du fournisseur du jeton : résultat de sa simulation, état, nombres, dates, erreurs
    et, une fois importé, chaque demande avec son numéro de dossier. 404 pour l'import d'un autre."""
    return _fiche(selectors.import_du_fournisseur(request.user.fournisseur, id))


@api.get(
    "/imports/{id}/sortie",
    tags=[TAG],
    summary="Le fichier de sortie",
    url_name="sortie_de_l_import",
    openapi_extra={
        "responses": {
            # An int, as ninja's own key: a "200" string beside it would be a duplicated key in
            # the JSON document (Swagger UI then refuses the whole document).
            200: {
                "description": "Le fichier de sortie, en pièce jointe (nom : <fichier>_sortie.json)",
                "content": {"application/json": {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    },
)
def sortie_de_l_import(request: HttpRequest, id: int) -> HttpResponse:
    """Le fichier de sortie (codeTraitement, libelleTraitement et, après l'import réel, numeroASP de
    chaque demande), identique à celui que l'écran fait télécharger."""
    return telecharger_la_sortie(selectors.import_du_fournisseur(request.user.fournisseur, id))


@api.post("/imports/{id}/import", response=ImportReel, tags=[TAG], summary="Importer")
def importer(request: HttpRequest, id: int):
    """L'import réel du fichier simulé avec succès (le bouton « Importer ») : chaque demande retenue
    reçoit son numéro de dossier. 409 quand l'import est déjà fait ou que la simulation n'a pas
    réussi."""
    import_demandes = selectors.import_du_fournisseur(request.user.fournisseur, id)
    try:
        import_demandes = services.importer_pour_de_vrai(
            utilisateur=request.user, import_id=import_demandes.pk, refuser_si_deja_importe=True
        )
    except services.ImportImpossible as refus:
        raise Probleme(409, str(refus)) from refus
    # Written as it is, without ninja's validation and dump of the schema: for a 10 000-line file
    # that round trip cost a tenth of a second of the API's overhead (issue 14: ≤ 10 %). Its shape is
    # the declared ImportReel all the same (tests validate the answer against it).
    return api.create_response(
        request, {**_fiche(import_demandes), "messageImport": import_demandes.message_de_l_import}, status=200
    )
