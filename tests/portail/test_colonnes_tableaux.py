"""One declaration of columns per table (issue 11): segur_portal/colonnes.py makes the HTML table
(django-tables2) and the CSV export from it, and the cells of the admin's computed columns.

The pages and the CSV themselves are checked by test_suivi.py, test_filtres_csv.py and
test_gestion.py; here, the mechanism, and that each table's HTML headers and CSV headers come
from its one declaration."""

import csv
import datetime
import io
from decimal import Decimal
from types import SimpleNamespace

import pytest

from segur_portal.colonnes import TIRET, Colonne, Colonnes, Ligne, TableDeColonnes, libelles
from tests.pages import contenu_telecharge


def lire(reponse) -> list[list[str]]:
    octets = contenu_telecharge(reponse)
    assert octets.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(octets.decode("utf-8")[1:]), delimiter=";"))


# --- the mechanism, on plain objects ---------------------------------------------------------------


def test_ligne_suit_les_relations_comme_values():
    objet = SimpleNamespace(solution=SimpleNamespace(logiciel=SimpleNamespace(code="LGC")), avance=None)
    ligne = Ligne(objet)
    assert ligne["solution__logiciel__code"] == "LGC"
    assert ligne["avance__numero"] is None


COULEURS = [("R", "Rouge"), ("V", "Vert")]
COLONNES = Colonnes(
    Colonne("code", "Code", lien=lambda ligne: f"/objets/{ligne['code']}/"),
    Colonne("couleur", "Couleur", texte=libelles(COULEURS), html=lambda code: libelles(COULEURS)(code).upper()),
    Colonne("prix", "Prix", texte=lambda v: str(v).replace(".", ",")),
    Colonne("total", "Total", champs=("prix", "nombre"), lire=lambda l: l["prix"] * l["nombre"], au_tableau=False),
    Colonne("actions", "Actions", champs=("code",), lire=lambda l: f"<{l['code']}>", triable=False, au_csv=False),
    Colonne("remarque", "Remarque"),
)


def test_une_declaration_deux_sorties():
    assert COLONNES.noms() == ["code", "couleur", "prix", "actions", "remarque"]
    assert COLONNES.entetes_csv() == ["Code", "Couleur", "Prix", "Total", "Remarque"]
    # each lookup read once by the CSV's query
    assert COLONNES.champs_csv() == ["code", "couleur", "prix", "nombre", "remarque"]

    class Table(TableDeColonnes):
        colonnes = COLONNES

    table = Table([SimpleNamespace(code="a1", couleur="R", prix=Decimal("2.50"), nombre=2, remarque="")])
    assert [colonne.header for colonne in table.columns] == ["Code", "Couleur", "Prix", "Actions", "Remarque"]
    assert [colonne.orderable for colonne in table.columns] == [True, True, True, False, True]
    (rangee,) = table.rows
    assert rangee.get_cell("code") == '<a href="/objets/a1/">a1</a>'
    assert [rangee.get_cell(nom) for nom in ("couleur", "prix", "actions", "remarque")] == [
        "ROUGE",
        "2,50",
        "<a1>",  # a text: the template escapes it
        TIRET,
    ]
    # The Table's values are the CSV's cells (what a TableExport would write).
    assert rangee.get_cell_value("couleur") == "Rouge"
    assert rangee.get_cell_value("remarque") == ""

    reponse = COLONNES.reponse_csv(
        "objets.csv",
        iter(
            [
                {"code": "a1", "couleur": "R", "prix": Decimal("2.50"), "nombre": 2, "remarque": None},
                {"code": "=1+1", "couleur": "X", "prix": Decimal("-1.00"), "nombre": 3, "remarque": "ok"},
            ]
        ),
    )
    assert reponse.streaming and 'filename="objets.csv"' in reponse["Content-Disposition"]
    assert lire(reponse) == [
        ["Code", "Couleur", "Prix", "Total", "Remarque"],
        ["a1", "Rouge", "2,50", "5.00", ""],
        ["'=1+1", "X", "-1,00", "-3.00", "ok"],  # formula neutralised, unknown code shown as is
    ]


def test_affichage_admin():
    afficher = COLONNES["couleur"].affichage_admin()
    assert afficher.__name__ == "couleur"
    assert afficher.short_description == "Couleur"
    assert afficher.admin_order_field == "couleur"
    assert afficher(None, SimpleNamespace(couleur="V")) == "Vert"
    assert afficher(None, SimpleNamespace(couleur="")) is None  # the admin shows its own « - »
    assert not hasattr(COLONNES["actions"].affichage_admin(), "admin_order_field")


