"""The history of a demande in the admin (who changed its status, when; no way back to an old status)
and what the supplier then sees: the decision, the payment, the rejection and its motif."""

import pytest
from django.utils import timezone

from demandes.valeurs import StatutDemande, StatutPaiement
from tests.factories import creer_demande, nouveau_staff
from tests.gestion.outils import LISTE, agir, statuts
from tests.pages import badges, lire_csv, page, texte
from tests.parcours import utilisateur

# --- 3. history visible in the admin -------------------------------------------------------


def test_historique_visible_dans_l_admin(client_gestionnaire, gestionnaire):
    demande = creer_demande(1)
    agir(client_gestionnaire, "passer_en_instruction", [demande])
    agir(client_gestionnaire, "decider", [demande])
    agir(
        client_gestionnaire,
        "enregistrer_un_paiement",
        [demande],
        montant="1000.00",
        date_paiement="2024-03-01",
        statut=StatutPaiement.EFFECTUE,
    )
    fiche = client_gestionnaire.get(f"{LISTE}{demande.pk}/change/")
    assert (
        page(fiche).lien("Historique détaillé (toutes les modifications)").attrs["href"]
        == f"{LISTE}{demande.pk}/history/"
    )
    reponse = client_gestionnaire.get(f"{LISTE}{demande.pk}/history/")
    assert reponse.status_code == 200
    lignes = [l for l in next(t for t in page(reponse).tables if t and t[0][:1] == ["Objet"]) if l]
    assert lignes[0][:4] == ["Objet", "Date/heure", "Commentaire", "Modifié par"]
    auteurs = [l[3] for l in lignes[1:]]
    assert auteurs == ["gestionnaire", "gestionnaire", "gestionnaire", "Aucun(e)"]  # newest first
    changements = " ".join(l[-1] for l in lignes[1:])
    assert "DEPOSEE" in changements and "EN_INSTRUCTION" in changements and "DECIDEE" in changements
    assert "EFFECTUE" in changements
    dates = [v.history_date for v in demande.history.all()]
    assert all(d <= timezone.now() for d in dates)
    # The payment itself, on the demande's page.
    entetes = ["Date du paiement", "Montant", "Statut", "Versé sur le compte", "Enregistré par", "Enregistré le"]
    assert page(fiche).table(entetes)[0][:5] == [
        "01/03/2024",
        "1 000,00 €",
        "Paiement effectué",
        "FR76 •••• •••• •••• •••• •••• 049",  # relais's validated bank details (seed_demo)
        "gestionnaire",
    ]


@pytest.mark.parametrize("qui", ["gestionnaire", "lecture-seule"])
def test_l_historique_ne_permet_pas_de_revenir_a_un_ancien_statut(client, demo, qui):
    demande = creer_demande(1)
    client.force_login(utilisateur("gestionnaire"))
    agir(client, "rejeter", [demande], motif="Pièce illisible")
    assert statuts(demande) == [(StatutDemande.REJETEE, "")]
    premiere = demande.history.order_by("history_date", "history_id").first()
    if qui == "lecture-seule":
        client.force_login(nouveau_staff("auditeur", "demandes.view_demande"))
    client.post(f"{LISTE}{demande.pk}/history/{premiere.history_id}/", {})
    demande.refresh_from_db()
    assert (demande.statut, demande.motif_rejet) == (StatutDemande.REJETEE, "Pièce illisible")


# --- 3. what the supplier sees -----------------------------------------------------------------


def test_le_fournisseur_voit_la_decision_et_le_paiement(client, demande_importee_avec_piece):
    demande = demande_importee_avec_piece
    client.force_login(utilisateur("gestionnaire"))
    agir(client, "passer_en_instruction", [demande])
    agir(client, "decider", [demande])
    agir(
        client,
        "enregistrer_un_paiement",
        [demande],
        montant="5000.00",
        date_paiement="2024-03-01",
        statut=StatutPaiement.EN_COURS,
    )
    client.force_login(utilisateur("relais"))
    reponse = client.get(f"/demandes/{demande.pk}/")
    assert badges(reponse) == ["Décidée", "Paiement en cours"]

    client.force_login(utilisateur("gestionnaire"))
    agir(
        client,
        "enregistrer_un_paiement",
        [demande],
        montant="5000.00",
        date_paiement="2024-03-10",
        statut=StatutPaiement.EFFECTUE,
    )

    client.force_login(utilisateur("relais"))
    reponse = client.get(f"/demandes/{demande.pk}/")
    assert reponse.status_code == 200
    assert badges(reponse) == ["Décidée", "Paiement effectué"]
    assert "Motif du rejet" not in texte(reponse, lu=True)
    etapes = [l[1:] for l in page(reponse).table(["Date", "Statut", "Statut du dernier paiement"])]
    assert etapes == [
        ["En attente des pièces", "—"],
        ["Déposée", "—"],
        ["En instruction", "—"],
        ["Décidée", "—"],
        ["Décidée", "Paiement en cours"],
        ["Décidée", "Paiement effectué"],
    ]
    liste = client.get("/demandes/")
    ligne_demande = [l for l in page(liste).tables[0] if l and l[0] == "FINMDV000001M0"]
    assert len(ligne_demande) == 1 and ligne_demande[0][-2:] == ["Décidée", "Paiement effectué"]
    export = lire_csv(client.get("/demandes/?export=csv&statut=DECIDEE"))
    assert [l[0] for l in export[1:]] == ["FINMDV000001M0"]
    assert export[1][7:9] == ["Décidée", "Paiement effectué"]
    # Another supplier sees nothing of it.
    client.force_login(utilisateur("unikalo"))
    assert client.get(f"/demandes/{demande.pk}/").status_code == 404


def test_le_fournisseur_voit_le_rejet_et_son_motif(client, demande_importee_avec_piece):
    demande = demande_importee_avec_piece
    motif = "Bon de commande <b>illisible</b> & non signé"
    client.force_login(utilisateur("gestionnaire"))
    agir(client, "rejeter", [demande], motif=motif)
    client.force_login(utilisateur("relais"))
    reponse = client.get(f"/demandes/{demande.pk}/")
    assert badges(reponse) == ["Rejetée"]
    contenu = texte(reponse, lu=True)
    assert "Motif du rejet" in contenu and motif in contenu
    assert "<b>illisible</b>" not in reponse.content.decode()  # escaped, not interpreted
    ligne_demande = [l for l in page(client.get("/demandes/")).tables[0] if l and l[0] == "FINMDV000001M0"]
    assert ligne_demande[0][-2:] == ["Rejetée", "—"]
