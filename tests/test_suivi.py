"""The two tracking tables (spec §7) through the test client: « Liste des imports » (/imports/) and
« Liste des demandes d'avance et de solde » (/demandes/) — criteria, per-column filters, sorting,
pagination, streamed CSV exports —, the demande page with its status history, and the home page
counters. Query counts do not grow with the number of rows shown or exported."""

import csv
import datetime
import html
import io
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.http import StreamingHttpResponse
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from demandes.models import Demande, Fournisseur, Solution
from demandes.valeurs import StatutDemande, StatutPaiement, TypeDemande
from imports.models import Import

from .test_ecrans import COLONNES_IMPORTS, contenu_telecharge, page, texte, utilisateur
from .test_import_reel import document_de, en_octets, ligne, pieces_listees, simuler_et_importer
from .test_regles import finess

COLONNES_DEMANDES = [
    "Numéro de dossier",
    "Type",
    "Numéro Editeur",
    "Logiciel",
    "Vague",
    "Date dépôt",
    "Date de la commande",
    "Statut",
    "Statut du dernier paiement",
]
ENTETES_CSV_IMPORTS = [
    "Identifiant",
    "Date d'importation",
    "Numéro ANS",
    "Type de demande",
    "Nom du fichier",
    "Nbre de demande",
    "Nbre de demandes retenues",
    "Nbre de demandes rejetées",
    "État",
]
ENTETES_CSV_DEMANDES = [
    "Numéro de dossier",
    "Type",
    "Numéro Editeur",
    "Logiciel",
    "Vague",
    "Date dépôt",
    "Date de la commande",
    "Statut",
    "Statut du dernier paiement",
    "Montant Ségur HT",
]
SIRET_RELAIS, SIRET_HOPITAL = "77625125800013", "41268937400012"


@pytest.fixture(autouse=True)
def environnement(stockage_temporaire):
    pass


# --- helpers ------------------------------------------------------------------------------


def le(jour: str, heure=12, minute=0) -> datetime.datetime:
    """« 2024-02-15 » at noon, Paris time."""
    date = datetime.date.fromisoformat(jour)
    return timezone.make_aware(datetime.datetime(date.year, date.month, date.day, heure, minute))


def creer_import(
    siret=SIRET_RELAIS,
    *,
    nom,
    type_demande="AVANCE",
    numero_ans="mlp525off1",
    nb_lignes=1,
    resultat=Import.Resultat.SIMULATION_OK,
    etat=Import.Etat.SIMULE,
    retenues=0,
    rejetees=0,
    date=None,
) -> Import:
    fournisseur = Fournisseur.objects.get(siret=siret)
    import_demandes = Import.objects.create(
        fournisseur=fournisseur,
        numero_ans=numero_ans,
        type_demande=type_demande,
        taux_tva="20",
        nom_fichier=nom,
        fichier=f"imports/{fournisseur.pk}/{nom}",
        sha256="0" * 64,
        nb_lignes=nb_lignes,
        resultat=resultat,
        etat=etat,
        nb_retenues=retenues,
        nb_rejetees=rejetees,
        solution=Solution.objects.filter(numero_ans=numero_ans).first(),
    )
    if date:
        Import.objects.filter(pk=import_demandes.pk).update(date_creation=date)
        import_demandes.refresh_from_db()
    return import_demandes


def creer_demandes(
    numero_ans="mlp525off1",
    nombre=1,
    *,
    debut=1,
    type_demande=TypeDemande.AVANCE,
    statut=StatutDemande.EN_ATTENTE_PIECES,
    paiement="",
    editeur="E",
    montant="1000.00",
):
    """Demandes written straight into the table (bulk_create), numbered from `debut`."""
    solution = Solution.objects.select_related("couloir").get(numero_ans=numero_ans)
    return Demande.objects.bulk_create(
        [
            Demande(
                numero=f"FIN{solution.couloir.code}{n:06d}",
                version=0,
                type_demande=type_demande,
                fournisseur_id=solution.fournisseur_id,
                solution=solution,
                numero_editeur=f"{editeur}{n}",
                date_commande=datetime.date(2021, 11, 24),
                regime_tva="TTC",
                montant_ht=Decimal(montant),
                statut=statut,
                statut_paiement=paiement,
            )
            for n in range(debut, debut + nombre)
        ],
        batch_size=500,
    )


def deposee_le(demande, jour):
    Demande.objects.filter(pk=demande.pk).update(date_depot=le(jour))


def lignes_du_tableau(reponse, entetes) -> list[list[str]]:
    """The data rows: the row of per-column filters (empty cells) and the « no result » row are dropped."""
    lignes = page(reponse).table(entetes)
    return [l for l in lignes if len(l) == len(entetes) and any(l)]


def colonne(reponse, entetes, rang=0) -> list[str]:
    assert reponse.status_code == 200, reponse.status_code
    return [l[rang] for l in lignes_du_tableau(reponse, entetes)]


