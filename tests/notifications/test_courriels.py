"""The mails the suppliers' users receive when a manager acts in the admin (issue 13, point 5):
who gets one, its subject and text (motif, dossier numbers, links), one mail per user per event,
a bulk action on many dossiers of a supplier grouped into one mail per user."""

import re

import pytest

from demandes import notifications
from demandes.models import Notification
from demandes.valeurs import StatutDemande, StatutPaiement
from segur_portal.celery import app
from tests.factories import creer_demande, creer_demandes
from tests.gestion.outils import agir, messages_de, statuts

from .outils import destinataires

RELAIS = ["compta@relais.example", "contact@relais.example"]


def test_rejet_un_courriel_a_chaque_utilisateur_du_fournisseur_avec_le_motif(
    client_gestionnaire, comptes, mailoutbox, django_capture_on_commit_callbacks
):
    demande = creer_demande(1)
    with django_capture_on_commit_callbacks(execute=True):
        reponse = agir(client_gestionnaire, "rejeter", [demande], motif="  Bon de commande illisible  ")
    assert messages_de(reponse) == [("success", "1 demande(s) rejetée(s).")]
    # Active users of relais with an address only: not the deactivated one, not the one without,
    # not hopital's user, not the manager.
    assert destinataires(mailoutbox) == RELAIS
    for message in mailoutbox:
        assert message.subject == "Ségur numérique : demande FINMDV000001M0 rejetée"
        assert message.from_email == "Portail Ségur numérique <ne-pas-repondre@localhost>"
        assert message.body.startswith("Bonjour,\n\n")
        assert "a rejeté votre demande de financement FINMDV000001M0." in message.body
        assert "Motif du rejet :\nBon de commande illisible\n" in message.body
        assert (
            f"\n- FINMDV000001M0 (demande d'avance, 1\u202f000,00\xa0€ HT) : http://localhost:8000/demandes/{demande.pk}/\n"
            in message.body
        )
        assert "Cordialement,\nL'équipe du Portail Ségur numérique" in message.body
        assert "Ne répondez pas à ce message" in message.body
        assert message.extra_headers["Auto-Submitted"] == "auto-generated"
    assert Notification.objects.filter(date_envoi__isnull=False).count() == 2


def test_les_liens_suivent_segur_url_portail(
    client_gestionnaire, comptes, mailoutbox, settings, django_capture_on_commit_callbacks
):
    settings.SEGUR_URL_PORTAIL = "https://segur.asp-public.fr"
    demande = creer_demande(1)
    with django_capture_on_commit_callbacks(execute=True):
        agir(client_gestionnaire, "rejeter", [demande], motif="Hors périmètre")
    liens = set(re.findall(r"https?://\S+", mailoutbox[0].body))
    assert liens == {
        f"https://segur.asp-public.fr/demandes/{demande.pk}/",
        "https://segur.asp-public.fr/notifications/",
        "https://segur.asp-public.fr/aide/",
    }


def test_decision_puis_paiements_chacun_son_courriel(
    client_gestionnaire, comptes, mailoutbox, django_capture_on_commit_callbacks
):
    demande = creer_demande(1, StatutDemande.EN_INSTRUCTION)
    with django_capture_on_commit_callbacks(execute=True):
        agir(client_gestionnaire, "decider", [demande])
    assert [m.subject for m in mailoutbox] == [
        "Ségur numérique : décision favorable pour la demande FINMDV000001M0"
    ] * 2
    assert "a pris une décision favorable sur votre demande de financement FINMDV000001M0" in mailoutbox[0].body

    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        agir(
            client_gestionnaire,
            "enregistrer_un_paiement",
            [demande],
            montant="400.00",
            date_paiement="2024-03-01",
            statut=StatutPaiement.EN_COURS,
        )
    assert statuts(demande) == [(StatutDemande.DECIDEE, StatutPaiement.EN_COURS)]
    assert destinataires(mailoutbox) == RELAIS
    corps = mailoutbox[0].body
    assert mailoutbox[0].subject == "Ségur numérique : paiement en cours pour la demande FINMDV000001M0"
    assert "Montant : 400,00" in corps and "Date du paiement : 01/03/2024" in corps
    assert "Statut : Paiement en cours" in corps and "Le versement est en cours" in corps

    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        agir(
            client_gestionnaire,
            "enregistrer_un_paiement",
            [demande],
            montant="400.00",
            date_paiement="2024-03-15",
            statut=StatutPaiement.EFFECTUE,
        )
    assert [m.subject for m in mailoutbox] == ["Ségur numérique : paiement effectué pour la demande FINMDV000001M0"] * 2
    assert "Date du paiement : 15/03/2024" in mailoutbox[0].body and "Le paiement a été versé." in mailoutbox[0].body


def test_passer_en_instruction_et_action_refusee_ne_previennent_personne(
    client_gestionnaire, comptes, mailoutbox, django_capture_on_commit_callbacks
):
    deposee, decidee = creer_demande(1), creer_demande(2, StatutDemande.DECIDEE)
    with django_capture_on_commit_callbacks(execute=True):
        agir(client_gestionnaire, "passer_en_instruction", [deposee])
        reponse = agir(client_gestionnaire, "rejeter", [decidee], motif="Trop tard")  # refused: already decided
    assert statuts(deposee, decidee) == [(StatutDemande.EN_INSTRUCTION, ""), (StatutDemande.DECIDEE, "")]
    assert messages_de(reponse)[0][0] == "error"
    assert mailoutbox == []
    assert not Notification.objects.exists()


