"""« Enregistrer un paiement » (spec §7): partial payments up to the demande's amount, the payment form
and its errors, a payment « en cours » then « effectué » being the same payment."""

import datetime
import re
from decimal import Decimal

import pytest
from django.utils import timezone

from demandes.models import Paiement
from demandes.valeurs import StatutDemande, StatutPaiement
from tests.factories import creer_demande
from tests.gestion.outils import agir, messages_de, statuts
from tests.pages import page, texte

# --- 3. the refusals ---------------------------------------------------------------------------


def test_paiements_partiels_puis_depassement(client_gestionnaire):
    demande = creer_demande(1, StatutDemande.DECIDEE)
    agir(
        client_gestionnaire,
        "enregistrer_un_paiement",
        [demande],
        montant="400.00",
        date_paiement="2024-03-01",
        statut=StatutPaiement.EFFECTUE,
    )
    reponse = agir(
        client_gestionnaire,
        "enregistrer_un_paiement",
        [demande],
        montant="600.00",
        date_paiement="2024-04-01",
        statut=StatutPaiement.EN_COURS,
    )
    assert messages_de(reponse) == [("success", "Paiement enregistré pour 1 demande(s).")]
    assert statuts(demande) == [(StatutDemande.DECIDEE, StatutPaiement.EN_COURS)]
    reponse = agir(
        client_gestionnaire,
        "enregistrer_un_paiement",
        [demande],
        montant="0.02",
        date_paiement="2024-04-02",
        statut=StatutPaiement.EN_COURS,
    )
    assert messages_de(reponse) == [
        (
            "error",
            "FINMDV000001M0 refusée : le total payé (1000.02 €) dépasserait le montant de la demande (1000.00 €).",
        )
    ]
    assert sorted(Paiement.objects.values_list("montant", "statut")) == [
        (Decimal("400.00"), StatutPaiement.EFFECTUE),
        (Decimal("600.00"), StatutPaiement.EN_COURS),
    ]
    assert statuts(demande) == [(StatutDemande.DECIDEE, StatutPaiement.EN_COURS)]


@pytest.mark.parametrize(
    "donnees, erreur",
    [
        ({"montant": "0", "date_paiement": "2024-03-01", "statut": "EFFECTUE"}, "supérieure ou égale à 0.01"),
        ({"montant": "-5.00", "date_paiement": "2024-03-01", "statut": "EFFECTUE"}, "supérieure ou égale à 0.01"),
        ({"montant": "12.345", "date_paiement": "2024-03-01", "statut": "EFFECTUE"}, "2 chiffres après la virgule"),
        ({"montant": "abc", "date_paiement": "2024-03-01", "statut": "EFFECTUE"}, "Saisissez un nombre."),
        ({"montant": "10.00", "date_paiement": "", "statut": "EFFECTUE"}, "Ce champ est obligatoire."),
        ({"montant": "10.00", "date_paiement": "2024-03-01", "statut": "PAYE"}, "Sélectionnez un choix valide"),
    ],
)
def test_formulaire_de_paiement_invalide(client_gestionnaire, donnees, erreur):
    demande = creer_demande(1, StatutDemande.DECIDEE)
    reponse = agir(client_gestionnaire, "enregistrer_un_paiement", [demande], **donnees)
    assert reponse.status_code == 200
    assert erreur in texte(reponse, lu=True)
    assert not Paiement.objects.exists() and statuts(demande) == [(StatutDemande.DECIDEE, "")]


def test_formulaire_de_paiement(client_gestionnaire):
    demande = creer_demande(1, StatutDemande.DECIDEE)
    reponse = agir(client_gestionnaire, "enregistrer_un_paiement", [demande])
    assert reponse.status_code == 200
    contenu = texte(reponse, lu=True)
    assert (
        "Enregistrer un paiement" in contenu and "FINMDV000001M0 — RELAIS CAP FRANCE AU GAI LOGIS — Décidée" in contenu
    )
    ecran = page(reponse)
    assert [o.texte for o in ecran.options["statut"]] == ["Paiement en cours", "Paiement effectué"]
    assert [o.attrs["value"] for o in ecran.options["statut"] if "selected" in o.attrs] == ["EN_COURS"]
    assert re.search(r'<input type="number" name="montant"', reponse.content.decode())
    assert not Paiement.objects.exists()