def lire_csv(reponse) -> list[list[str]]:
    assert reponse.status_code == 200
    assert isinstance(reponse, StreamingHttpResponse) and reponse.streaming
    assert reponse["Content-Type"] == "text/csv; charset=utf-8"
    assert reponse["Content-Disposition"].startswith("attachment; filename=")
    octets = contenu_telecharge(reponse)
    assert octets.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM for Excel
    return list(csv.reader(io.StringIO(octets.decode("utf-8")[1:]), delimiter=";"))


def nombre_de_requetes(client, url, *, consommer=True) -> int:
    with CaptureQueriesContext(connection) as requetes:
        reponse = client.get(url)
        assert reponse.status_code == 200
        if consommer:
            contenu_telecharge(reponse)  # a streamed response queries while it is read
    return len(requetes)


# --- « Liste des imports » --------------------------------------------------------------------


@pytest.fixture
def trois_imports(demo):
    Solution.objects.create(
        **{
            **{
                f.name: getattr(Solution.objects.get(numero_ans="mlp525off1"), f.name)
                for f in Solution._meta.concrete_fields
                if f.name not in ("id", "numero_ans")
            },
            "numero_ans": "mlp525off2",
        }
    )
    a = creer_import(
        nom="alpha.json", nb_lignes=3, etat=Import.Etat.IMPORTE, retenues=2, rejetees=1, date=le("2024-01-10")
    )
    b = creer_import(nom="beta.json", type_demande="SOLDE", date=le("2024-02-15"))
    c = creer_import(
        nom="gamma.json", numero_ans="mlp525off2", nb_lignes=12, resultat=Import.Resultat.ERREURS, date=le("2024-03-20")
    )
    creer_import("87950324100017", nom="secret-unikalo.json", numero_ans="cpiPFI0001", date=le("2024-02-15"))
    return a, b, c


def test_tableau_des_imports_colonnes_et_lignes(client_relais, trois_imports):
    a, b, c = trois_imports
    reponse = client_relais.get("/imports/")
    assert reponse.status_code == 200
    assert lignes_du_tableau(reponse, COLONNES_IMPORTS) == [
        [
            str(c.pk),
            "20/03/2024",
            "mlp525off2",
            "Avance",
            "gamma.json",
            "12",
            "—",
            "—",
            "JSON",
            "Erreurs dans les demandes",
        ],
        [str(b.pk), "15/02/2024", "mlp525off1", "Solde", "beta.json", "1", "—", "—", "JSON", "Simulé"],
        [
            str(a.pk),
            "10/01/2024",
            "mlp525off1",
            "Avance",
            "alpha.json",
            "3",
            "2",
            "1",
            "JSON",
            "Importé — pièces jointes à déposer",
        ],
    ]
    liste = page(reponse)
    for import_demandes in (a, b, c):
        assert liste.lien(str(import_demandes.pk)).attrs["href"] == f"/imports/{import_demandes.pk}/"
    assert f"/imports/{a.pk}/fichier/" in [l.attrs.get("href") for l in liste.liens if l.texte == "JSON"]
    assert liste.lien("Vider les critères").attrs["href"] == "/imports/"
    assert "(3 résultats)" in texte(reponse)
    contenu = reponse.content.decode()
    # one filter per column (« Filtrer... »), submitted with the criteria form
    for nom in ("f_id", "f_date", "f_ans", "f_type", "f_nom", "f_lignes", "f_retenues", "f_rejetees"):
        assert re.search(rf'<input[^>]*name="{nom}"[^>]*form="criteres-imports"', contenu), nom
    assert [(o.texte, o.attrs["value"]) for o in liste.options["type_demande"]] == [
        ("Tous", ""),
        ("Avance", "AVANCE"),
        ("Solde", "SOLDE"),
    ]
    for nom in ("numero_ans", "depose_apres", "depose_avant"):
        assert f'name="{nom}"' in contenu
    assert "secret-unikalo.json" not in texte(reponse)


@pytest.mark.parametrize(
    "criteres, attendus",
    [
        ("numero_ans=off2", "c"),
        ("numero_ans=MLP525", "cba"),
        ("type_demande=SOLDE", "b"),
        ("type_demande=AVANCE", "ca"),
        ("type_demande=", "cba"),
        ("depose_apres=2024-02-01", "cb"),
        ("depose_avant=2024-02-15", "ba"),
        ("depose_apres=2024-02-15&depose_avant=2024-02-15", "b"),
        ("depose_apres=2024-04-01", ""),
        ("f_id={a}", "a"),
        ("f_id=%20{b}%20", "b"),
        ("f_date=15/02/2024", "b"),
        ("f_date=2024-02-15", ""),
        ("f_ans=OFF2", "c"),
        ("f_type=sol", "b"),
        ("f_type=Avance", "ca"),
        ("f_nom=ALP", "a"),
        ("f_nom=.json", "cba"),
        ("f_lignes=12", "c"),
        ("f_retenues=2", "a"),
        ("f_rejetees=1", "a"),
        ("type_demande=AVANCE&f_lignes=3", "a"),
        ("numero_ans=mlp525off1&depose_apres=2024-02-01", "b"),
    ],
)
def test_tableau_des_imports_criteres_et_filtres(client_relais, trois_imports, criteres, attendus):
    imports = dict(zip("abc", trois_imports, strict=False))
    url = "/imports/?" + criteres.format(**{k: v.pk for k, v in imports.items()})
    reponse = client_relais.get(url)
    assert colonne(reponse, COLONNES_IMPORTS) == [str(imports[x].pk) for x in attendus]
    # the CSV export honours the same criteria
    assert [l[0] for l in lire_csv(client_relais.get(url + "&export=csv"))[1:]] == [
        str(imports[x].pk) for x in attendus
    ]


