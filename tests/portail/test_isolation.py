"""A supplier sees and downloads only its own imports, demandes, output files and pieces (spec §7):
every supplier URL answers 404 for another supplier's object, the lists and CSV exports never hold
another supplier's rows, anonymous users are sent to the login page."""

import json
from urllib.parse import quote

import pytest

from demandes.models import Demande
from imports.models import Import
from tests.documents import SIRET_UNIKALO, document_de, en_octets, finess, ligne
from tests.factories import solution_concurrente
from tests.pages import contenu_telecharge, page, texte
from tests.parcours import simuler_et_importer, simuler_service, utilisateur


@pytest.fixture
def objets(demo, document_ttc):
    """relais: one imported file (FINMDV000001M0, FINMDV000002M0) and one simulated only;
    unikalo: one imported file (FINHOP000001M0) on cpiPFI0001."""
    importe = simuler_et_importer(
        "relais",
        en_octets(
            document_de(document_ttc, ligne(document_ttc, 1, geo=[finess(1)]), ligne(document_ttc, 2, geo=[finess(2)]))
        ),
        nom="relais-importe.json",
    )
    simule = simuler_service(
        "relais",
        en_octets(document_de(document_ttc, ligne(document_ttc, 1, editeur="S1", geo=[finess(3)]))),
        nom="relais-simule.json",
    )
    assert simule.importable
    unikalo = simuler_et_importer(
        "unikalo",
        en_octets(
            document_de(
                document_ttc,
                ligne(document_ttc, 1, editeur="U1", geo=[finess(9)], prefixe="HOP-PFI-Va1"),
                numero_ans="cpiPFI0001",
                siret=SIRET_UNIKALO,
            )
        ),
        numero_ans="cpiPFI0001",
        nom="unikalo-importe.json",
    )
    return {
        "relais_importe": importe,
        "relais_simule": simule,
        "unikalo_importe": unikalo,
        "demande_relais": Demande.objects.get(numero="FINMDV000001"),
        "demande_unikalo": Demande.objects.get(numero="FINHOP000001"),
    }


def urls_objet(import_demandes, demande) -> list[str]:
    pk = import_demandes.pk
    return [
        f"/imports/{pk}/",
        f"/imports/{pk}/sortie/",
        f"/imports/{pk}/fichier/",
        f"/pieces-jointes/{pk}/",
        f"/demandes/{demande.pk}/",
    ]


def contenu_visible(reponse) -> str:
    """A CSV export as a whole; for a page, its tables and the targets of its links (the criteria
    typed by the user are echoed in the form and the sort links, and are not data)."""
    if reponse.streaming:
        return contenu_telecharge(reponse).decode("utf-8")
    vue = page(reponse)
    cellules = [cellule for table in vue.tables for ligne in table for cellule in ligne]
    liens = [a.attrs.get("href", "") for a in vue.liens if "?" not in a.attrs.get("href", "")]
    return "\n".join(cellules + liens + [a.texte for a in vue.liens])


def test_le_proprietaire_accede_a_ses_objets(client, objets):
    """The 404s below are not those of missing objects: their owner reaches every one of them."""
    client.force_login(utilisateur("relais"))
    for url in urls_objet(objets["relais_importe"], objets["demande_relais"]):
        assert client.get(url).status_code == 200, url
    for url in (
        f"/imports/{objets['relais_simule'].pk}/",
        f"/imports/{objets['relais_simule'].pk}/sortie/",
        f"/imports/{objets['relais_simule'].pk}/fichier/",
    ):
        assert client.get(url).status_code == 200, url
    client.force_login(utilisateur("unikalo"))
    for url in urls_objet(objets["unikalo_importe"], objets["demande_unikalo"]):
        assert client.get(url).status_code == 200, url


@pytest.mark.parametrize("cle_import", ["relais_importe", "relais_simule"])
def test_urls_d_un_autre_fournisseur_en_404(client, objets, cle_import):
    client.force_login(utilisateur("unikalo"))
    import_demandes = objets[cle_import]
    for url in urls_objet(import_demandes, objets["demande_relais"]):
        reponse = client.get(url)
        assert reponse.status_code == 404, url
        assert b"relais-" not in reponse.content and b"FINMDV" not in reponse.content


def test_importer_l_import_d_un_autre_fournisseur_en_404(client, objets):
    client.force_login(utilisateur("unikalo"))
    simule = objets["relais_simule"]
    avant = Demande.objects.count()
    for import_demandes in (simule, objets["relais_importe"]):
        assert client.post(f"/imports/{import_demandes.pk}/importer/").status_code == 404
    simule.refresh_from_db()
    assert simule.etat == Import.Etat.SIMULE and simule.importable
    assert Demande.objects.count() == avant
    # hopital, another supplier in unikalo's couloir, cannot reach unikalo's objects either
    client.force_login(utilisateur("hopital"))
    for url in urls_objet(objets["unikalo_importe"], objets["demande_unikalo"]):
        assert client.get(url).status_code == 404, url
    assert client.post(f"/imports/{objets['unikalo_importe'].pk}/importer/").status_code == 404


