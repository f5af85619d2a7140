"""The dossier page of the managers' admin (issue 13, point 1): a demande read-only, titled with its
number and status, the decision bar offering only what its status allows (and the manager's rights),
each decision posted from the page, applied by the same services as the bulk actions, reported by a
message on the dossier page and written in its history; the history read in one query; two managers
acting at once on the same dossier: one wins, the other is told why (PostgreSQL)."""

import re
import threading

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from demandes import services
from demandes.models import Demande, Paiement
from demandes.selectors import historique_du_dossier
from demandes.valeurs import StatutDemande, StatutPaiement
from tests.factories import creer_demande, nouveau_staff
from tests.gestion.outils import LISTE, MOTIF_OBLIGATOIRE, statuts
from tests.marques import postgres_seulement
from tests.pages import Page, messages_de_la_page, nombre_de_requetes, page, texte
from tests.parcours import en_parallele, utilisateur

NUMERO = "FINMDV000001M0"
COLONNES_HISTORIQUE = ["Date", "Par", "Ancien statut", "Nouveau statut", "Motif"]
MESSAGE_CONCURRENCE = (
    "Le dossier a changé depuis l'affichage de la page (un autre gestionnaire a pu agir) : "
    "vérifiez son statut ci-dessous."
)


def url_dossier(demande) -> str:
    return f"{LISTE}{demande.pk}/change/"


def url_decision(demande, transition) -> str:
    return f"{LISTE}{demande.pk}/decision/{transition}/"


def url_paiement(demande) -> str:
    return f"{LISTE}{demande.pk}/paiement/"


def titre(reponse) -> str:
    return texte_brut_de(re.search(r"<h1>(.*?)</h1>", reponse.content.decode(), re.S).group(1))