@pytest.mark.parametrize(
    "criteres",
    [
        "f_id=abc",
        "f_id=-1",
        "f_id=99999999999999999999999",
        "f_lignes=1.5",
        "f_retenues=x",
        "f_date=99/99/9999",
        "f_date=31/02/2024",
        "f_date=abc",
        "depose_apres=xx",
        "depose_avant=31/12/2024",
        "depose_apres=2024-13-45",
        "type_demande=AUTRE",
        "numero_ans=%27%22%3C",
        "page=abc",
        "page=999",
        "page=-1",
        "sort=inexistant",
        "sort=-fichier",
        "par_page=7",
        "par_page=abc",
        "par_page=100000",
    ],
)
def test_tableau_des_imports_criteres_invalides_sans_erreur_serveur(client_relais, trois_imports, criteres):
    reponse = client_relais.get(f"/imports/?{criteres}")
    assert reponse.status_code == 200
    assert "secret-unikalo.json" not in texte(reponse)
    assert client_relais.get(f"/imports/?{criteres}&export=csv").status_code == 200


def test_recherche_sans_resultat_message_du_portail(client_relais, trois_imports):
    assert "Aucun import ne correspond à ces critères." in texte(client_relais.get("/imports/?f_nom=introuvable"))
    assert "Aucune demande ne correspond à ces critères." in texte(client_relais.get("/demandes/?statut=ANNULEE"))


def test_recherche_sans_resultat(client_relais, trois_imports):
    for url in ("/imports/?f_nom=introuvable", "/demandes/?statut=ANNULEE"):
        reponse = client_relais.get(url)
        assert reponse.status_code == 200
        lignes = [l for t in page(reponse).tables for l in t[1:] if len(l) == 1]
        assert lignes and "ucun" in lignes[0][0]  # one row spanning the table says there is nothing


def test_tableau_des_imports_criteres_invalides_signales(client_relais, trois_imports):
    reponse = client_relais.get("/imports/?depose_apres=xx")
    assert "Critères invalides" in texte(reponse)
    assert colonne(client_relais.get("/imports/?f_id=abc"), COLONNES_IMPORTS) == []


@pytest.mark.parametrize(
    "tri, attendus",
    [
        ("", "cba"),
        ("sort=-id", "cba"),
        ("sort=id", "abc"),
        ("sort=nom_fichier", "abc"),
        ("sort=-nom_fichier", "cba"),
        ("sort=nb_lignes", "bac"),
        ("sort=-nb_lignes", "cab"),
        ("sort=date_creation", "abc"),
        ("sort=type_demande", "acb"),
        ("sort=numero_ans", "abc"),
    ],
)
def test_tableau_des_imports_tri(client_relais, trois_imports, tri, attendus):
    imports = dict(zip("abc", trois_imports, strict=False))
    if tri == "sort=numero_ans":  # a then b share the numéro ANS: compare the first column only as a set of ties
        assert colonne(client_relais.get(f"/imports/?{tri}"), COLONNES_IMPORTS, 2) == [
            "mlp525off1",
            "mlp525off1",
            "mlp525off2",
        ]
        return
    if tri == "sort=type_demande":
        assert colonne(client_relais.get(f"/imports/?{tri}"), COLONNES_IMPORTS, 3) == ["Avance", "Avance", "Solde"]
        return
    assert colonne(client_relais.get(f"/imports/?{tri}"), COLONNES_IMPORTS) == [str(imports[x].pk) for x in attendus]


def test_tableau_des_imports_liens_de_tri_gardent_les_criteres(client_relais, trois_imports):
    reponse = client_relais.get("/imports/?type_demande=AVANCE&f_nom=a")
    entetes = {
        a.texte: a.attrs["href"] for a in page(reponse).liens if a.attrs.get("title", "").startswith("Trier par")
    }
    assert set(entetes) == set(COLONNES_IMPORTS) - {"Fichier JSON"}
    assert "sort=nom_fichier" in entetes["Nom du fichier"]
    assert "type_demande=AVANCE" in entetes["Nom du fichier"] and "f_nom=a" in entetes["Nom du fichier"]
    tri = client_relais.get("/imports/" + entetes["Nom du fichier"])
    assert colonne(tri, COLONNES_IMPORTS, 4) == ["alpha.json", "gamma.json"]


