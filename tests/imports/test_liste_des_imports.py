"""« Liste des imports » (/imports/, spec §7) through the test client: its columns and rows, criteria,
per-column filters, sorting, pagination, the streamed CSV export; the query count does not grow with
the number of rows shown or exported."""

import re

import pytest

from demandes.models import Demande, Fournisseur
from imports.models import Import
from tests.documents import SIRET_RELAIS, document_de, en_octets, finess, ligne
from tests.factories import copie_de_solution, creer_demandes, creer_import, le
from tests.pages import (
    COLONNES_DEMANDES,
    COLONNES_IMPORTS,
    ENTETES_CSV_IMPORTS,
    colonne,
    lignes_du_tableau,
    lire_csv,
    nombre_de_requetes,
    page,
    texte,
)
from tests.parcours import import_de, simuler, simuler_et_importer, utilisateur

# --- « Liste des imports » (test client) ---------------------------------------------------------


def test_liste_des_imports(client, demo, exemple_ttc, fichier_une_erreur):
    client.force_login(utilisateur("unikalo"))
    import_unikalo = import_de(simuler(client, b"pas du json", nom="unikalo-secret.json", numero_ans="cpiPFI0001"))

    client.force_login(utilisateur("relais"))
    reussi = import_de(simuler(client, exemple_ttc, nom="EJMDV7 structure.json"))
    en_erreur = import_de(simuler(client, fichier_une_erreur, nom="MDV-liberal.json"))

    # The failed simulation is hidden until « Afficher les simulations en échec » is ticked
    assert colonne(client.get("/imports/"), COLONNES_IMPORTS) == [str(reussi.pk)]
    reponse = client.get("/imports/?echecs=1")
    assert reponse.status_code == 200
    contenu = texte(reponse)
    liste = page(reponse)
    assert liste.lien("Importer des demandes").attrs["href"] == "/imports/simulation/"
    assert liste.lien("Accéder à la documentation").attrs["href"] == "/imports/documentation/"
    lignes = liste.table(COLONNES_IMPORTS)[1:]  # the first row under the headers holds the column filters
    assert [l[0] for l in lignes] == [str(en_erreur.pk), str(reussi.pk)]
    # Retained / rejected counts exist once a file is imported for real; simulations show « — ».
    assert lignes[0][2:8] == ["mlp525off1", "Avance", "MDV-liberal.json", "1", "—", "—"]
    assert lignes[1][2:8] == ["mlp525off1", "Avance", "EJMDV7 structure.json", "1", "—", "—"]
    assert lignes[0][9] == "Erreurs dans les demandes" and lignes[1][9] == "Simulé"
    assert "unikalo-secret.json" not in contenu
    hrefs = {a.attrs["href"] for a in liste.liens}
    assert f"/imports/{reussi.pk}/fichier/" in hrefs and f"/imports/{reussi.pk}/" in hrefs
    assert f"/imports/{import_unikalo.pk}/" not in hrefs


def test_liste_vide(client_relais):
    reponse = client_relais.get("/imports/")
    assert reponse.status_code == 200
    assert "Aucun import pour le moment." in texte(reponse)


# --- « Liste des imports » --------------------------------------------------------------------


@pytest.fixture
def trois_imports(demo):
    copie_de_solution("mlp525off2")
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
    reponse = client_relais.get("/imports/?echecs=1")
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
            "—",
        ],
        [str(b.pk), "15/02/2024", "mlp525off1", "Solde", "beta.json", "1", "—", "—", "JSON", "Simulé", "—"],
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
            "—",
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
    url = "/imports/?echecs=1&" + criteres.format(**{k: v.pk for k, v in imports.items()})
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
        assert colonne(client_relais.get(f"/imports/?echecs=1&{tri}"), COLONNES_IMPORTS, 2) == [
            "mlp525off1",
            "mlp525off1",
            "mlp525off2",
        ]
        return
    if tri == "sort=type_demande":
        assert colonne(client_relais.get(f"/imports/?echecs=1&{tri}"), COLONNES_IMPORTS, 3) == [
            "Avance",
            "Avance",
            "Solde",
        ]
        return
    assert colonne(client_relais.get(f"/imports/?echecs=1&{tri}"), COLONNES_IMPORTS) == [
        str(imports[x].pk) for x in attendus
    ]


def test_tableau_des_imports_liens_de_tri_gardent_les_criteres(client_relais, trois_imports):
    reponse = client_relais.get("/imports/?echecs=1&type_demande=AVANCE&f_nom=a")
    entetes = {
        a.texte: a.attrs["href"] for a in page(reponse).liens if a.attrs.get("title", "").startswith("Trier par")
    }
    assert set(entetes) == set(COLONNES_IMPORTS) - {"Fichier JSON"}
    assert "sort=nom_fichier" in entetes["Nom du fichier"]
    assert "type_demande=AVANCE" in entetes["Nom du fichier"] and "f_nom=a" in entetes["Nom du fichier"]
    assert "echecs=1" in entetes["Nom du fichier"]
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
    assert ligne_import[4:] == [
        "reel.json",
        "2",
        "2",
        "0",
        "JSON · Sortie",
        "Importé — pièces jointes à déposer",
        "Sophie Laurent",  # « Importé par »: the account's name (the demo's contact for RELAIS)
    ]
    assert colonne(client_relais.get("/imports/?f_retenues=2"), COLONNES_IMPORTS) == [str(import_demandes.pk)]
    assert lire_csv(client_relais.get("/imports/?export=csv"))[1][5:] == [
        "2",
        "2",
        "0",
        "Importé — pièces jointes à déposer",
        "Sophie Laurent",
    ]


def test_export_csv_des_imports(client_relais, trois_imports):
    a, b, c = trois_imports
    reponse = client_relais.get("/imports/?export=csv&echecs=1")
    assert 'filename="imports.csv"' in reponse["Content-Disposition"]
    lignes = lire_csv(reponse)
    assert lignes[0] == ENTETES_CSV_IMPORTS
    assert lignes[1:] == [
        [str(c.pk), "20/03/2024", "mlp525off2", "Avance", "gamma.json", "12", "", "", "Erreurs dans les demandes", ""],
        [str(b.pk), "15/02/2024", "mlp525off1", "Solde", "beta.json", "1", "", "", "Simulé", ""],
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
            "",
        ],
    ]
    assert lire_csv(client_relais.get("/imports/?export=csv&echecs=1&type_demande=SOLDE"))[1:] == [lignes[2]]
    # without the criterion, the export leaves the failed simulation out, as the table does
    assert lire_csv(client_relais.get("/imports/?export=csv"))[1:] == lignes[2:]
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
