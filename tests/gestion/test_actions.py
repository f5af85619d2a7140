"""The actions of the demande changelist (spec §7), on one demande or many: passer en instruction,
décider, rejeter (motif required, beneficiaries freed), each absurd transition refused with its
message and nothing changed; an action on the whole filtered list."""

import pytest
from django.utils import timezone

from demandes.models import Demande, Paiement
from demandes.valeurs import StatutDemande, StatutPaiement
from tests.documents import finess
from tests.factories import creer_demande
from tests.gestion.outils import LISTE, MOTIF_OBLIGATOIRE, agir, messages_de, statuts
from tests.pages import messages_de_la_page, texte

# --- 3. the actions: each transition -------------------------------------------------------


def test_passer_en_instruction_puis_decider(client_gestionnaire, gestionnaire):
    demande = creer_demande(1)
    avant = timezone.now()
    reponse = agir(client_gestionnaire, "passer_en_instruction", [demande])
    assert reponse.status_code == 302 and reponse["Location"] == LISTE
    assert messages_de(reponse) == [("success", "1 demande(s) passée(s) en instruction.")]
    assert statuts(demande) == [(StatutDemande.EN_INSTRUCTION, "")]

    reponse = agir(client_gestionnaire, "decider", [demande])
    assert messages_de(reponse) == [("success", "1 demande(s) décidée(s).")]
    assert statuts(demande) == [(StatutDemande.DECIDEE, "")]

    versions = list(demande.history.order_by("history_date", "history_id"))
    assert [(v.history_type, v.statut, v.history_user) for v in versions] == [
        ("+", StatutDemande.DEPOSEE, None),
        ("~", StatutDemande.EN_INSTRUCTION, gestionnaire),
        ("~", StatutDemande.DECIDEE, gestionnaire),
    ]
    assert all(avant <= v.history_date <= timezone.now() for v in versions[1:])


@pytest.mark.parametrize("depuis", [StatutDemande.DEPOSEE, StatutDemande.EN_INSTRUCTION])
def test_rejeter_avec_un_motif(client_gestionnaire, gestionnaire, depuis):
    demande = creer_demande(1, depuis)
    # The action first shows its form: nothing changes yet.
    reponse = agir(client_gestionnaire, "rejeter", [demande])
    assert reponse.status_code == 200
    contenu = texte(reponse, lu=True)
    assert "Rejeter des demandes" in contenu and "FINMDV000001M0" in contenu
    assert "Motif du rejet (affiché au fournisseur)" in contenu
    assert statuts(demande) == [(depuis, "")]

    reponse = agir(client_gestionnaire, "rejeter", [demande], motif="  Bon de commande illisible  ")
    assert reponse.status_code == 302
    assert messages_de(reponse) == [("success", "1 demande(s) rejetée(s).")]
    demande.refresh_from_db()
    assert (demande.statut, demande.motif_rejet) == (StatutDemande.REJETEE, "Bon de commande illisible")
    derniere = demande.history.order_by("-history_date", "-history_id").first()
    assert (derniere.statut, derniere.motif_rejet, derniere.history_user) == (
        StatutDemande.REJETEE,
        "Bon de commande illisible",
        gestionnaire,
    )


@pytest.mark.parametrize("motif", ["", "   \n "])
def test_rejeter_sans_motif_refuse_par_le_formulaire(client_gestionnaire, motif):
    demande = creer_demande(1, StatutDemande.EN_INSTRUCTION)
    reponse = agir(client_gestionnaire, "rejeter", [demande], motif=motif)
    assert reponse.status_code == 200
    assert MOTIF_OBLIGATOIRE in texte(reponse, lu=True)
    assert messages_de(reponse) == []
    assert statuts(demande) == [(StatutDemande.EN_INSTRUCTION, "")]
    demande.refresh_from_db()
    assert demande.motif_rejet == "" and demande.history.count() == 1


def test_un_rejet_libere_les_beneficiaires(client_gestionnaire):
    demande = creer_demande(1, beneficiaires=[("FINESS_GEO", finess(1))])
    agir(client_gestionnaire, "rejeter", [demande], motif="Hors périmètre")
    assert statuts(demande) == [(StatutDemande.REJETEE, "")]
    assert not demande.beneficiaires.filter(vivant=True).exists()


# --- 3. the refusals ---------------------------------------------------------------------------


PAYER = {"montant": "100.00", "date_paiement": "2024-03-01", "statut": StatutPaiement.EFFECTUE}