def test_date_du_paiement_pre_remplie_au_format_d_un_champ_date(client_gestionnaire):
    demande = creer_demande(1, StatutDemande.DECIDEE)
    reponse = agir(client_gestionnaire, "enregistrer_un_paiement", [demande])
    champ = re.search(r'<input type="date" name="date_paiement"[^>]*>', reponse.content.decode()).group(0)
    assert f'value="{timezone.localdate().isoformat()}"' in champ, champ


def test_paiement_d_un_centime_accepte(client_gestionnaire):
    demande = creer_demande(1, StatutDemande.DECIDEE)
    reponse = agir(
        client_gestionnaire,
        "enregistrer_un_paiement",
        [demande],
        montant="0.01",
        date_paiement="2024-03-01",
        statut=StatutPaiement.EN_COURS,
    )
    assert messages_de(reponse) == [("success", "Paiement enregistré pour 1 demande(s).")]
    assert Paiement.objects.get().montant == Decimal("0.01")


def test_paiement_en_cours_puis_effectue_est_le_meme_paiement(client_gestionnaire, gestionnaire):
    demande = creer_demande(1, StatutDemande.DECIDEE, montant="10750.50")
    reponse = agir(
        client_gestionnaire,
        "enregistrer_un_paiement",
        [demande],
        montant="10750.50",
        date_paiement="2024-03-01",
        statut=StatutPaiement.EN_COURS,
    )
    assert messages_de(reponse) == [("success", "Paiement enregistré pour 1 demande(s).")]
    paiement = Paiement.objects.get()
    assert (paiement.montant, paiement.statut, paiement.date_paiement, paiement.enregistre_par) == (
        Decimal("10750.50"),
        StatutPaiement.EN_COURS,
        datetime.date(2024, 3, 1),
        gestionnaire,
    )
    assert statuts(demande) == [(StatutDemande.DECIDEE, StatutPaiement.EN_COURS)]

    reponse = agir(
        client_gestionnaire,
        "enregistrer_un_paiement",
        [demande],
        montant="10750.50",
        date_paiement="2024-03-15",
        statut=StatutPaiement.EFFECTUE,
    )
    assert messages_de(reponse) == [("success", "Paiement enregistré pour 1 demande(s).")]
    assert Paiement.objects.count() == 1
    paiement.refresh_from_db()
    assert (paiement.statut, paiement.date_paiement) == (StatutPaiement.EFFECTUE, datetime.date(2024, 3, 15))
    assert statuts(demande) == [(StatutDemande.DECIDEE, StatutPaiement.EFFECTUE)]
    assert [
        (v.history_type, v.statut, v.history_user) for v in paiement.history.order_by("history_date", "history_id")
    ] == [("+", StatutPaiement.EN_COURS, gestionnaire), ("~", StatutPaiement.EFFECTUE, gestionnaire)]
    assert [(v.statut_paiement, v.history_user) for v in demande.history.order_by("history_date", "history_id")] == [
        ("", None),
        (StatutPaiement.EN_COURS, gestionnaire),
        (StatutPaiement.EFFECTUE, gestionnaire),
    ]
    # A second « effectué » of the whole amount would pay twice: refused.
    reponse = agir(
        client_gestionnaire,
        "enregistrer_un_paiement",
        [demande],
        montant="10750.50",
        date_paiement="2024-03-20",
        statut=StatutPaiement.EFFECTUE,
    )
    assert [niveau for niveau, _ in messages_de(reponse)] == ["error"]
    assert Paiement.objects.count() == 1