def texte_brut_de(fragment: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", fragment).split())


def barre_de_decision(reponse) -> Page:
    """The section « Décision » of the page, parsed."""
    section = re.search(r'<section class="module dossier-decision".*?</section>', reponse.content.decode(), re.S).group(
        0
    )
    return Page(section)


def boutons_de_decision(reponse) -> list[str]:
    return [bouton.texte for bouton in barre_de_decision(reponse).boutons]


def historique(reponse) -> list[list[str]]:
    return page(reponse).table(COLONNES_HISTORIQUE)


def agir_sur_le_dossier(client, demande, transition, **donnees):
    """A decision of the bar, posted; the dossier page the manager is sent back to."""
    url = url_paiement(demande) if transition == "paiement" else url_decision(demande, transition)
    return client.post(url, donnees, follow=True)


# --- the page ------------------------------------------------------------------------------------


def test_page_du_dossier_en_lecture_seule(client_gestionnaire):
    demande = creer_demande(1, pieces=["MDV-LGC-Va1-BDC-X.pdf"])
    reponse = client_gestionnaire.get(url_dossier(demande))
    assert reponse.status_code == 200
    assert titre(reponse) == f"Demande {NUMERO} — Déposée"
    assert f"<title>Demande {NUMERO} — Déposée |" in reponse.content.decode()
    contenu = reponse.content.decode()
    # No « Enregistrer » of the change form, no field of the demande: only the decision forms.
    assert "Enregistrer" not in [b.texte for b in page(reponse).boutons]
    assert 'name="_save"' not in contenu and 'name="_continue"' not in contenu
    champs = set(re.findall(r'<(?:input|select|textarea)[^>]*name="([^"]+)"', contenu))
    # The rejection's motif, in the decision bar, and the status shown (hidden: a decision taken on a
    # page that is no longer true is refused).
    assert champs == {"csrfmiddlewaretoken", "motif", "statut_vu"}
    formulaires = [f for f in re.findall(r'<form [^>]*action="([^"]+)"', contenu) if f != "/admin/logout/"]
    assert formulaires == [
        url_decision(demande, "instruction"),
        url_decision(demande, "rejet"),
        url_decision(demande, "complements"),
    ]
    # The data, grouped; the expected piece, not received yet.
    lu = texte(reponse, lu=True)
    for section in ("Décision", "Demande", "Commande", "Bénéficiaires", "Pièces attendues", "Paiements", "Historique"):
        assert re.search(rf"<h2 id=\"[^\"]+\">{section}</h2>", contenu), section
    assert "MDV-LGC-Va1-BDC-X.pdf" in lu and "Non reçue" in lu
    assert "Aucun paiement enregistré." in lu
    # The breadcrumb leads back to the list.
    fil = re.search(r'<div class="breadcrumbs">(.*?)</div>', contenu, re.S).group(1)
    assert [(a.texte, a.attrs["href"]) for a in Page(fil).liens] == [
        ("Accueil", "/admin/"),
        ("Demandes et référentiels", "/admin/demandes/"),
        ("Demandes", LISTE),
    ]
    assert texte_brut_de(fil).endswith(f"› {NUMERO}")
    # A POST to the page itself changes nothing.
    assert client_gestionnaire.post(url_dossier(demande), {"statut": "DECIDEE"}).status_code == 405
    assert statuts(demande) == [(StatutDemande.DEPOSEE, "")]


@pytest.mark.parametrize(
    ("statut", "boutons"),
    [
        (StatutDemande.EN_ATTENTE_PIECES, []),
        (StatutDemande.DEPOSEE, ["Passer en instruction", "Rejeter", "Demander des compléments"]),
        (StatutDemande.EN_INSTRUCTION, ["Décider", "Rejeter", "Demander des compléments"]),
        # Waiting for the supplier: only a rejection (a supplier who never answers gets a decision).
        (StatutDemande.A_COMPLETER, ["Rejeter"]),
        (StatutDemande.DECIDEE, ["Enregistrer un paiement"]),
        (StatutDemande.REJETEE, []),
        (StatutDemande.ANNULEE, []),
    ],
)
def test_la_barre_n_offre_que_les_decisions_permises_par_le_statut(client_gestionnaire, statut, boutons):
    demande = creer_demande(1, statut)
    reponse = client_gestionnaire.get(url_dossier(demande))
    assert titre(reponse) == f"Demande {NUMERO} — {statut.label}"
    assert boutons_de_decision(reponse) == boutons
    # The form of « Demander des compléments » comes with its button, never alone.
    assert ("Demander des compléments" in texte(reponse, lu=True)) == ("Demander des compléments" in boutons)
    if not boutons:
        assert f"Aucune décision n'est possible depuis le statut « {statut.label} »." in texte(reponse, lu=True)


def test_sans_le_droit_de_decider_aucun_bouton_et_le_post_est_refuse(client, demo):
    demande = creer_demande(1, StatutDemande.EN_INSTRUCTION)
    client.force_login(nouveau_staff("auditeur", "demandes.view_demande"))
    reponse = client.get(url_dossier(demande))
    assert reponse.status_code == 200
    assert boutons_de_decision(reponse) == []
    assert "votre compte n'a pas le droit d'y prendre une décision" in texte(reponse, lu=True)
    for transition, donnees in (("instruction", {}), ("decision", {}), ("rejet", {"motif": "Pièce illisible"})):
        assert client.post(url_decision(demande, transition), donnees).status_code == 403, transition
    assert client.post(url_paiement(demande), {"montant": "1", "date_paiement": "2024-03-01"}).status_code == 403
    assert statuts(demande) == [(StatutDemande.EN_INSTRUCTION, "")]
    assert demande.history.count() == 1


def test_instruire_sans_payer_et_payer_sans_instruire(client, demo):
    decidee, en_instruction = creer_demande(1, StatutDemande.DECIDEE), creer_demande(2, StatutDemande.EN_INSTRUCTION)
    client.force_login(nouveau_staff("instructeur", "demandes.view_demande", "demandes.instruire_demande"))
    assert boutons_de_decision(client.get(url_dossier(decidee))) == []
    assert boutons_de_decision(client.get(url_dossier(en_instruction))) == [
        "Décider",
        "Rejeter",
        "Demander des compléments",
    ]
    donnees = {"montant": "10.00", "date_paiement": "2024-03-01", "statut": StatutPaiement.EFFECTUE}
    assert client.post(url_paiement(decidee), donnees).status_code == 403

    client.force_login(nouveau_staff("payeur", "demandes.view_demande", "demandes.enregistrer_paiement"))
    assert boutons_de_decision(client.get(url_dossier(decidee))) == ["Enregistrer un paiement"]
    assert boutons_de_decision(client.get(url_dossier(en_instruction))) == []
    assert client.post(url_decision(en_instruction, "decision")).status_code == 403
    assert statuts(decidee, en_instruction) == [(StatutDemande.DECIDEE, ""), (StatutDemande.EN_INSTRUCTION, "")]
    assert not Paiement.objects.exists()


@pytest.mark.parametrize("qui", ["fournisseur", "staff hors du groupe"])
def test_un_post_force_hors_des_gestionnaires_est_refuse(client, demo, qui):
    demande = creer_demande(1, StatutDemande.EN_INSTRUCTION)
    client.force_login(utilisateur("relais") if qui == "fournisseur" else nouveau_staff())
    for url, donnees in (
        (url_decision(demande, "decision"), {}),
        (url_decision(demande, "rejet"), {"motif": "Pièce illisible"}),
        (url_paiement(demande), {"montant": "10.00", "date_paiement": "2024-03-01", "statut": "EFFECTUE"}),
    ):
        reponse = client.post(url, donnees)
        if qui == "fournisseur":  # the admin does not know a supplier: its login page
            assert reponse.status_code == 302 and reponse["Location"].startswith("/admin/login/"), url
        else:
            assert reponse.status_code == 403, url
    assert statuts(demande) == [(StatutDemande.EN_INSTRUCTION, "")]
    assert demande.history.count() == 1


def test_urls_de_decision_hors_usage(client_gestionnaire):
    demande = creer_demande(1)
    assert client_gestionnaire.get(url_decision(demande, "instruction")).status_code == 405
    assert client_gestionnaire.get(url_paiement(demande)).status_code == 405
    assert client_gestionnaire.post(url_decision(demande, "inconnue")).status_code == 404
    assert client_gestionnaire.post(f"{LISTE}999999/decision/instruction/").status_code == 404
    assert client_gestionnaire.get(f"{LISTE}999999/change/").status_code == 404
    # An identifier that is not a number (typed in the address bar): no such demande, never a 500.
    assert client_gestionnaire.get(f"{LISTE}abc/change/").status_code == 404
    assert client_gestionnaire.post(f"{LISTE}abc/decision/rejet/", {"motif": "x"}).status_code == 404
    assert client_gestionnaire.post(f"{LISTE}abc/paiement/", {"montant": "1"}).status_code == 404
    assert statuts(demande) == [(StatutDemande.DEPOSEE, "")]


# --- the decisions -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("depuis", "transition", "donnees", "message", "vers", "motif"),
    [
        (StatutDemande.DEPOSEE, "instruction", {}, f"Demande {NUMERO} passée en instruction.", "En instruction", "—"),
        (StatutDemande.EN_INSTRUCTION, "decision", {}, f"Demande {NUMERO} décidée.", "Décidée", "—"),
        (
            StatutDemande.DEPOSEE,
            "rejet",
            {"motif": "  Bon de commande illisible  "},
            f"Demande {NUMERO} rejetée.",
            "Rejetée",
            "Bon de commande illisible",
        ),
        (
            StatutDemande.EN_INSTRUCTION,
            "rejet",
            {"motif": "Pièce manquante"},
            f"Demande {NUMERO} rejetée.",
            "Rejetée",
            "Pièce manquante",
        ),
    ],
)
def test_chaque_decision_depuis_la_page(client_gestionnaire, depuis, transition, donnees, message, vers, motif):
    demande = creer_demande(1, depuis)
    reponse = agir_sur_le_dossier(client_gestionnaire, demande, transition, **donnees)
    assert reponse.redirect_chain == [(url_dossier(demande), 302)]
    assert messages_de_la_page(reponse) == [("success", message)]
    assert titre(reponse) == f"Demande {NUMERO} — {vers}"
    demande.refresh_from_db()
    assert demande.get_statut_display() == vers
    derniere = historique(reponse)[-1]
    assert derniere[1:] == ["gestionnaire", depuis.label, vers, motif]
    assert demande.history.latest("history_date").history_user.username == "gestionnaire"
    if transition == "rejet":
        assert demande.motif_rejet == motif
        assert not demande.beneficiaires.filter(vivant=True).exists()  # released, as by the bulk action