REFUS = [
    (
        StatutDemande.EN_ATTENTE_PIECES,
        "decider",
        {},
        "une demande « En attente des pièces » ne peut pas être décidée (elle doit être « En instruction »)",
    ),
    (
        StatutDemande.DEPOSEE,
        "decider",
        {},
        "une demande « Déposée » ne peut pas être décidée (elle doit être « En instruction »)",
    ),
    (
        StatutDemande.REJETEE,
        "decider",
        {},
        "une demande « Rejetée » ne peut pas être décidée (elle doit être « En instruction »)",
    ),
    (
        StatutDemande.EN_ATTENTE_PIECES,
        "passer_en_instruction",
        {},
        "une demande « En attente des pièces » ne peut pas être passée en instruction (elle doit être « Déposée »)",
    ),
    (
        StatutDemande.EN_INSTRUCTION,
        "passer_en_instruction",
        {},
        "une demande « En instruction » ne peut pas être passée en instruction (elle doit être « Déposée »)",
    ),
    (
        StatutDemande.DECIDEE,
        "passer_en_instruction",
        {},
        "une demande « Décidée » ne peut pas être passée en instruction (elle doit être « Déposée »)",
    ),
    (
        StatutDemande.ANNULEE,
        "passer_en_instruction",
        {},
        "une demande « Annulée » ne peut pas être passée en instruction (elle doit être « Déposée »)",
    ),
    (
        StatutDemande.EN_ATTENTE_PIECES,
        "rejeter",
        {"motif": "non"},
        "une demande « En attente des pièces » ne peut pas être rejetée "
        "(elle doit être « Déposée » ou « En instruction » ou « En attente de compléments »)",
    ),
    (
        StatutDemande.DECIDEE,
        "rejeter",
        {"motif": "non"},
        "une demande « Décidée » ne peut pas être rejetée (elle doit être « Déposée » ou « En instruction » ou « En attente de compléments »)",
    ),
    (
        StatutDemande.REJETEE,
        "rejeter",
        {"motif": "encore"},
        "une demande « Rejetée » ne peut pas être rejetée (elle doit être « Déposée » ou « En instruction » ou « En attente de compléments »)",
    ),
    (
        StatutDemande.REJETEE,
        "enregistrer_un_paiement",
        PAYER,
        "seule une demande « Décidée » peut recevoir un paiement (statut actuel : « Rejetée »)",
    ),
    (
        StatutDemande.EN_INSTRUCTION,
        "enregistrer_un_paiement",
        PAYER,
        "seule une demande « Décidée » peut recevoir un paiement (statut actuel : « En instruction »)",
    ),
    (
        StatutDemande.ANNULEE,
        "enregistrer_un_paiement",
        PAYER,
        "seule une demande « Décidée » peut recevoir un paiement (statut actuel : « Annulée »)",
    ),
    (
        StatutDemande.DECIDEE,
        "enregistrer_un_paiement",
        {**PAYER, "montant": "1000.01"},
        "le total payé (1000.01 €) dépasserait le montant de la demande (1000.00 €)",
    ),
]


@pytest.mark.parametrize(
    "depuis, action, donnees, raison",
    REFUS,
    ids=[f"{action}-{depuis}-{i}" for i, (depuis, action, _, _) in enumerate(REFUS)],
)
def test_transition_absurde_refusee_avec_un_message(client_gestionnaire, depuis, action, donnees, raison):
    demande = creer_demande(1, depuis)
    demande.motif_rejet = "motif initial" if depuis == StatutDemande.REJETEE else ""
    demande.save()
    historique = demande.history.count()
    reponse = agir(client_gestionnaire, action, [demande], **donnees)
    assert reponse.status_code == 302
    assert messages_de(reponse) == [("error", f"FINMDV000001M0 refusée : {raison}.")]
    demande.refresh_from_db()
    assert (demande.statut, demande.statut_paiement) == (depuis, "")
    assert demande.motif_rejet == ("motif initial" if depuis == StatutDemande.REJETEE else "")
    assert demande.history.count() == historique
    assert not Paiement.objects.exists()


