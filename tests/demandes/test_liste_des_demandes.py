"""« Liste des demandes d'avance et de solde » (/demandes/, spec §7) through the test client: columns and
rows, criteria (the logiciels of the supplier only), sorting, pagination, the streamed CSV export of
2 000 demandes; the query count does not grow with the number of rows shown or exported."""

import pytest
from django.http import StreamingHttpResponse

from demandes.models import Demande
from tests.factories import creer_demandes, creer_import
from tests.pages import (
    COLONNES_DEMANDES,
    ENTETES_CSV_DEMANDES,
    colonne,
    contenu_telecharge,
    lignes_du_tableau,
    lire_csv,
    nombre_de_requetes,
    page,
    texte,
)
from tests.parcours import utilisateur

# --- « Liste des demandes d'avance et de solde » --------------------------------------------


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
        "A_COMPLETER",
        "DECIDEE",
        "REJETEE",
        "ANNULEE",
    ]
    assert [o.texte for o in liste.options["statut"]][1:] == [
        "En attente des pièces",
        "Déposée",
        "En instruction",
        "En attente de compléments",
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