@pytest.mark.parametrize("motif", ["", "   "])
def test_rejeter_sans_motif_est_refuse_avec_un_message_clair(client_gestionnaire, motif):
    demande = creer_demande(1, StatutDemande.EN_INSTRUCTION)
    reponse = client_gestionnaire.post(url_decision(demande, "rejet"), {"motif": motif})
    assert reponse.status_code == 200
    lu = texte(reponse, lu=True)
    assert "La décision n'a pas été enregistrée : corrigez l'erreur signalée dans le formulaire ci-dessous." in lu
    erreurs = re.findall(r'<ul class="errorlist"[^>]*>(.*?)</ul>', reponse.content.decode(), re.S)
    assert [texte_brut_de(e) for e in erreurs] == [MOTIF_OBLIGATOIRE]
    assert titre(reponse) == f"Demande {NUMERO} — En instruction"
    assert statuts(demande) == [(StatutDemande.EN_INSTRUCTION, "")]
    assert demande.history.count() == 1


def test_enregistrer_un_paiement_depuis_la_page(client_gestionnaire):
    demande = creer_demande(1, StatutDemande.DECIDEE, montant="10750.00")
    # The form of the bar: amount, date (today by default), status.
    formulaire = barre_de_decision(client_gestionnaire.get(url_dossier(demande)))
    assert [o.texte for o in formulaire.options["statut"]] == ["Paiement en cours", "Paiement effectué"]
    reponse = agir_sur_le_dossier(
        client_gestionnaire,
        demande,
        "paiement",
        montant="5000.00",
        date_paiement="2024-03-15",
        statut=StatutPaiement.EN_COURS,
    )
    assert messages_de_la_page(reponse) == [
        ("success", f"Paiement enregistré pour la demande {NUMERO} (paiement en cours).")
    ]
    assert statuts(demande) == [(StatutDemande.DECIDEE, StatutPaiement.EN_COURS)]
    paiements = page(reponse).table(
        ["Date du paiement", "Montant", "Statut", "Versé sur le compte", "Enregistré par", "Enregistré le"]
    )
    assert [l[:5] for l in paiements] == [
        ["15/03/2024", "5 000,00 €", "Paiement en cours", "FR76 •••• •••• •••• •••• •••• 049", "gestionnaire"]
    ]
    assert historique(reponse)[-1][1:] == ["gestionnaire", "Décidée", "Décidée · Paiement en cours", "—"]
    assert boutons_de_decision(reponse) == ["Enregistrer un paiement"]  # a decided demande may be paid again


