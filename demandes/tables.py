"""The tables of demandes, each declared once: the supplier's « Liste des demandes » (HTML table
and CSV) and the managers' changelist (its computed columns, and its CSV export)."""

from dataclasses import replace

from django.urls import reverse

from segur_portal import formats
from segur_portal.colonnes import Colonne, Colonnes, TableDeColonnes, libelles

from . import numero_dossier
from .templatetags.statuts import badge_de_paiement, badge_de_statut
from .valeurs import StatutDemande, StatutPaiement, TypeDemande

libelle_type = libelles(TypeDemande.choices)

NUMERO = Colonne(
    "numero",
    "Numéro de dossier",
    champs=("numero", "version"),
    lire=lambda ligne: numero_dossier.formater(ligne["numero"], ligne["version"]),
    lien=lambda ligne: reverse("demande", args=[ligne["pk"]]),
)
TYPE = Colonne("type_demande", "Type", texte=libelle_type, html=lambda code: libelle_type(code).upper())
LOGICIEL = Colonne("logiciel", "Logiciel", champs=("solution__logiciel__code",))
VAGUE = Colonne("vague", "Vague", champs=("solution__vague",))
DATE_DEPOT = Colonne("date_depot", "Date dépôt", texte=formats.date_locale)
# Statuses: their label in the CSV, their badge (the colour of demandes.valeurs) in the HTML table.
STATUT = Colonne("statut", "Statut", texte=libelles(StatutDemande.choices), html=badge_de_statut)
STATUT_PAIEMENT = Colonne(
    "statut_paiement",
    "Statut du dernier paiement",
    texte=libelles(StatutPaiement.choices),
    html=badge_de_paiement,
)
# « 10 750,00 € » on a page; a number a spreadsheet reads (« 10750,50 ») in the CSV.
MONTANT = Colonne("montant_ht", "Montant Ségur HT", texte=formats.montant, csv=formats.montant_tableur)

COLONNES = Colonnes(
    NUMERO,
    TYPE,
    Colonne("numero_editeur", "Numéro Editeur"),
    LOGICIEL,
    VAGUE,
    DATE_DEPOT,
    Colonne("date_commande", "Date de la commande", texte=formats.date_jour),
    STATUT,
    STATUT_PAIEMENT,
    replace(MONTANT, au_tableau=False),
)


class DemandeTable(TableDeColonnes):
    colonnes = COLONNES
    legende = "Liste des demandes d'avance et de solde :"

    class Meta:
        empty_text = "Aucune demande ne correspond à ces critères."
        order_by = ("-date_depot", "-numero")  # a tie-breaker: the page and its CSV in one order
        attrs = {"id": "liste-demandes"}


# The managers' changelist: its list_display and its CSV export. A column that is a model field
# (type, fournisseur, montant, date, statuts) is shown by the admin itself, with the field's
# verbose name and the admin's formats; the label and formats here are then the CSV's.
COLONNES_GESTION = Colonnes(
    replace(NUMERO, nom="numero_dossier", lien=None),
    TYPE,
    Colonne("fournisseur", "Fournisseur", au_csv=False),
    Colonne("siret", "SIRET", champs=("fournisseur__siret",), au_tableau=False),
    Colonne("denomination", "Dénomination", champs=("fournisseur__denomination",), au_tableau=False),
    Colonne("couloir", "Couloir", champs=("solution__couloir__code",)),
    LOGICIEL,
    VAGUE,
    replace(MONTANT, libelle="Montant HT"),
    replace(DATE_DEPOT, libelle="Date de dépôt"),
    STATUT,
    STATUT_PAIEMENT,
)
