"""GET /api/v1/demandes and /api/v1/demandes/{numeroASP}: the supplier's list of demandes (the
criteria of its screen « Liste des demandes d'avance et de solde », through the same FilterSet) and a
demande as its page shows it."""

import datetime
from decimal import Decimal

import django_filters
from django.http import HttpRequest
from ninja import Field, Query, Schema
from ninja.pagination import PageNumberPagination, paginate

from demandes.filters import DemandeFilter
from demandes.models import Demande
from demandes.selectors import demande_du_fournisseur_par_numero, demandes_du_fournisseur, historique_des_statuts
from demandes.valeurs import StatutDemande, StatutPaiement, TypeDemande

from .principal import api
from .problemes import Probleme


class DemandeResume(Schema):
    numeroASP: str = Field(..., description="Numéro de dossier, avec sa version (FINMDV000001M0)")
    typeDemande: str = Field(..., description="« avance » ou « solde »")
    numeroEditeur: str
    numeroANS: str
    statut: str = Field(..., description="Code du statut (EN_ATTENTE_PIECES, DEPOSEE, EN_INSTRUCTION, …)")
    libelleStatut: str
    statutPaiement: str | None = Field(None, description="EN_COURS, EFFECTUE, ou null")
    montantHT: Decimal
    dateCommande: datetime.date
    dateDepot: datetime.datetime

    @staticmethod
    def de(demande: Demande) -> dict:
        return {
            "numeroASP": demande.numero_dossier,
            "typeDemande": demande.type_demande.lower(),
            "numeroEditeur": demande.numero_editeur,
            "numeroANS": demande.solution.numero_ans,
            "statut": demande.statut,
            "libelleStatut": StatutDemande(demande.statut).label,
            "statutPaiement": demande.statut_paiement or None,
            "montantHT": demande.montant_ht,
            "dateCommande": demande.date_commande,
            "dateDepot": demande.date_depot,
        }


class Etape(Schema):
    date: datetime.datetime
    statut: str
    statutPaiement: str | None


class PaiementSchema(Schema):
    montant: Decimal
    datePaiement: datetime.date
    statut: str


class DemandeDetail(DemandeResume):
    motifRejet: str | None = Field(None, description="Motif du rejet, pour une demande rejetée")
    historique: list[Etape]
    paiements: list[PaiementSchema]


class Criteres(Schema):
    statut: StatutDemande | None = Field(None, description="Code du statut")
    type_demande: TypeDemande | None = Field(None, description="AVANCE ou SOLDE")
    numero_ans: str | None = Field(None, description="Numéro ANS de la solution")
    depose_apres: datetime.date | None = Field(None, description="Déposée le ou après (AAAA-MM-JJ)")
    depose_avant: datetime.date | None = Field(None, description="Déposée le ou avant (AAAA-MM-JJ)")


class CriteresAPI(DemandeFilter):
    """The screen's criteria, plus the numéro ANS (a supplier's software knows its solutions)."""

    numero_ans = django_filters.CharFilter(field_name="solution__numero_ans")


@api.get("/demandes", response=list[DemandeResume], tags=["Demandes"], summary="Liste des demandes")
@paginate(PageNumberPagination, page_size=100)
def liste_des_demandes(request: HttpRequest, criteres: Query[Criteres]):
    """Les demandes du fournisseur du jeton, de la plus récente à la plus ancienne, 100 par page
    (`page`), filtrées comme sur l'écran « Liste des demandes d'avance et de solde »."""
    fournisseur = request.user.fournisseur
    donnees = {cle: str(valeur) for cle, valeur in criteres.dict().items() if valeur is not None}
    filtre = CriteresAPI(donnees, queryset=demandes_du_fournisseur(fournisseur), fournisseur=fournisseur)
    if not filtre.is_valid():
        erreurs = [{"champ": champ, "message": " ".join(messages)} for champ, messages in filtre.errors.items()]
        raise Probleme(422, "Un critère de recherche est invalide.", erreurs=erreurs)
    return [DemandeResume.de(demande) for demande in filtre.qs.order_by("-date_depot", "-numero")]


@api.get("/demandes/{numeroASP}", response=DemandeDetail, tags=["Demandes"], summary="Une demande")
def une_demande(request: HttpRequest, numeroASP: str):
    """Une demande du fournisseur du jeton : statut, historique des statuts, motif du rejet,
    paiements. 404 pour un numéro inconnu ou d'un autre fournisseur."""
    demande = demande_du_fournisseur_par_numero(request.user.fournisseur, numeroASP)
    return {
        **DemandeResume.de(demande),
        "motifRejet": demande.motif_rejet or None,
        "historique": [
            {"date": etape["date"], "statut": etape["statut"], "statutPaiement": etape["paiement"] or None}
            for etape in historique_des_statuts(demande)
        ],
        "paiements": [
            {"montant": p.montant, "datePaiement": p.date_paiement, "statut": StatutPaiement(p.statut).label}
            for p in demande.paiements.all()
        ],
    }
