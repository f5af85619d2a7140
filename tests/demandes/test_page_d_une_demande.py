"""The page of a demande (/demandes/<id>/, spec §7): its lines and beneficiaries, the history of its
statuses with their DSFR badges, the motif of a rejection; another supplier's or an unknown demande."""

import re
from decimal import Decimal

import pytest

from demandes.models import Demande
from demandes.valeurs import StatutDemande, StatutPaiement
from tests.documents import document_de, en_liberal, en_octets, ligne, rpps
from tests.pages import COLONNES_DEMANDES, badges, lignes_du_tableau, page, pieces_listees, texte
from tests.parcours import simuler_et_importer

# --- the demande page ---------------------------------------------------------------------


@pytest.fixture
def demande_importee(demo, document_ttc) -> Demande:
    structure = en_octets(document_de(document_ttc, ligne(document_ttc, 1, geo=["020015772", "020015111"])))
    simuler_et_importer("relais", structure)
    return Demande.objects.get()


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
