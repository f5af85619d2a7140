"""The managers' CSV export of the filtered list or of a selection (constant query count), the import
admin (files, outputs, counts, line errors) and the reference data admin (searchable, add and change
without delete)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from demandes.models import Fournisseur, Solution
from imports.models import Import
from tests.documents import SIRET_HOPITAL, SIRET_RELAIS, SIRET_UNIKALO, document_de, en_octets, finess, ligne, sans_cle
from tests.factories import creer_demande
from tests.gestion.outils import ENTETES_CSV, EXPORT, LISTE, agir, table_avec
from tests.pages import contenu_telecharge, lire_csv, page, texte
from tests.parcours import simuler_et_importer, simuler_service, sortie_de

# --- 4. CSV export of the filtered list -------------------------------------------------------


def test_export_csv_de_la_liste_filtree(client_gestionnaire, six_demandes):
    lignes = lire_csv(client_gestionnaire.get(EXPORT, {"statut__exact": "DECIDEE"}))
    assert lignes[0] == ENTETES_CSV
    assert lignes[1:] == [
        [
            "FINMDV000003M0",
            "Avance",
            SIRET_RELAIS,
            "RELAIS CAP FRANCE AU GAI LOGIS",
            "MDV",
            "LGC",
            "2",
            "10750,50",
            "20/02/2024",
            "Décidée",
            "Paiement en cours",
        ],
        [
            "FINMDV000002M0",
            "Solde",
            SIRET_RELAIS,
            "RELAIS CAP FRANCE AU GAI LOGIS",
            "MDV",
            "LGC",
            "1",
            "1000,00",
            "15/02/2024",
            "Décidée",
            "Paiement effectué",
        ],
    ]
    assert 'filename="demandes-gestion.csv"' in client_gestionnaire.get(EXPORT)["Content-Disposition"]
    tout = lire_csv(client_gestionnaire.get(EXPORT))
    assert [l[0] for l in tout[1:]] == [
        "FINHOP000021M0",
        "FINHOP000012M0",
        "FINHOP000011M0",
        "FINMDV000003M0",
        "FINMDV000002M0",
        "FINMDV000001M0",
    ]
    assert tout[1][9:] == ["En attente des pièces", ""]
    rejetees = lire_csv(client_gestionnaire.get(EXPORT, {"q": SIRET_HOPITAL, "statut__exact": "REJETEE"}))
    assert [l[0] for l in rejetees[1:]] == ["FINHOP000011M0"]
    assert lire_csv(client_gestionnaire.get(EXPORT, {"q": "inexistant"})) == [ENTETES_CSV]


def test_export_csv_de_la_selection(client_gestionnaire, six_demandes):
    reponse = agir(client_gestionnaire, "exporter_csv", [six_demandes["d1"], six_demandes["h1"]])
    assert [l[0] for l in lire_csv(reponse)[1:]] == ["FINHOP000011M0", "FINMDV000001M0"]


@pytest.mark.parametrize("parametres", [{"date_depot__gte": "pas-une-date"}, {"champ_inconnu": "1"}])
def test_export_csv_avec_un_filtre_invalide_sans_erreur_serveur(client_gestionnaire, six_demandes, parametres):
    client_gestionnaire.raise_request_exception = False
    assert client_gestionnaire.get(LISTE, parametres).status_code == 302
    assert client_gestionnaire.get(EXPORT, parametres).status_code < 500


def test_export_csv_nombre_de_requetes_constant(client_gestionnaire, six_demandes):
    def compter():
        with CaptureQueriesContext(connection) as requetes:
            contenu_telecharge(client_gestionnaire.get(EXPORT))
        return len(requetes)

    petit = compter()
    for n in range(100, 400):
        creer_demande(n)
    assert compter() == petit


# --- 4. the import admin ------------------------------------------------------------------------


@pytest.fixture
def deux_imports(demo, document_ttc):
    reussi = simuler_et_importer(
        "relais",
        en_octets(document_de(document_ttc, ligne(document_ttc, 1), ligne(document_ttc, 2))),
        nom="deux-lignes.json",
    )
    en_erreur = simuler_service(
        "relais",
        en_octets(document_de(document_ttc, ligne(document_ttc, 3, geo=[sans_cle(finess(9))]))),
        nom="finess-faux.json",
    )
    return reussi, en_erreur


def test_admin_des_imports_liste_recherche_et_fiche(client_gestionnaire, deux_imports):
    reussi, en_erreur = deux_imports
    reponse = client_gestionnaire.get("/admin/imports/import/")
    assert reponse.status_code == 200
    contenu = texte(reponse, lu=True)
    assert "deux-lignes.json" in contenu and "finess-faux.json" in contenu
    entetes = table_avec(reponse, "Nom du fichier")[0]
    for colonne in ("Fournisseur", "Numéro ANS", "Type de demande"):
        assert any(colonne.lower() in e.lower() for e in entetes), (colonne, entetes)
    rangee = [l for l in table_avec(reponse, "Nom du fichier") if "deux-lignes.json" in l][0]
    assert rangee.count("2") >= 3  # nb_lignes, nb_valides, nb_retenues
    for recherche, attendus in (
        ("deux-lignes", {"deux-lignes.json"}),
        ("finess-faux", {"finess-faux.json"}),
        (SIRET_RELAIS, {"deux-lignes.json", "finess-faux.json"}),
        (SIRET_HOPITAL, set()),
    ):
        contenu = texte(client_gestionnaire.get("/admin/imports/import/", {"q": recherche}), lu=True)
        assert {nom for nom in ("deux-lignes.json", "finess-faux.json") if nom in contenu} == attendus, recherche

    fiche = client_gestionnaire.get(f"/admin/imports/import/{reussi.pk}/change/")
    assert fiche.status_code == 200
    liens = [a.attrs["href"] for a in page(fiche).liens if a.texte == "Télécharger"]
    assert liens == [f"/admin/imports/import/{reussi.pk}/fichier/", f"/admin/imports/import/{reussi.pk}/sortie/"]
    assert "/admin/imports/import/add/" not in fiche.content.decode()
    assert client_gestionnaire.get("/admin/imports/import/add/").status_code == 403
    assert client_gestionnaire.get(f"/admin/imports/import/{reussi.pk}/delete/").status_code == 403


def test_admin_des_imports_telechargements(client_gestionnaire, deux_imports):
    reussi, en_erreur = deux_imports
    for import_demandes in (reussi, en_erreur):
        import_demandes.refresh_from_db()
        reponse = client_gestionnaire.get(f"/admin/imports/import/{import_demandes.pk}/fichier/")
        assert reponse.status_code == 200
        with import_demandes.fichier.open("rb") as flux:
            assert contenu_telecharge(reponse) == flux.read()
        assert f'filename="{import_demandes.nom_fichier}"' in reponse["Content-Disposition"]
        reponse = client_gestionnaire.get(f"/admin/imports/import/{import_demandes.pk}/sortie/")
        assert reponse.status_code == 200
        assert contenu_telecharge(reponse) == sortie_de(import_demandes)
        assert f'filename="{import_demandes.nom_fichier_sortie}"' in reponse["Content-Disposition"]
    assert b"E302" in sortie_de(en_erreur)
    assert client_gestionnaire.get("/admin/imports/import/999999/fichier/").status_code == 404
    sans_sortie = Import.objects.create(
        fournisseur=Fournisseur.objects.get(siret=SIRET_RELAIS),
        numero_ans="mlp525off1",
        type_demande="AVANCE",
        taux_tva="20",
        nom_fichier="x.json",
        sha256="0" * 64,
        fichier="imports/x.json",
    )
    assert client_gestionnaire.get(f"/admin/imports/import/{sans_sortie.pk}/sortie/").status_code == 404
    assert "fichier de sortie : —" in texte(
        client_gestionnaire.get(f"/admin/imports/import/{sans_sortie.pk}/change/"), lu=True
    ).lower().replace("\xa0", " ")


def test_admin_des_erreurs_de_ligne(client_gestionnaire, deux_imports):
    _, en_erreur = deux_imports
    reponse = client_gestionnaire.get("/admin/imports/erreurligne/", {"q": str(en_erreur.pk)})
    assert reponse.status_code == 200
    assert "E302" in texte(reponse, lu=True)
    assert client_gestionnaire.get("/admin/imports/erreurligne/add/").status_code == 403


# --- 4. the reference data admin ---------------------------------------------------------------


@pytest.mark.parametrize(
    "chemin, recherche, present, absent",
    [
        ("/admin/demandes/fournisseur/", "UNIKALO", "NUANCES UNIKALO", "RELAIS CAP"),
        ("/admin/demandes/fournisseur/", SIRET_RELAIS, "RELAIS CAP", "NUANCES UNIKALO"),
        ("/admin/demandes/solution/", "cpiPFI", "cpiPFI0001", "mlp525off1"),
        ("/admin/demandes/solution/", SIRET_HOPITAL, "bnd52qq600", "cpiPFI0001"),
        ("/admin/demandes/utilisateur/", "unikalo", "unikalo", "hopital"),
        ("/admin/demandes/utilisateur/", "SANTÉ NUMÉRIQUE", "hopital", "unikalo"),
        ("/admin/demandes/couloir/", "Médecin", "MDV", "Officine"),
        ("/admin/demandes/logiciel/", "DPI", "Dossier patient informatisé", "Logiciel de gestion de cabinet"),
        ("/admin/demandes/operateurmessagerie/", "MAI_15", "MAI_15", None),
        ("/admin/demandes/typepiece/", "BON_COMMANDE", "BON_COMMANDE", None),
    ],
)
def test_admin_des_referentiels_cherchable(client_gestionnaire, chemin, recherche, present, absent):
    assert client_gestionnaire.get(chemin).status_code == 200
    reponse = client_gestionnaire.get(chemin, {"q": recherche})
    assert reponse.status_code == 200
    contenu = texte(reponse, lu=True)
    assert present in contenu
    if absent:
        assert absent not in contenu
    assert 'name="q"' in reponse.content.decode()


def test_admin_des_referentiels_ajout_et_modification_sans_suppression(client_gestionnaire):
    fournisseur = Fournisseur.objects.get(siret=SIRET_UNIKALO)
    solution = Solution.objects.get(numero_ans="cpiPFI0001")
    for chemin in (
        "/admin/demandes/fournisseur/add/",
        f"/admin/demandes/fournisseur/{fournisseur.pk}/change/",
        "/admin/demandes/solution/add/",
        f"/admin/demandes/solution/{solution.pk}/change/",
        f"/admin/demandes/fournisseur/{fournisseur.pk}/history/",
    ):
        assert client_gestionnaire.get(chemin).status_code == 200, chemin
    for chemin in (
        f"/admin/demandes/fournisseur/{fournisseur.pk}/delete/",
        f"/admin/demandes/solution/{solution.pk}/delete/",
    ):
        assert client_gestionnaire.get(chemin).status_code == 403, chemin
    fiche = texte(client_gestionnaire.get(f"/admin/demandes/fournisseur/{fournisseur.pk}/change/"), lu=True)
    assert "cpiPFI0001" in fiche and "unikalo" in fiche  # its solutions and users
    assert "/admin/auth/group/" not in client_gestionnaire.get("/admin/").content.decode()