def test_tableau_des_imports_pagination(client_relais, demo):
    imports = [creer_import(nom=f"fichier-{n:02d}.json") for n in range(1, 26)]
    identifiants = [str(i.pk) for i in reversed(imports)]

    premiere = client_relais.get("/imports/")
    assert colonne(premiere, COLONNES_IMPORTS) == identifiants[:20]
    assert "(25 résultats)" in texte(premiere)
    assert any("page=2" in a.attrs.get("href", "") for a in page(premiere).liens)
    assert colonne(client_relais.get("/imports/?page=2"), COLONNES_IMPORTS) == identifiants[20:]
    assert colonne(client_relais.get("/imports/?par_page=100"), COLONNES_IMPORTS) == identifiants
    assert colonne(client_relais.get("/imports/?par_page=50"), COLONNES_IMPORTS) == identifiants
    assert colonne(client_relais.get("/imports/?par_page=20&page=2&sort=nom_fichier"), COLONNES_IMPORTS, 4) == [
        f"fichier-{n:02d}.json" for n in range(21, 26)
    ]
    # criteria and pagination together
    assert colonne(client_relais.get("/imports/?f_nom=fichier-0"), COLONNES_IMPORTS, 4) == [
        f"fichier-{n:02d}.json" for n in range(9, 0, -1)
    ]


def test_tableau_des_imports_apres_un_import_reel(client_relais, document_ttc):
    import_demandes = simuler_et_importer(
        "relais",
        en_octets(
            document_de(document_ttc, ligne(document_ttc, 1, geo=[finess(1)]), ligne(document_ttc, 2, geo=[finess(2)]))
        ),
        nom="reel.json",
    )
    ligne_import = lignes_du_tableau(client_relais.get("/imports/"), COLONNES_IMPORTS)[0]
    assert ligne_import[0] == str(import_demandes.pk)
    assert ligne_import[4:] == ["reel.json", "2", "2", "0", "JSON Sortie", "Importé — pièces jointes à déposer"]
    assert colonne(client_relais.get("/imports/?f_retenues=2"), COLONNES_IMPORTS) == [str(import_demandes.pk)]
    assert lire_csv(client_relais.get("/imports/?export=csv"))[1][5:] == [
        "2",
        "2",
        "0",
        "Importé — pièces jointes à déposer",
    ]


def test_export_csv_des_imports(client_relais, trois_imports):
    a, b, c = trois_imports
    reponse = client_relais.get("/imports/?export=csv")
    assert 'filename="imports.csv"' in reponse["Content-Disposition"]
    lignes = lire_csv(reponse)
    assert lignes[0] == ENTETES_CSV_IMPORTS
    assert lignes[1:] == [
        [str(c.pk), "20/03/2024", "mlp525off2", "Avance", "gamma.json", "12", "", "", "Erreurs dans les demandes"],
        [str(b.pk), "15/02/2024", "mlp525off1", "Solde", "beta.json", "1", "", "", "Simulé"],
        [
            str(a.pk),
            "10/01/2024",
            "mlp525off1",
            "Avance",
            "alpha.json",
            "3",
            "2",
            "1",
            "Importé — pièces jointes à déposer",
        ],
    ]
    assert lire_csv(client_relais.get("/imports/?export=csv&type_demande=SOLDE"))[1:] == [lignes[2]]
    assert lire_csv(client_relais.get("/imports/?export=csv&f_id=abc")) == [ENTETES_CSV_IMPORTS]


def test_export_csv_date_locale_apres_minuit(client_relais, demo):
    import_demandes = creer_import(nom="nuit.json", date=le("2024-03-05", heure=0, minute=30))
    (demande,) = creer_demandes()
    Demande.objects.filter(pk=demande.pk).update(date_depot=le("2024-07-14", heure=1, minute=15))
    assert colonne(client_relais.get("/imports/"), COLONNES_IMPORTS, 1) == ["05/03/2024"]
    assert colonne(client_relais.get("/imports/?f_date=05/03/2024"), COLONNES_IMPORTS) == [str(import_demandes.pk)]
    assert colonne(client_relais.get("/demandes/"), COLONNES_DEMANDES, 5) == ["14/07/2024"]
    assert lire_csv(client_relais.get("/imports/?export=csv"))[1][1] == "05/03/2024"
    assert lire_csv(client_relais.get("/demandes/?export=csv"))[1][5] == "14/07/2024"


def test_export_csv_des_imports_nombre_de_requetes_constant(client_relais, demo):
    def creer(nombre):
        fournisseur = Fournisseur.objects.get(siret=SIRET_RELAIS)
        Import.objects.bulk_create(
            [
                Import(
                    fournisseur=fournisseur,
                    numero_ans="mlp525off1",
                    type_demande="AVANCE",
                    taux_tva="20",
                    nom_fichier=f"f{n}.json",
                    fichier="imports/x.json",
                    sha256="0" * 64,
                    resultat=Import.Resultat.SIMULATION_OK,
                )
                for n in range(nombre)
            ],
            batch_size=500,
        )

    creer(100)
    petit = nombre_de_requetes(client_relais, "/imports/?export=csv")
    creer(1900)
    reponse = client_relais.get("/imports/?export=csv")
    assert len(lire_csv(reponse)) == 2001
    grand = nombre_de_requetes(client_relais, "/imports/?export=csv")
    assert grand == petit and petit <= 5