def test_paiement_invalide_ou_refuse(client_gestionnaire):
    demande = creer_demande(1, StatutDemande.DECIDEE, montant="1000.00")
    reponse = client_gestionnaire.post(url_paiement(demande), {"montant": "", "date_paiement": "2024-03-15"})
    assert reponse.status_code == 200
    assert "Ce champ est obligatoire." in texte(reponse, lu=True)
    assert "La décision n'a pas été enregistrée" in texte(reponse, lu=True)
    # More than the demande's amount: refused by the service, said on the dossier page.
    reponse = agir_sur_le_dossier(
        client_gestionnaire, demande, "paiement", montant="1500.00", date_paiement="2024-03-15", statut="EFFECTUE"
    )
    assert messages_de_la_page(reponse) == [
        (
            "error",
            "Le paiement n'a pas été enregistré : le total payé (1500.00 €) dépasserait le montant de la demande "
            "(1000.00 €).",
        )
    ]
    assert statuts(demande) == [(StatutDemande.DECIDEE, "")] and not Paiement.objects.exists()


def test_une_decision_plus_permise_est_refusee_avec_un_message(client_gestionnaire):
    """The page was shown « En instruction », someone decided since: « Rejeter » is refused."""
    demande = creer_demande(1, StatutDemande.DECIDEE)
    reponse = agir_sur_le_dossier(client_gestionnaire, demande, "rejet", motif="Pièce illisible")
    assert messages_de_la_page(reponse) == [
        (
            "error",
            "« Rejeter » n'a pas été appliqué : une demande « Décidée » ne peut pas être rejetée (elle doit être "
            f"« Déposée » ou « En instruction » ou « En attente de compléments »). {MESSAGE_CONCURRENCE}",
        )
    ]
    assert titre(reponse) == f"Demande {NUMERO} — Décidée"
    assert statuts(demande) == [(StatutDemande.DECIDEE, "")]
    reponse = agir_sur_le_dossier(
        client_gestionnaire, creer_demande(2), "paiement", montant="1", date_paiement="2024-03-01", statut="EFFECTUE"
    )
    assert messages_de_la_page(reponse)[0][1].endswith(MESSAGE_CONCURRENCE)