def test_deux_colonnes_du_meme_nom_refusees():
    with pytest.raises(ValueError):
        Colonnes(Colonne("a", "A"), Colonne("a", "B"))


# --- the portal's three tables -----------------------------------------------------------------------


def test_liste_des_imports_une_declaration():
    from imports.tables import COLONNES, ImportTable

    assert [c.header for c in ImportTable([]).columns] == [c.libelle for c in COLONNES if c.au_tableau]
    assert COLONNES.entetes_csv() == [c.libelle for c in COLONNES if c.au_csv]
    assert "fichier" not in [c.nom for c in COLONNES.du_csv()]


@pytest.mark.django_db
def test_importe_une_seule_definition(demo):
    from demandes.models import Fournisseur
    from imports.models import Import
    from imports.tables import COLONNES

    fournisseur = Fournisseur.objects.get(siret="77625125800013")
    for etat in Import.Etat.values:
        Import.objects.create(
            fournisseur=fournisseur,
            numero_ans="mlp525off1",
            type_demande="AVANCE",
            taux_tva="20",
            nom_fichier=f"{etat}.json",
            fichier="x.json",
            sha256="0" * 64,
            resultat=Import.Resultat.SIMULATION_OK,
            etat=etat,
            nb_retenues=7,
        )
    importes = set(Import.objects.filter(etat__in=Import.ETATS_IMPORTES).values_list("etat", flat=True))
    assert importes == {"IMPORTE", "TERMINE"}
    for import_demandes in Import.objects.all():
        assert import_demandes.importe is (import_demandes.etat in importes)
        retenues = COLONNES["nb_retenues"].valeur(Ligne(import_demandes))
        assert retenues == (7 if import_demandes.importe else None)


def test_liste_des_demandes_une_declaration():
    from demandes.tables import COLONNES, DemandeTable

    assert [c.header for c in DemandeTable([]).columns] == [c.libelle for c in COLONNES if c.au_tableau]
    assert COLONNES.entetes_csv()[-1] == "Montant Ségur HT"  # in the CSV only


def test_liste_des_gestionnaires_une_declaration():
    from demandes.admin import BADGES, DemandeAdmin
    from demandes.tables import COLONNES_GESTION

    # The list shows the columns a manager works with (tests/gestion/test_liste_admin.py), the
    # statuses as their badges (demandes.admin.BADGES); the CSV export keeps COLONNES_GESTION's.
    assert set(BADGES.values()) <= set(DemandeAdmin.list_display)
    assert DemandeAdmin.list_display[0] == "numero_dossier"
    for nom, badge in BADGES.items():
        assert getattr(DemandeAdmin, badge).admin_order_field == nom
    for nom in ("numero_dossier", "couloir", "logiciel", "vague"):
        assert getattr(DemandeAdmin, nom).short_description == COLONNES_GESTION[nom].libelle


@pytest.mark.django_db
def test_cellules_html_et_csv_d_une_meme_demande(demo):
    """The same demande read from its model instance (HTML table, admin) and from values() (CSV)
    gives the same value in every column."""
    from demandes.models import Demande, Solution
    from demandes.tables import COLONNES, COLONNES_GESTION

    solution = Solution.objects.get(numero_ans="mlp525off1")
    Demande.objects.create(
        numero="FINMDV000042",
        version=3,
        type_demande="SOLDE",
        fournisseur_id=solution.fournisseur_id,
        solution=solution,
        numero_editeur="E42",
        date_commande=datetime.date(2021, 11, 24),
        regime_tva="TTC",
        montant_ht=Decimal("10750.50"),
    )
    objet = Demande.objects.select_related("fournisseur", "solution__couloir", "solution__logiciel").get()
    for colonnes in (COLONNES, COLONNES_GESTION):
        (valeurs,) = Demande.objects.values(*colonnes.champs_csv())
        for colonne in colonnes.du_csv():
            assert colonne.valeur(Ligne(objet)) == colonne.valeur(valeurs), colonne.nom
    assert COLONNES["numero"].valeur(valeurs) == "FINMDV000042M3"


def test_filtres_de_colonne_nommes_comme_leur_colonne():
    from imports.filters import COLONNES_FILTREES, ImportFilter
    from imports.tables import COLONNES

    for colonne, filtre in COLONNES_FILTREES.items():
        assert ImportFilter.base_filters[filtre].label == COLONNES[colonne].libelle
