"""Lines rejected at import time although their simulation passed: a beneficiary funded meanwhile
(E306, by the same fournisseur or another one of the couloir, whose number stays undisclosed), every
line rejected (no number burnt), a numéro éditeur taken meanwhile (E104); the screen, the table of
imports, the errors and the output file say so."""

import json

from demandes.models import CompteurDossier, Demande, Solution
from imports.models import ErreurLigne, Import
from tests.documents import (
    SIRET_UNIKALO,
    document_de,
    en_octets,
    finess,
    ligne,
)
from tests.factories import demande_vivante, solution_concurrente
from tests.imports.ecran_import import COLONNES_ERREURS
from tests.pages import (
    COLONNES_IMPORTS,
    page,
    pieces_listees,
    texte,
)
from tests.parcours import (
    import_de,
    importer_service,
    numeros,
    simuler,
    simuler_service,
    sortie_de,
)

# --- lines rejected at import time -----------------------------------------------------------


def _deux_lignes(document_ttc) -> bytes:
    return en_octets(
        document_de(document_ttc, ligne(document_ttc, 1, geo=[finess(1)]), ligne(document_ttc, 2, geo=[finess(2)]))
    )


def test_ligne_rejetee_a_l_import_par_un_autre_import_entre_temps(client_relais, document_ttc):
    import_demandes = import_de(simuler(client_relais, _deux_lignes(document_ttc), nom="deux.json"))
    assert import_demandes.simulation_reussie

    # Meanwhile another file of the same fournisseur funds the beneficiary of line 2.
    autre = import_de(
        simuler(
            client_relais,
            en_octets(document_de(document_ttc, ligne(document_ttc, 1, editeur="AUTRE1", geo=[finess(2)]))),
            nom="autre.json",
        )
    )
    client_relais.post(f"/imports/{autre.pk}/importer/")
    assert numeros() == ["FINMDV000001M0"]

    reponse = client_relais.post(f"/imports/{import_demandes.pk}/importer/")
    assert reponse["Location"] == f"/pieces-jointes/{import_demandes.pk}/"
    import_demandes.refresh_from_db()
    assert (import_demandes.nb_retenues, import_demandes.nb_rejetees) == (1, 1)
    assert import_demandes.etat == Import.Etat.IMPORTE
    retenue = Demande.objects.get(import_demandes=import_demandes)
    assert (retenue.numero_dossier, retenue.numero_editeur) == ("FINMDV000002M0", "00001")
    assert Demande.objects.count() == 2

    message = (
        f"le bénéficiaire {finess(2)} a déjà une demande d'avance en cours pour une solution MDV / LGC (FINMDV000001M0)"
    )
    document = json.loads(sortie_de(import_demandes))
    premiere, seconde = document["lignesImport"]
    assert (premiere["codeTraitement"], premiere["libelleTraitement"], premiere["numeroASP"]) == (
        "OK",
        "Demande créée : FINMDV000002M0",
        "FINMDV000002M0",
    )
    assert seconde["codeTraitement"] == "E306" and seconde["numeroASP"] is None
    assert seconde["libelleTraitement"] == f"E306 beneficiaires.structure.FINESSGeo[0] : {message}"

    ecran = client_relais.get(f"/imports/{import_demandes.pk}/")
    assert page(ecran).table(COLONNES_ERREURS) == [
        ["2", "00002", "E306", "beneficiaires.structure.FINESSGeo[0]", message]
    ]
    assert "1 demande(s) retenue(s), 1 demande(s) rejetée(s)" in texte(ecran)
    assert list(ErreurLigne.objects.filter(import_demandes=import_demandes).values_list("code", flat=True)) == ["E306"]

    lignes = page(client_relais.get("/imports/")).table(COLONNES_IMPORTS)[1:]
    ligne_import = next(l for l in lignes if l[0] == str(import_demandes.pk))
    assert ligne_import[4:8] == ["deux.json", "2", "1", "1"]

    etape = client_relais.get(f"/pieces-jointes/{import_demandes.pk}/")
    assert pieces_listees(etape) == {("MDV-LGC-Va1-BDC-00001.pdf", "PDF", "BON_COMMANDE")}
    assert "MDV-LGC-Va1-BDC-00002.pdf" not in texte(etape)


def test_ligne_rejetee_a_l_import_par_une_demande_d_un_autre_fournisseur(demo, document_ttc):
    """The duplicate was created directly in the database by another fournisseur of the same couloir
    and logiciel: the line is rejected and the other fournisseur's dossier number is not disclosed."""
    import_demandes = simuler_service("relais", _deux_lignes(document_ttc))
    assert import_demandes.simulation_reussie
    concurrente = solution_concurrente(SIRET_UNIKALO)
    demande_vivante(concurrente, identifiants=[finess(1)], numero="FINMDV000777", editeur="U1")

    importer_service("relais", import_demandes)
    import_demandes.refresh_from_db()
    assert (import_demandes.nb_retenues, import_demandes.nb_rejetees) == (1, 1)
    assert Demande.objects.get(import_demandes=import_demandes).numero_editeur == "00002"
    premiere = json.loads(sortie_de(import_demandes))["lignesImport"][0]
    assert premiere["codeTraitement"] == "E306" and premiere["numeroASP"] is None
    assert "FINMDV000777" not in premiere["libelleTraitement"]
    assert "pour une solution MDV / LGC" in premiere["libelleTraitement"]


def test_toutes_les_lignes_rejetees_a_l_import(client_relais, document_ttc):
    import_demandes = import_de(simuler(client_relais, _deux_lignes(document_ttc)))
    solution = Solution.objects.get(numero_ans="mlp525off1")
    demande_vivante(solution, identifiants=[finess(1)], numero="FINMDV000501", editeur="X1")
    demande_vivante(solution, identifiants=[finess(2)], numero="FINMDV000502", editeur="X2")

    reponse = client_relais.post(f"/imports/{import_demandes.pk}/importer/", follow=True)
    assert reponse.redirect_chain[-1] == (f"/pieces-jointes/{import_demandes.pk}/", 302)
    assert reponse.status_code == 200 and not pieces_listees(reponse)
    assert "MDV-LGC-Va1-BDC-0000" not in texte(reponse)
    import_demandes.refresh_from_db()
    assert (import_demandes.nb_retenues, import_demandes.nb_rejetees, import_demandes.etat) == (
        0,
        2,
        Import.Etat.IMPORTE,
    )
    assert not Demande.objects.filter(import_demandes=import_demandes).exists()
    assert CompteurDossier.objects.get(couloir__code="MDV").dernier == 0  # no number is burnt
    assert [l["codeTraitement"] for l in json.loads(sortie_de(import_demandes))["lignesImport"]] == ["E306", "E306"]


def test_numero_editeur_pris_entre_temps_rejete_en_e104(demo, document_ttc):
    import_demandes = simuler_service("relais", _deux_lignes(document_ttc))
    demande_vivante(
        Solution.objects.get(numero_ans="mlp525off1"), identifiants=[finess(40)], numero="FINMDV000600", editeur="00002"
    )
    importer_service("relais", import_demandes)
    import_demandes.refresh_from_db()
    assert (import_demandes.nb_retenues, import_demandes.nb_rejetees) == (1, 1)
    assert json.loads(sortie_de(import_demandes))["lignesImport"][1]["codeTraitement"] == "E104"