# --- the history ---------------------------------------------------------------------------------


def test_historique_lisible(client_gestionnaire):
    demande = creer_demande(1)
    agir_sur_le_dossier(client_gestionnaire, demande, "instruction")
    reponse = agir_sur_le_dossier(client_gestionnaire, demande, "rejet", motif="Pièce illisible")
    lignes = historique(reponse)
    assert [l[1:] for l in lignes] == [
        ["—", "—", "Déposée", "—"],  # created (the factory, as an import would: no manager)
        ["gestionnaire", "Déposée", "En instruction", "—"],
        ["gestionnaire", "En instruction", "Rejetée", "Pièce illisible"],
    ]
    assert all(re.fullmatch(r"\d\d/\d\d/\d{4} \d\d:\d\d", l[0]) for l in lignes)


def test_historique_en_une_requete(gestionnaire):
    demande = creer_demande(1, StatutDemande.DECIDEE)
    with CaptureQueriesContext(connection) as requetes:
        assert len(historique_du_dossier(demande)) == 1
    assert len(requetes) == 1
    for n in range(20):  # twenty payments, each a history row by the manager
        demande.statut_paiement = StatutPaiement.EN_COURS if n % 2 else StatutPaiement.EFFECTUE
        demande._history_user = gestionnaire
        demande.save()
    with CaptureQueriesContext(connection) as requetes:
        etapes = historique_du_dossier(demande)
        assert [e["auteur"].username for e in etapes[1:]] == ["gestionnaire"] * 20  # authors read with the rows
    assert len(requetes) == 1


def test_la_page_coute_autant_de_requetes_quelle_que_soit_la_taille_du_dossier(client_gestionnaire, gestionnaire):
    from tests.documents import finess

    petit = creer_demande(1, StatutDemande.DECIDEE, beneficiaires=[("FINESS_GEO", finess(1))], pieces=["A.pdf"])
    grand = creer_demande(
        2,
        StatutDemande.DECIDEE,
        montant="100000.00",
        beneficiaires=[("FINESS_GEO", finess(n)) for n in range(10, 30)],
        pieces=[f"P{n}.pdf" for n in range(10)],
    )
    for demande, nombre in ((petit, 1), (grand, 10)):
        for n in range(nombre):
            agir_sur_le_dossier(
                client_gestionnaire,
                demande,
                "paiement",
                montant="10.00",
                date_paiement="2024-03-01",
                statut=StatutPaiement.EN_COURS if n % 2 else StatutPaiement.EFFECTUE,
            )
    assert nombre_de_requetes(client_gestionnaire, url_dossier(petit), rechauffer=True) == nombre_de_requetes(
        client_gestionnaire, url_dossier(grand), rechauffer=True
    )