def test_listes_et_exports_sans_les_lignes_des_autres(client, objets):
    client.force_login(utilisateur("unikalo"))
    for url in (
        "/",
        "/imports/",
        "/imports/?export=csv",
        "/demandes/",
        "/demandes/?export=csv",
        "/imports/?numero_ans=mlp525off1",
        "/imports/?f_nom=relais",
        "/demandes/?numero=FINMDV",
        "/demandes/?numero=FINMDV000001M0",
        "/demandes/?logiciel=LGC",
        "/demandes/?export=csv&numero=FINMDV",
        f"/imports/?export=csv&f_id={objets['relais_importe'].pk}",
        f"/imports/?f_id={objets['relais_importe'].pk}",
        "/imports/?sort=nom_fichier&par_page=100",
        "/demandes/?sort=numero&par_page=100",
    ):
        reponse = client.get(url)
        assert reponse.status_code == 200, url
        contenu = contenu_visible(reponse)
        for etranger in ("relais-importe.json", "relais-simule.json", "FINMDV000001", "FINMDV000002", "mlp525off1"):
            assert etranger not in contenu, (url, etranger)
    assert "unikalo-importe.json" in texte(client.get("/imports/"))
    assert "FINHOP000001M0" in texte(client.get("/demandes/"))
    assert "FINHOP000001M0" in contenu_telecharge(client.get("/demandes/?export=csv")).decode("utf-8")

    client.force_login(utilisateur("relais"))
    for url in ("/imports/", "/imports/?export=csv", "/demandes/", "/demandes/?export=csv", "/demandes/?numero=FINHOP"):
        contenu = contenu_visible(client.get(url))
        assert "unikalo-importe.json" not in contenu and "FINHOP000001" not in contenu, url


def test_compteurs_de_l_accueil_par_fournisseur(client, objets):
    client.force_login(utilisateur("hopital"))
    contenu = texte(client.get("/"))
    assert "Aucune demande déposée pour le moment." in contenu
    assert "Importés, pièces jointes à déposer : 0" in contenu and "Simulés, en attente d'import : 0" in contenu
    client.force_login(utilisateur("relais"))
    contenu = texte(client.get("/"), lu=True)  # each status in its badge
    assert "Importés, pièces jointes à déposer : 1" in contenu and "Simulés, en attente d'import : 1" in contenu
    assert "En attente des pièces : 2" in contenu


def test_e306_ne_revele_pas_le_dossier_d_un_autre_fournisseur(client, objets, document_ttc):
    """unikalo funds, on its own MDV / LGC solution, the beneficiary of FINMDV000001M0 (relais)."""
    solution_concurrente(SIRET_UNIKALO)
    client.force_login(utilisateur("unikalo"))
    import_demandes = simuler_service(
        "unikalo",
        en_octets(
            document_de(
                document_ttc,
                ligne(document_ttc, 1, editeur="U9", geo=[finess(1)]),
                numero_ans="conc525lgc",
                siret=SIRET_UNIKALO,
            )
        ),
        numero_ans="conc525lgc",
    )
    assert list(import_demandes.erreurs.values_list("code", flat=True)) == ["E306"]
    ecran = texte(client.get(f"/imports/{import_demandes.pk}/"))
    sortie = contenu_telecharge(client.get(f"/imports/{import_demandes.pk}/sortie/")).decode("utf-8")
    assert "E306" in ecran and "E306" in sortie
    for contenu in (ecran, sortie):
        assert "FINMDV000001" not in contenu and "RELAIS" not in contenu
    assert json.loads(sortie)["lignesImport"][0]["numeroASP"] is None


def test_modifier_ou_annuler_le_dossier_d_un_autre_fournisseur(objets, document_ttc):
    """A numeroASP of another supplier is unknown to the supplier (E103), even for the same couloir."""
    solution_concurrente(SIRET_UNIKALO)
    for action in ("M", "A"):
        import_demandes = simuler_service(
            "unikalo",
            en_octets(
                document_de(
                    document_ttc,
                    ligne(document_ttc, 1, editeur="U9", action=action, numero_asp="FINMDV000001M0", geo=[finess(1)]),
                    numero_ans="conc525lgc",
                    siret=SIRET_UNIKALO,
                )
            ),
            numero_ans="conc525lgc",
        )
        erreurs = list(import_demandes.erreurs.values_list("code", "message"))
        assert ("E103", "la demande FINMDV000001M0 n'existe pas parmi vos demandes") in erreurs
    demande = Demande.objects.get(numero="FINMDV000001")
    assert demande.version == 0 and demande.statut == "EN_ATTENTE_PIECES"


def test_gestionnaire_n_a_pas_l_espace_fournisseur(client, objets):
    client.force_login(utilisateur("gestionnaire"))
    for url in urls_objet(objets["relais_importe"], objets["demande_relais"]) + [
        "/imports/?export=csv",
        "/demandes/?export=csv",
    ]:
        assert client.get(url).status_code == 403, url
    assert client.post(f"/imports/{objets['relais_simule'].pk}/importer/").status_code == 403
    objets["relais_simule"].refresh_from_db()
    assert objets["relais_simule"].importable


def test_anonyme_renvoye_vers_la_connexion(client, objets):
    urls = urls_objet(objets["relais_importe"], objets["demande_relais"]) + [
        "/",
        "/imports/",
        "/demandes/",
        "/imports/?export=csv",
        "/demandes/?export=csv",
        f"/imports/{objets['relais_simule'].pk}/",
    ]
    for url in urls:
        reponse = client.get(url)
        assert reponse.status_code == 302, url
        assert reponse["Location"] == f"/connexion/?next={quote(url, safe='/')}", url
        assert "Content-Disposition" not in reponse
    for import_demandes in (objets["relais_simule"], objets["relais_importe"]):
        reponse = client.post(f"/imports/{import_demandes.pk}/importer/")
        assert reponse.status_code == 302
        assert reponse["Location"] == f"/connexion/?next=/imports/{import_demandes.pk}/importer/"
    objets["relais_simule"].refresh_from_db()
    assert objets["relais_simule"].importable
