"""« Refuser la demande » and « Demander un complément »: the text for the vendor is required (the
manager is told, in French, nothing changes), the decision is historised with who and why, and the
contact receives the motif — or the message and the signed link to complete the request. A failed
sending does not undo the decision: the manager sees a warning."""

from unittest import mock
from urllib.parse import urlsplit

import pytest
from django.conf import settings

from demandes.enrolement import liens
from demandes.models import DemandeEnrolement
from tests.pages import messages_de_la_page, page, texte

from .outils_instruction import (
    COMPLEMENT,
    CONTACT,
    LISTE,
    REFUSER,
    SIRET_NOUVEAU,
    decider,
    decisions_offertes,
    demande_enrolement,
    fiche,
    ligne_referentiel,
)

Statut = DemandeEnrolement.Statut
MOTIF = "Le RIB joint est au nom d'une autre société que celle du SIRET."
MESSAGE = "Joignez un RIB au nom de la société ÉDITIONS LOGICIELLES DU SUD."


@pytest.fixture
def demande(demo):
    ligne_referentiel("ans0000001")
    return demande_enrolement(["ans0000001"])


def historique(client, demande) -> list[list[str]]:
    lignes = page(client.get(fiche(demande))).table(["Date", "Par", "Statut", "Étape", "Motif ou message"])
    return [ligne[1:] for ligne in lignes]


# --- Refusal ----------------------------------------------------------------------------------------


def test_refuser_envoie_le_motif_au_demandeur(client_gestionnaire, gestionnaire, demande, mailoutbox):
    reponse = decider(client_gestionnaire, demande, REFUSER, motif=f"  {MOTIF}  ")
    assert reponse.redirect_chain[-1][0] == fiche(demande)
    assert messages_de_la_page(reponse) == [("success", f"Demande refusée : le motif a été envoyé à {CONTACT}.")]
    demande.refresh_from_db()
    assert (demande.statut, demande.motif, demande.instruite_par) == (Statut.REFUSEE, MOTIF, gestionnaire)
    assert demande.date_decision is not None and demande.fournisseur_id is None

    (courriel,) = mailoutbox
    assert courriel.to == [CONTACT]
    assert courriel.subject == "Portail Ségur numérique : votre demande d'accès n'est pas acceptée"
    assert "Bonjour Marie Durand," in courriel.body
    assert f"ÉDITIONS LOGICIELLES DU SUD (SIRET {SIRET_NOUVEAU})" in courriel.body
    assert f"Motif du refus :\n{MOTIF}\n" in courriel.body
    assert "« Demander un accès »" in courriel.body

    assert historique(client_gestionnaire, demande) == [
        ["le demandeur", "À vérifier", "Création", "—"],
        ["gestionnaire", "Refusée", "Demande refusée", MOTIF],
    ]
    contenu = texte(client_gestionnaire.get(fiche(demande)), lu=True)
    assert f"Motif du refus {MOTIF}" in contenu
    assert "Aucune décision n'est possible depuis le statut « Refusée »." in contenu


@pytest.mark.parametrize("saisi", ["", "   \n  "])
def test_le_motif_du_refus_est_obligatoire(client_gestionnaire, demande, mailoutbox, saisi):
    reponse = decider(client_gestionnaire, demande, REFUSER, motif=saisi)
    assert reponse.status_code == 200 and reponse.redirect_chain == []
    contenu = texte(reponse, lu=True)
    assert "Le motif du refus est obligatoire : il est envoyé au demandeur." in contenu
    assert "La décision n'a pas été enregistrée : corrigez l'erreur signalée dans le formulaire ci-dessous." in contenu
    demande.refresh_from_db()
    assert demande.statut == Statut.A_VERIFIER and demande.motif == ""
    assert mailoutbox == []


def test_une_demande_en_attente_de_complement_peut_etre_refusee(client_gestionnaire, demo, mailoutbox):
    demande = demande_enrolement(statut=Statut.COMPLEMENT_DEMANDE, motif="Un RIB lisible.")
    assert decisions_offertes(client_gestionnaire.get(fiche(demande))) == ["Confirmer le refus"]
    decider(client_gestionnaire, demande, REFUSER, motif="Aucune réponse depuis un mois.")
    demande.refresh_from_db()
    assert (demande.statut, demande.motif) == (Statut.REFUSEE, "Aucune réponse depuis un mois.")
    assert len(mailoutbox) == 1


@pytest.mark.parametrize("statut", [Statut.ADRESSE_A_CONFIRMER, Statut.VALIDEE, Statut.REFUSEE])
def test_refuser_hors_instruction_est_refuse(client_gestionnaire, demo, mailoutbox, statut):
    demande = demande_enrolement(statut=statut)
    reponse = client_gestionnaire.post(f"{LISTE}{demande.pk}/decision/refuser/", {"motif": MOTIF}, follow=True)
    assert messages_de_la_page(reponse) == [
        ("error", f"« Refuser la demande » n'a pas été appliqué : la demande est « {Statut(statut).label} »")
    ]
    demande.refresh_from_db()
    assert demande.statut == statut and demande.motif == ""
    assert mailoutbox == []