def test_complements_demandes_avec_le_message_du_gestionnaire(
    comptes, gestionnaire, mailoutbox, django_capture_on_commit_callbacks
):
    """« Demander des compléments » (the transition « complements » of demandes.services): the
    manager's message is in the mail."""
    demande = creer_demande(1, StatutDemande.EN_INSTRUCTION)
    with django_capture_on_commit_callbacks(execute=True):
        notifications.notifier_decision(
            "complements", [demande], motif="Merci de joindre le bon de commande signé.", utilisateur=gestionnaire
        )
    assert destinataires(mailoutbox) == RELAIS
    message = mailoutbox[0]
    assert message.subject == "Ségur numérique : compléments demandés pour la demande FINMDV000001M0"
    assert "Message du gestionnaire :\nMerci de joindre le bon de commande signé.\n" in message.body
    assert "« Déposer les compléments »" in message.body
    assert f"http://localhost:8000/demandes/{demande.pk}/" in message.body


def test_action_en_masse_un_seul_courriel_par_utilisateur_et_par_fournisseur(
    client_gestionnaire, comptes, mailoutbox, django_capture_on_commit_callbacks
):
    relais = creer_demandes(nombre=40, statut=StatutDemande.DEPOSEE)
    hopital = creer_demandes("bnd52qq600", nombre=2, debut=101, statut=StatutDemande.DEPOSEE)
    with django_capture_on_commit_callbacks(execute=True):
        reponse = agir(client_gestionnaire, "rejeter", [*relais, *hopital], motif="Couloir clos")
    assert messages_de(reponse) == [("success", "42 demande(s) rejetée(s).")]
    assert destinataires(mailoutbox) == ["compta@relais.example", "contact@relais.example", "dsi@hopital.example"]
    par_adresse = {message.to[0]: message for message in mailoutbox}
    courriel_relais = par_adresse["contact@relais.example"]
    assert courriel_relais.subject == "Ségur numérique : 40 demandes rejetées"
    assert "a rejeté les 40 demandes de financement suivantes." in courriel_relais.body
    assert re.findall(r"^- (FINMDV\d{6}M0) ", courriel_relais.body, re.M) == [d.numero_dossier for d in relais]
    courriel_hopital = par_adresse["dsi@hopital.example"]
    assert courriel_hopital.subject == "Ségur numérique : 2 demandes rejetées"
    assert re.findall(r"^- (FIN\w+M0) ", courriel_hopital.body, re.M) == ["FINHOP000101M0", "FINHOP000102M0"]
    assert "FINMDV" not in courriel_hopital.body  # a supplier never reads of another's dossiers
    # The page « Notifications » links to every dossier of the event.
    notification = Notification.objects.get(destinataire=comptes["relais"])
    assert sorted(notification.demandes.values_list("pk", flat=True)) == sorted(d.pk for d in relais)


def test_un_gros_lot_le_courriel_liste_les_50_premiers_et_compte_les_autres(
    comptes, gestionnaire, mailoutbox, django_capture_on_commit_callbacks
):
    demandes = creer_demandes(nombre=53, statut=StatutDemande.DEPOSEE)
    with django_capture_on_commit_callbacks(execute=True):
        notifications.notifier_decision("rejet", demandes, motif="Hors délai", utilisateur=gestionnaire)
    corps = mailoutbox[0].body
    assert len(re.findall(r"^- FINMDV\d{6}M0 ", corps, re.M)) == 50
    assert "- et 3 autres dossiers : http://localhost:8000/notifications/" in corps


def test_un_evenement_un_seul_courriel_meme_si_la_tache_repasse(
    client_gestionnaire, comptes, mailoutbox, django_capture_on_commit_callbacks
):
    demande = creer_demande(1)
    with django_capture_on_commit_callbacks(execute=True):
        agir(client_gestionnaire, "rejeter", [demande], motif="Doublon")
    assert len(mailoutbox) == 2
    # The task redelivered (worker lost after sending), the sweep, a retry: nothing more leaves.
    for notification in Notification.objects.all():
        app.signature("demandes.tasks.envoyer_notification", args=(notification.pk,)).delay()
        app.signature("demandes.tasks.envoyer_notification", args=(notification.pk,)).delay()
    notifications.relancer_notifications()
    assert len(mailoutbox) == 2
    assert list(Notification.objects.values_list("nb_tentatives", flat=True)) == [1, 1]


def test_deux_actions_deux_evenements(client_gestionnaire, comptes, mailoutbox, django_capture_on_commit_callbacks):
    """Two decisions are two events, each mailed (the anti-spam rule is per event, not per day)."""
    d1, d2 = creer_demande(1), creer_demande(2)
    with django_capture_on_commit_callbacks(execute=True):
        agir(client_gestionnaire, "rejeter", [d1], motif="Motif un")
        agir(client_gestionnaire, "rejeter", [d2], motif="Motif deux")
    assert sorted(m.subject for m in mailoutbox if m.to == ["contact@relais.example"]) == [
        "Ségur numérique : demande FINMDV000001M0 rejetée",
        "Ségur numérique : demande FINMDV000002M0 rejetée",
    ]


def test_une_cle_deja_ecrite_pour_un_utilisateur_n_est_pas_ecrite_deux_fois(comptes):
    """The database holds the rule: (destinataire, cle) is unique."""
    from django.db import IntegrityError, transaction

    Notification.objects.create(destinataire=comptes["relais"], cle="rejet:x:1", nature="REJET", sujet="s", corps="c")
    with pytest.raises(IntegrityError), transaction.atomic():
        Notification.objects.create(
            destinataire=comptes["relais"], cle="rejet:x:1", nature="REJET", sujet="s", corps="c"
        )