def test_plusieurs_demandes_a_la_fois(client_gestionnaire, gestionnaire):
    d1, d2 = creer_demande(1), creer_demande(2)
    d3 = creer_demande(3, StatutDemande.EN_ATTENTE_PIECES)
    d4 = creer_demande(4, StatutDemande.DECIDEE)
    d5 = creer_demande(5, StatutDemande.DEPOSEE)
    toutes = [d1, d2, d3, d4, d5]

    reponse = agir(client_gestionnaire, "passer_en_instruction", [d1, d2, d3, d4])
    messages = messages_de(reponse)
    assert messages[0] == ("success", "2 demande(s) passée(s) en instruction.")
    assert sorted(messages[1:]) == [
        (
            "error",
            "FINMDV000003M0 refusée : une demande « En attente des pièces » ne peut pas être passée en "
            "instruction (elle doit être « Déposée »).",
        ),
        (
            "error",
            "FINMDV000004M0 refusée : une demande « Décidée » ne peut pas être passée en instruction "
            "(elle doit être « Déposée »).",
        ),
    ]
    assert [s for s, _ in statuts(*toutes)] == [
        StatutDemande.EN_INSTRUCTION,
        StatutDemande.EN_INSTRUCTION,
        StatutDemande.EN_ATTENTE_PIECES,
        StatutDemande.DECIDEE,
        StatutDemande.DEPOSEE,
    ]

    reponse = agir(client_gestionnaire, "decider", [d1, d3])
    assert messages_de(reponse) == [
        ("success", "1 demande(s) décidée(s)."),
        (
            "error",
            "FINMDV000003M0 refusée : une demande « En attente des pièces » ne peut pas être décidée "
            "(elle doit être « En instruction »).",
        ),
    ]

    reponse = agir(client_gestionnaire, "rejeter", [d2, d4, d5], motif="Montant non justifié")
    assert messages_de(reponse) == [
        ("success", "2 demande(s) rejetée(s)."),
        (
            "error",
            "FINMDV000004M0 refusée : une demande « Décidée » ne peut pas être rejetée "
            "(elle doit être « Déposée » ou « En instruction » ou « En attente de compléments »).",
        ),
    ]
    assert set(Demande.objects.filter(motif_rejet="Montant non justifié").values_list("numero", flat=True)) == {
        "FINMDV000002",
        "FINMDV000005",
    }

    reponse = agir(
        client_gestionnaire,
        "enregistrer_un_paiement",
        toutes,
        montant="1000.00",
        date_paiement="2024-05-02",
        statut=StatutPaiement.EFFECTUE,
    )
    messages = messages_de(reponse)
    assert messages[0] == ("success", "Paiement enregistré pour 2 demande(s).")
    assert sorted(messages[1:]) == sorted(
        [
            (
                "error",
                "FINMDV000002M0 refusée : seule une demande « Décidée » peut recevoir un paiement "
                "(statut actuel : « Rejetée »).",
            ),
            (
                "error",
                "FINMDV000003M0 refusée : seule une demande « Décidée » peut recevoir un paiement "
                "(statut actuel : « En attente des pièces »).",
            ),
            (
                "error",
                "FINMDV000005M0 refusée : seule une demande « Décidée » peut recevoir un paiement "
                "(statut actuel : « Rejetée »).",
            ),
        ]
    )
    assert statuts(*toutes) == [
        (StatutDemande.DECIDEE, StatutPaiement.EFFECTUE),
        (StatutDemande.REJETEE, ""),
        (StatutDemande.EN_ATTENTE_PIECES, ""),
        (StatutDemande.DECIDEE, StatutPaiement.EFFECTUE),
        (StatutDemande.REJETEE, ""),
    ]
    assert set(Paiement.objects.values_list("demande__numero", flat=True)) == {"FINMDV000001", "FINMDV000004"}
    # Every change by the manager, none for the refusals.
    assert {v.history_user for v in Demande.history.filter(history_type="~")} == {gestionnaire}
    assert [d.history.filter(history_type="~").count() for d in toutes] == [3, 2, 0, 1, 1]


def test_action_sur_toute_la_liste_filtree(client_gestionnaire):
    """« Tout sélectionner » (select_across) on a filtered list acts on the filtered demandes only."""
    for n in range(1, 4):
        creer_demande(n)
    autre = creer_demande(4, StatutDemande.EN_INSTRUCTION)
    reponse = client_gestionnaire.post(
        f"{LISTE}?statut__exact=DEPOSEE",
        {
            "action": "passer_en_instruction",
            "select_across": "1",
            "index": "0",
            "_selected_action": [Demande.objects.filter(statut=StatutDemande.DEPOSEE).first().pk],
        },
    )
    assert reponse.status_code == 302 and reponse["Location"] == f"{LISTE}?statut__exact=DEPOSEE"
    assert messages_de_la_page(client_gestionnaire.get(reponse["Location"])) == [
        ("success", "3 demande(s) passée(s) en instruction.")
    ]
    assert Demande.objects.filter(statut=StatutDemande.EN_INSTRUCTION).count() == 4
    assert autre.history.count() == 1