def test_l_echec_du_courriel_de_refus_n_annule_pas_le_refus(client_gestionnaire, demande, mailoutbox):
    with mock.patch("django.core.mail.EmailMultiAlternatives.send", side_effect=OSError("SMTP indisponible")):
        reponse = decider(client_gestionnaire, demande, REFUSER, motif=MOTIF)
    assert messages_de_la_page(reponse) == [
        (
            "warning",
            f"Demande refusée, mais le courriel n'a pas pu être envoyé à {CONTACT} : faites connaître le motif "
            "au demandeur par un autre moyen.",
        )
    ]
    demande.refresh_from_db()
    assert demande.statut == Statut.REFUSEE


# --- Complément -------------------------------------------------------------------------------------


def test_demander_un_complement_envoie_le_message_et_le_lien(client_gestionnaire, gestionnaire, demande, mailoutbox):
    reponse = decider(client_gestionnaire, demande, COMPLEMENT, message=MESSAGE)
    assert messages_de_la_page(reponse) == [
        (
            "success",
            f"Complément demandé : votre message et le lien pour compléter la demande ont été envoyés à {CONTACT}.",
        )
    ]
    demande.refresh_from_db()
    assert (demande.statut, demande.motif, demande.instruite_par) == (
        Statut.COMPLEMENT_DEMANDE,
        MESSAGE,
        gestionnaire,
    )

    (courriel,) = mailoutbox
    assert courriel.to == [CONTACT]
    assert courriel.subject == "Portail Ségur numérique : votre demande d'accès est à compléter"
    assert f"\n{MESSAGE}\n" in courriel.body
    assert "valable 30 jours" in courriel.body
    # The link: the portal's public address, the page « completer » of the public pages, a signed
    # token that names this request and its contact (the page itself is another part's).
    (lien,) = [ligne for ligne in courriel.body.split() if ligne.startswith(settings.SEGUR_URL_PORTAIL)]
    chemin = urlsplit(lien).path
    assert chemin.startswith("/demander-un-acces/completer/") and chemin.endswith("/")
    jeton = chemin.removeprefix("/demander-un-acces/completer/").strip("/")
    assert liens.id_du_jeton(jeton, "completer", validite=liens.VALIDITE_COMPLEMENT) == (demande.pk, CONTACT)
    assert liens.id_du_jeton(jeton, "confirmer", validite=liens.VALIDITE_CONFIRMATION) is None

    assert historique(client_gestionnaire, demande)[-1] == [
        "gestionnaire",
        "Complément demandé",
        "Complément demandé",
        MESSAGE,
    ]
    # Waiting for the vendor: only a refusal remains possible.
    assert decisions_offertes(client_gestionnaire.get(fiche(demande))) == ["Confirmer le refus"]


def test_le_message_du_complement_est_obligatoire(client_gestionnaire, demande, mailoutbox):
    reponse = decider(client_gestionnaire, demande, COMPLEMENT, message=" ")
    assert reponse.status_code == 200
    assert "Le message au demandeur est obligatoire : indiquez ce qui doit être complété." in texte(reponse, lu=True)
    demande.refresh_from_db()
    assert demande.statut == Statut.A_VERIFIER
    assert mailoutbox == []


def test_un_complement_ne_se_demande_pas_deux_fois(client_gestionnaire, demo, mailoutbox):
    demande = demande_enrolement(statut=Statut.COMPLEMENT_DEMANDE, motif="Premier message.")
    reponse = client_gestionnaire.post(
        f"{LISTE}{demande.pk}/decision/complement/", {"message": "Second message."}, follow=True
    )
    assert messages_de_la_page(reponse) == [
        ("error", "« Demander un complément » n'a pas été appliqué : la demande est « Complément demandé »")
    ]
    demande.refresh_from_db()
    assert demande.motif == "Premier message."
    assert mailoutbox == []


def test_l_echec_du_courriel_de_complement_donne_le_lien_au_gestionnaire(client_gestionnaire, demande):
    with mock.patch("django.core.mail.EmailMultiAlternatives.send", side_effect=OSError("SMTP indisponible")):
        reponse = decider(client_gestionnaire, demande, COMPLEMENT, message=MESSAGE)
    ((niveau, message),) = messages_de_la_page(reponse)
    assert niveau == "warning"
    assert message.startswith(
        f"Complément demandé, mais le courriel n'a pas pu être envoyé à {CONTACT} : transmettez-lui votre message "
        f"et ce lien, qui lui permet de compléter sa demande : {settings.SEGUR_URL_PORTAIL}/demander-un-acces/completer/"
    )
    demande.refresh_from_db()
    assert demande.statut == Statut.COMPLEMENT_DEMANDE


def test_une_decision_inconnue_est_une_page_introuvable(client_gestionnaire, demande):
    assert client_gestionnaire.post(f"{LISTE}{demande.pk}/decision/supprimer/").status_code == 404
    assert client_gestionnaire.get(f"{LISTE}{demande.pk}/decision/refuser/").status_code == 405