def test_tableau_des_imports_nombre_de_requetes_independant_de_la_taille_de_page(client_relais, demo):
    for n in range(150):
        creer_import(nom=f"f{n}.json", etat=Import.Etat.IMPORTE if n % 2 else Import.Etat.SIMULE)
    vingt = nombre_de_requetes(client_relais, "/imports/?par_page=20", consommer=False)
    cent = nombre_de_requetes(client_relais, "/imports/?par_page=100", consommer=False)
    assert vingt == cent


# --- « Liste des demandes d'avance et de solde » --------------------------------------------


@pytest.fixture
def quatre_demandes(demo):
    (d1,) = creer_demandes(debut=1, editeur="B")
    (d2,) = creer_demandes(
        debut=2,
        editeur="D",
        type_demande=TypeDemande.SOLDE,
        statut=StatutDemande.DECIDEE,
        paiement=StatutPaiement.EFFECTUE,
    )
    (d3,) = creer_demandes(debut=3, editeur="A", statut=StatutDemande.DECIDEE, paiement=StatutPaiement.EN_COURS)
    (d4,) = creer_demandes(debut=4, editeur="C", statut=StatutDemande.REJETEE, montant="10750.50")
    for demande, jour in ((d1, "2024-01-10"), (d2, "2024-02-15"), (d3, "2024-03-20"), (d4, "2024-04-25")):
        deposee_le(demande, jour)
    creer_demandes("bnd52qq600", editeur="H")  # hopital's FINHOP000001
    return d1, d2, d3, d4


def test_tableau_des_demandes_colonnes_et_lignes(client_relais, quatre_demandes):
    d1, d2, d3, d4 = quatre_demandes
    reponse = client_relais.get("/demandes/")
    assert reponse.status_code == 200
    assert lignes_du_tableau(reponse, COLONNES_DEMANDES) == [
        ["FINMDV000004M0", "AVANCE", "C4", "LGC", "1", "25/04/2024", "24/11/2021", "Rejetée", "—"],
        ["FINMDV000003M0", "AVANCE", "A3", "LGC", "1", "20/03/2024", "24/11/2021", "Décidée", "Paiement en cours"],
        ["FINMDV000002M0", "SOLDE", "D2", "LGC", "1", "15/02/2024", "24/11/2021", "Décidée", "Paiement effectué"],
        ["FINMDV000001M0", "AVANCE", "B1", "LGC", "1", "10/01/2024", "24/11/2021", "En attente des pièces", "—"],
    ]
    liste = page(reponse)
    for demande in quatre_demandes:
        assert liste.lien(demande.numero_dossier).attrs["href"] == f"/demandes/{demande.pk}/"
    assert liste.lien("Vider les critères").attrs["href"] == "/demandes/"
    assert "FINHOP" not in texte(reponse)
    # criteria offered
    assert [o.attrs["value"] for o in liste.options["type_demande"]] == ["", "AVANCE", "SOLDE"]
    assert [o.attrs["value"] for o in liste.options["statut"]] == [
        "",
        "EN_ATTENTE_PIECES",
        "DEPOSEE",
        "EN_INSTRUCTION",
        "DECIDEE",
        "REJETEE",
        "ANNULEE",
    ]
    assert [o.texte for o in liste.options["statut"]][1:] == [
        "En attente des pièces",
        "Déposée",
        "En instruction",
        "Décidée",
        "Rejetée",
        "Annulée",
    ]
    assert [(o.texte, o.attrs["value"]) for o in liste.options["statut_paiement"]] == [
        ("Tous", ""),
        ("Paiement en cours", "EN_COURS"),
        ("Paiement effectué", "EFFECTUE"),
    ]
    # only the supplier's own logiciels
    assert [o.attrs["value"] for o in liste.options["logiciel"]] == ["", "LGC"]
    contenu = reponse.content.decode()
    for nom in ("numero", "depose_apres", "depose_avant"):
        assert f'name="{nom}"' in contenu


def test_logiciels_proposes_a_un_autre_fournisseur(client, demo):
    client.force_login(utilisateur("hopital"))
    assert [o.attrs["value"] for o in page(client.get("/demandes/")).options["logiciel"]] == ["", "DPI", "RI"]


@pytest.mark.parametrize(
    "criteres, attendus",
    [
        ("numero=000002", [2]),
        ("numero=FINMDV000002M0", [2]),
        ("numero=finmdv000002m0", [2]),
        ("numero=FINMDV000002M7", [2]),  # any version of the dossier
        ("numero=%20FINMDV00000%20", [4, 3, 2, 1]),
        ("numero=FINHOP000001M0", []),  # another supplier's dossier
        ("numero=FINMDV9", []),
        ("type_demande=SOLDE", [2]),
        ("type_demande=AVANCE", [4, 3, 1]),
        ("statut=DECIDEE", [3, 2]),
        ("statut=EN_ATTENTE_PIECES", [1]),
        ("statut=ANNULEE", []),
        ("statut_paiement=EFFECTUE", [2]),
        ("statut_paiement=EN_COURS", [3]),
        ("logiciel=LGC", [4, 3, 2, 1]),
        ("depose_apres=2024-02-01", [4, 3, 2]),
        ("depose_avant=2024-03-20", [3, 2, 1]),
        ("depose_apres=2024-02-15&depose_avant=2024-03-20", [3, 2]),
        ("type_demande=AVANCE&statut=DECIDEE", [3]),
        ("statut=DECIDEE&statut_paiement=EFFECTUE&logiciel=LGC", [2]),
    ],
)
def test_tableau_des_demandes_criteres(client_relais, quatre_demandes, criteres, attendus):
    reponse = client_relais.get(f"/demandes/?{criteres}")
    assert colonne(reponse, COLONNES_DEMANDES) == [f"FINMDV{n:06d}M0" for n in attendus]
    export = lire_csv(client_relais.get(f"/demandes/?{criteres}&export=csv"))
    assert [l[0] for l in export[1:]] == [f"FINMDV{n:06d}M0" for n in attendus]


