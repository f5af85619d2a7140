"""« Liste des imports »: its columns, read by the HTML table and by the CSV export."""

from django.urls import reverse
from django.utils.html import format_html

from demandes.valeurs import TypeDemande
from segur_portal import formats
from segur_portal.colonnes import Colonne, Colonnes, TableDeColonnes, libelles

from .models import Import

LIBELLE_RESULTAT, LIBELLE_ETAT = libelles(Import.Resultat.choices), libelles(Import.Etat.choices)


def libelle_etat(ligne) -> str:
    """« État »: why the simulation failed, else where the import stands."""
    if ligne["resultat"] != Import.Resultat.SIMULATION_OK:
        return LIBELLE_RESULTAT(ligne["resultat"])
    return LIBELLE_ETAT(ligne["etat"])


def si_importe(champ: str):
    """A count of the real import: none before it (« — » on the page, an empty cell in the CSV)."""
    return lambda ligne: ligne[champ] if ligne["etat"] in Import.ETATS_IMPORTES else None


def liens_des_fichiers(valeur) -> str:
    """« JSON · Sortie »: the links to the file imported and to its output file, kept on one line
    (no break inside: joined by no-break spaces, without an icon that would wrap on its own)."""
    pk, avec_sortie = valeur
    liens = format_html(
        '<a class="fr-link fr-link--sm" href="{}" title="Télécharger le fichier JSON importé">JSON</a>',
        reverse("imports:fichier", args=[pk]),
    )
    if avec_sortie:
        liens += format_html(
            '\u00a0·\u00a0<a class="fr-link fr-link--sm" href="{}" title="Télécharger le fichier de sortie">Sortie</a>',
            reverse("imports:sortie", args=[pk]),
        )
    return liens


def auteur(ligne) -> str | None:
    """« Importé par »: the account's full name, else its identifiant (None: account deleted)."""
    nom = f"{ligne['utilisateur__first_name'] or ''} {ligne['utilisateur__last_name'] or ''}".strip()
    return nom or ligne["utilisateur__username"]


COLONNES = Colonnes(
    Colonne("id", "Identifiant", lien=lambda ligne: reverse("imports:ecran", args=[ligne["id"]])),
    Colonne("date_creation", "Date d'importation", texte=formats.date_locale),
    Colonne("numero_ans", "Numéro ANS"),
    Colonne("type_demande", "Type de demande", texte=libelles(TypeDemande.choices)),
    Colonne("nom_fichier", "Nom du fichier"),
    Colonne("nb_lignes", "Nbre de demande"),
    Colonne("nb_retenues", "Nbre de demandes retenues", champs=("nb_retenues", "etat"), lire=si_importe("nb_retenues")),
    Colonne("nb_rejetees", "Nbre de demandes rejetées", champs=("nb_rejetees", "etat"), lire=si_importe("nb_rejetees")),
    Colonne(
        "fichier",
        "Fichier JSON",
        champs=("id", "fichier_sortie"),
        lire=lambda ligne: (ligne["id"], bool(ligne["fichier_sortie"])),
        html=liens_des_fichiers,
        triable=False,
        au_csv=False,
    ),
    Colonne("etat", "État", champs=("etat", "resultat"), lire=libelle_etat),
    Colonne(
        "importe_par",
        "Importé par",
        champs=("utilisateur__last_name", "utilisateur__first_name", "utilisateur__username"),
        lire=auteur,
    ),
)


class ImportTable(TableDeColonnes):
    colonnes = COLONNES
    legende = "Liste des imports :"

    class Meta:
        empty_text = "Aucun import ne correspond à ces critères."
        order_by = "-id"
        attrs = {"id": "liste-imports"}