# --- two managers at once (PostgreSQL) -----------------------------------------------------------


@postgres_seulement("concurrence réelle : PostgreSQL (la CI)")
def test_deux_gestionnaires_sur_le_meme_dossier_l_un_gagne_l_autre_est_prevenu(demo_transactionnel, monkeypatch):
    demande = creer_demande(1, StatutDemande.EN_INSTRUCTION)
    collegue = nouveau_staff("collegue")
    collegue.groups.add(Group.objects.get(name="Gestionnaires ASP"))
    clients = []
    for compte in (utilisateur("gestionnaire"), collegue):
        client = Client()
        client.force_login(compte)
        clients.append(client)

    # Both wait for each other at the write (3 s at most: with the row lock, the second one
    # never gets there before the first one commits).
    rendez_vous = threading.Barrier(2)
    enregistrer = Demande.save

    def save(self, *args, **kwargs):
        try:
            rendez_vous.wait(timeout=3)
        except threading.BrokenBarrierError:
            pass
        return enregistrer(self, *args, **kwargs)

    monkeypatch.setattr(Demande, "save", save)
    resultats = en_parallele(
        lambda: agir_sur_le_dossier(clients[0], demande, "decision"),
        lambda: agir_sur_le_dossier(clients[1], demande, "rejet", motif="Pièce illisible"),
    )
    assert all(erreur is None for _, erreur in resultats), resultats
    decision, rejet = (reponse for reponse, _ in resultats)
    demande.refresh_from_db()
    assert demande.statut in (StatutDemande.DECIDEE, StatutDemande.REJETEE)
    if demande.statut == StatutDemande.DECIDEE:
        gagnant, perdant = decision, rejet
        refus = "« Rejeter » n'a pas été appliqué : une demande « Décidée » ne peut pas être rejetée"
    else:
        gagnant, perdant = rejet, decision
        refus = "« Décider » n'a pas été appliqué : une demande « Rejetée » ne peut pas être décidée"
    assert [niveau for niveau, _ in messages_de_la_page(gagnant)] == ["success"]
    [(niveau, message)] = messages_de_la_page(perdant)
    assert niveau == "error" and message.startswith(refus) and message.endswith(MESSAGE_CONCURRENCE)
    # The loser's page shows the dossier as it now is; one transition only in the history.
    assert titre(perdant) == f"Demande {NUMERO} — {demande.get_statut_display()}"
    assert demande.history.filter(history_type="~").count() == 1


def _formulaire(reponse, action_finit_par: str) -> tuple[str, dict[str, str]]:
    """The dossier page's form posting to …`action_finit_par`: its action and its hidden fields."""
    for action, corps in re.findall(
        r'<form method="post" action="([^"]+)"[^>]*>(.*?)</form>', reponse.content.decode(), re.S
    ):
        if action.endswith(action_finit_par):
            return action, dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', corps))
    raise AssertionError(f"pas de formulaire vers …{action_finit_par}")


def test_une_decision_sur_une_page_perimee_n_est_pas_appliquee(client_gestionnaire):
    """The page showed « Déposée »; another manager put the dossier in instruction since. « Rejeter »
    would be allowed from there too, but the manager decided on what he saw: nothing is done."""
    demande = creer_demande(1)
    action, champs = _formulaire(client_gestionnaire.get(url_dossier(demande)), "/decision/rejet/")
    assert champs["statut_vu"] == StatutDemande.DEPOSEE
    autre = utilisateur("gestionnaire")
    services.changer_statut([demande], transition="instruction", utilisateur=autre)

    reponse = client_gestionnaire.post(action, {**champs, "motif": "Pièce illisible"}, follow=True)

    assert messages_de_la_page(reponse) == [
        (
            "error",
            f"« Rejeter » n'a pas été appliqué : la demande est désormais « En instruction ». {MESSAGE_CONCURRENCE}",
        )
    ]
    assert titre(reponse) == f"Demande {NUMERO} — En instruction"
    assert statuts(demande)[-1] == (StatutDemande.EN_INSTRUCTION, "")