@pytest.mark.parametrize(
    "criteres",
    [
        "logiciel=DPI",
        "logiciel=PFI",
        "logiciel=INCONNU",
        "statut=PERDUE",
        "type_demande=x",
        "statut_paiement=1",
        "depose_apres=xx",
        "depose_avant=2024-02-30",
        "numero=" + "9" * 300,
        "page=abc",
        "page=999",
        "sort=inexistant",
        "sort=-statut_paiement",
        "par_page=3",
    ],
)
def test_tableau_des_demandes_criteres_invalides_sans_erreur_serveur(client_relais, quatre_demandes, criteres):
    reponse = client_relais.get(f"/demandes/?{criteres}")
    assert reponse.status_code == 200
    assert "FINHOP" not in texte(reponse)
    export = client_relais.get(f"/demandes/?{criteres}&export=csv")
    assert export.status_code == 200 and b"FINHOP" not in contenu_telecharge(export)


def test_logiciel_d_un_autre_fournisseur_refuse_comme_critere(client_relais, quatre_demandes):
    reponse = client_relais.get("/demandes/?logiciel=RI")
    assert "Critères invalides" in texte(reponse)
    assert "FINHOP" not in texte(reponse)


@pytest.mark.parametrize(
    "tri, attendus",
    [
        ("", [4, 3, 2, 1]),
        ("sort=date_depot", [1, 2, 3, 4]),
        ("sort=numero", [1, 2, 3, 4]),
        ("sort=-numero", [4, 3, 2, 1]),
        ("sort=numero_editeur", [3, 1, 4, 2]),
        ("sort=-numero_editeur", [2, 4, 1, 3]),
        ("sort=type_demande&sort=numero", None),
    ],
)
def test_tableau_des_demandes_tri(client_relais, quatre_demandes, tri, attendus):
    reponse = client_relais.get(f"/demandes/?{tri}")
    if attendus is None:
        assert reponse.status_code == 200
        return
    assert colonne(reponse, COLONNES_DEMANDES) == [f"FINMDV{n:06d}M0" for n in attendus]


def test_tableau_des_demandes_tri_par_statut_et_type(client_relais, quatre_demandes):
    assert colonne(client_relais.get("/demandes/?sort=statut"), COLONNES_DEMANDES, 7) == [
        "Décidée",
        "Décidée",
        "En attente des pièces",
        "Rejetée",
    ]
    assert colonne(client_relais.get("/demandes/?sort=-type_demande"), COLONNES_DEMANDES, 1) == [
        "SOLDE",
        "AVANCE",
        "AVANCE",
        "AVANCE",
    ]
    entetes = {
        a.texte for a in page(client_relais.get("/demandes/")).liens if a.attrs.get("title", "").startswith("Trier par")
    }
    assert {"Numéro de dossier", "Type", "Numéro Editeur", "Date dépôt", "Statut"} <= entetes


def test_tableau_des_demandes_pagination(client_relais, demo):
    creer_demandes(nombre=25)
    numeros = [f"FINMDV{n:06d}M0" for n in range(1, 26)]
    premiere = client_relais.get("/demandes/?sort=numero")
    assert colonne(premiere, COLONNES_DEMANDES) == numeros[:20]
    assert "(25 résultats)" in texte(premiere)
    assert any("page=2" in a.attrs.get("href", "") for a in page(premiere).liens)
    assert colonne(client_relais.get("/demandes/?sort=numero&page=2"), COLONNES_DEMANDES) == numeros[20:]
    assert colonne(client_relais.get("/demandes/?sort=numero&par_page=50"), COLONNES_DEMANDES) == numeros
    assert colonne(client_relais.get("/demandes/?sort=-numero&par_page=100"), COLONNES_DEMANDES) == numeros[::-1]
    # « 00001 » is part of FINMDV000001 and of FINMDV000010 … FINMDV000019
    assert colonne(client_relais.get("/demandes/?sort=numero&numero=00001"), COLONNES_DEMANDES) == [
        numeros[0],
        *numeros[9:19],
    ]


def test_tableau_des_demandes_vide(client_relais):
    reponse = client_relais.get("/demandes/")
    assert reponse.status_code == 200
    assert "Aucune demande pour le moment" in texte(reponse)


def test_tableau_des_demandes_nombre_de_requetes_independant_de_la_taille_de_page(client_relais, demo):
    creer_demandes(nombre=150)
    vingt = nombre_de_requetes(client_relais, "/demandes/?par_page=20", consommer=False)
    cent = nombre_de_requetes(client_relais, "/demandes/?par_page=100", consommer=False)
    page_trois = nombre_de_requetes(client_relais, "/demandes/?par_page=50&page=3&sort=-numero", consommer=False)
    assert vingt == cent == page_trois


# --- the demande page ---------------------------------------------------------------------


@pytest.fixture
def demande_importee(demo, document_ttc) -> Demande:
    structure = en_octets(document_de(document_ttc, ligne(document_ttc, 1, geo=["020015772", "020015111"])))
    simuler_et_importer("relais", structure)
    return Demande.objects.get()


def badges(reponse) -> list[str]:
    return [
        " ".join(b.split()) for b in re.findall(r'<span class="fr-badge[^"]*">([^<]*)</span>', reponse.content.decode())
    ]


def historique(reponse) -> list[list[str]]:
    return [l[1:] for l in page(reponse).table(["Date", "Statut", "Statut du dernier paiement"])]


def test_page_d_une_demande(client_relais, demande_importee):
    demande = demande_importee
    liste = page(client_relais.get("/demandes/"))
    reponse = client_relais.get(liste.lien("FINMDV000001M0").attrs["href"])
    assert reponse.status_code == 200
    contenu = texte(reponse)
    assert "Demande avance FINMDV000001M0" in contenu
    assert "Établissement (FINESS géographique) : 020015772" in contenu
    assert "Établissement (FINESS géographique) : 020015111" in contenu
    assert "Responsable : DURAND — durand@mail.com — 0645124512" in contenu
    assert "FINESS juridique : 020015087" in contenu
    assert re.search(r"Montant Ségur HT : 10[  .]?750,00 € \(régime TTC\)", contenu), contenu
    assert "Numéro éditeur : 00001" in contenu
    assert "Date de la commande : 24/11/2021" in contenu
    assert "mlp525off1 — MDV / LGC, vague 1" in contenu
    assert pieces_listees(reponse) == {("MDV-LGC-Va1-BDC-00001.pdf", "PDF", "BON_COMMANDE")}
    assert badges(reponse) == ["En attente des pièces"]
    assert historique(reponse) == [["En attente des pièces", "—"]]
    assert (
        page(reponse).lien(f"n° {demande.import_demandes_id}").attrs["href"]
        == f"/imports/{demande.import_demandes_id}/"
    )


def test_page_d_une_demande_liberal(client_relais, document_ttc):
    from .test_regles import en_liberal, rpps

    simuler_et_importer("relais", en_octets(document_de(document_ttc, en_liberal(ligne(document_ttc, 1), rpps(1)))))
    demande = Demande.objects.get()
    contenu = texte(client_relais.get(f"/demandes/{demande.pk}/"))
    assert f"Professionnel libéral (RPPS) : {rpps(1)} — MARTIN 0" in contenu
    assert "professionnels libéraux" in contenu


def test_historique_des_statuts_et_badges(client_relais, demande_importee):
    demande = demande_importee
    for statut in (StatutDemande.DEPOSEE, StatutDemande.EN_INSTRUCTION, StatutDemande.DECIDEE):
        demande.statut = statut
        demande.save()
    demande.montant_ht = Decimal("10000.00")  # a change that is not a status: no new step
    demande.save()
    demande.statut_paiement = StatutPaiement.EN_COURS
    demande.save()
    demande.statut_paiement = StatutPaiement.EFFECTUE
    demande.save()

    reponse = client_relais.get(f"/demandes/{demande.pk}/")
    assert historique(reponse) == [
        ["En attente des pièces", "—"],
        ["Déposée", "—"],
        ["En instruction", "—"],
        ["Décidée", "—"],
        ["Décidée", "Paiement en cours"],
        ["Décidée", "Paiement effectué"],
    ]
    assert badges(reponse) == ["Décidée", "Paiement effectué"]
    assert "Motif du rejet" not in texte(reponse)
    ligne_liste = lignes_du_tableau(client_relais.get("/demandes/"), COLONNES_DEMANDES)[0]
    assert ligne_liste[7:] == ["Décidée", "Paiement effectué"]


def test_demande_rejetee_affiche_le_motif(client_relais, demande_importee):
    demande = demande_importee
    demande.statut, demande.motif_rejet = StatutDemande.REJETEE, "Bon de commande illisible"
    demande.save()
    reponse = client_relais.get(f"/demandes/{demande.pk}/")
    contenu = texte(reponse)
    assert badges(reponse) == ["Rejetée"]
    assert "Motif du rejet" in contenu and "Bon de commande illisible" in contenu
    assert historique(reponse)[-1] == ["Rejetée", "—"]


def test_page_d_une_demande_inconnue(client_relais):
    assert client_relais.get("/demandes/999999/").status_code == 404


# --- CSV export of the demandes -------------------------------------------------------------


def test_export_csv_des_demandes(client_relais, quatre_demandes):
    reponse = client_relais.get("/demandes/?export=csv")
    assert 'filename="demandes.csv"' in reponse["Content-Disposition"]
    lignes = lire_csv(reponse)
    assert lignes[0] == ENTETES_CSV_DEMANDES
    assert lignes[1:] == [
        ["FINMDV000004M0", "Avance", "C4", "LGC", "1", "25/04/2024", "24/11/2021", "Rejetée", "", "10750,50"],
        [
            "FINMDV000003M0",
            "Avance",
            "A3",
            "LGC",
            "1",
            "20/03/2024",
            "24/11/2021",
            "Décidée",
            "Paiement en cours",
            "1000,00",
        ],
        [
            "FINMDV000002M0",
            "Solde",
            "D2",
            "LGC",
            "1",
            "15/02/2024",
            "24/11/2021",
            "Décidée",
            "Paiement effectué",
            "1000,00",
        ],
        [
            "FINMDV000001M0",
            "Avance",
            "B1",
            "LGC",
            "1",
            "10/01/2024",
            "24/11/2021",
            "En attente des pièces",
            "",
            "1000,00",
        ],
    ]
    assert [
        l[0] for l in lire_csv(client_relais.get("/demandes/?export=csv&statut=DECIDEE&type_demande=AVANCE"))[1:]
    ] == ["FINMDV000003M0"]


def test_export_csv_de_2000_demandes_en_flux(client_relais, demo):
    creer_demandes(nombre=100)
    petit = nombre_de_requetes(client_relais, "/demandes/?export=csv")
    creer_demandes(nombre=1900, debut=101)
    assert Demande.objects.count() == 2000

    reponse = client_relais.get("/demandes/?export=csv")
    assert isinstance(reponse, StreamingHttpResponse)
    lignes = lire_csv(reponse)
    assert lignes[0] == ENTETES_CSV_DEMANDES
    assert len(lignes) == 2001
    assert {l[0] for l in lignes[1:]} == {f"FINMDV{n:06d}M0" for n in range(1, 2001)}
    assert all(len(l) == len(ENTETES_CSV_DEMANDES) for l in lignes)

    grand = nombre_de_requetes(client_relais, "/demandes/?export=csv")
    assert grand == petit and petit <= 5
    filtre = nombre_de_requetes(client_relais, "/demandes/?export=csv&logiciel=LGC&statut=EN_ATTENTE_PIECES")
    assert filtre <= petit + 2
    assert len(lire_csv(client_relais.get("/demandes/?export=csv&numero=FINMDV0019"))) == 1 + 100


def test_export_csv_caracteres_speciaux(client_relais, demo):
    """Separators and quotes inside a value are quoted, accents survive (UTF-8)."""
    creer_import(nom='mes;demandes "été".json')
    lignes = lire_csv(client_relais.get("/imports/?export=csv"))
    assert lignes[1][4] == 'mes;demandes "été".json'


# --- home page counters ---------------------------------------------------------------------


def test_accueil_compteurs(client_relais, quatre_demandes):
    creer_import(nom="e1.json", resultat=Import.Resultat.ERREURS)
    creer_import(nom="e2.json", resultat=Import.Resultat.FICHIER_REJETE)
    creer_import(nom="s1.json")
    creer_import(nom="s2.json")
    creer_import(nom="s3.json")
    creer_import(nom="i1.json", etat=Import.Etat.IMPORTE, retenues=1)
    creer_import(nom="t1.json", etat=Import.Etat.TERMINE, retenues=1)
    creer_import("41268937400012", nom="h.json", numero_ans="bnd52qq600", etat=Import.Etat.IMPORTE)

    reponse = client_relais.get("/")
    assert reponse.status_code == 200
    contenu = reponse.content.decode()
    bloc_imports = re.search(r'<ul id="compteurs-imports">(.*?)</ul>', contenu, re.S).group(1)
    assert [" ".join(html.unescape(l).split()) for l in re.findall(r"<li>(.*?)</li>", bloc_imports, re.S)] == [
        "Simulations en erreur : 2",
        "Simulés, en attente d'import : 3",
        "Importés, pièces jointes à déposer : 1",
        "Terminés : 1",
    ]

    bloc_demandes = re.search(r'<ul id="compteurs-demandes">(.*?)</ul>', contenu, re.S).group(1)
    liens = re.findall(r'<a href="([^"]+)">([^<]+)</a>', bloc_demandes)
    liens = [(html.unescape(href), " ".join(html.unescape(libelle).split())) for href, libelle in liens]
    assert liens == [
        ("/demandes/?statut=DECIDEE", "Décidée : 2"),
        ("/demandes/?statut=EN_ATTENTE_PIECES", "En attente des pièces : 1"),
        ("/demandes/?statut=REJETEE", "Rejetée : 1"),
    ]
    for href, libelle in liens:
        nombre = int(libelle.rsplit(":", 1)[1])
        assert len(colonne(client_relais.get(href), COLONNES_DEMANDES)) == nombre


def test_accueil_sans_rien(client_relais):
    reponse = client_relais.get("/")
    assert reponse.status_code == 200
    assert "Aucune demande déposée pour le moment." in texte(reponse)
    assert "Simulations en erreur : 0" in texte(reponse)
