"""« Demandes à compléter » (issue 13, point 2): a manager asks the supplier for a missing or
replacement piece with a message from the dossier page; the dossier goes « En attente de
compléments »; the supplier sees the request on its Accueil and on the demande page, sends the
piece(s) there — each file checked like an entry of a zip (name, size, type read on the content) —
and the dossier returns « En instruction ». Every step is in the dossier's history."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from demandes.models import DemandeDeComplements
from demandes.valeurs import StatutDemande
from piecesjointes.models import PieceComplementaire
from tests.factories import ELF, PDF, PNG, creer_demande
from tests.gestion.outils import statuts
from tests.gestion.test_page_dossier import (
    agir_sur_le_dossier,
    boutons_de_decision,
    historique,
    titre,
    url_dossier,
)
from tests.pages import contenu_telecharge, messages_de_la_page, page, texte, texte_brut
from tests.parcours import utilisateur

NUMERO = "FINMDV000001M0"
MESSAGE = "Le bon de commande est illisible : déposez-le de nouveau, signé, en PDF."


def bloc_accueil(reponse) -> str | None:
    trouve = re.search(r'<div id="a-faire-complements"[^>]*>(.*?)</div>', reponse.content.decode(), re.S)
    return " ".join(texte_brut(trouve.group(1)).split()) if trouve else None


def formulaire_de_depot(reponse) -> str | None:
    """The action of the form « Déposer les compléments » of the demande page, if it is offered."""
    for action, corps in re.findall(
        r'<form method="post" action="([^"]+)"(.*?)</form>', reponse.content.decode(), re.S
    ):
        if "Déposer les compléments</button>" in corps:
            return action
    return None


def fichier(nom, contenu, type_mime="application/pdf"):
    return SimpleUploadedFile(nom, contenu, content_type=type_mime)


def alerte_de_refus(reponse) -> str:
    trouve = re.search(r"<div [^>]*data-focus-resultat>(.*?)</div>", reponse.content.decode(), re.S)
    assert trouve, "pas de message de refus"
    return " ".join(texte_brut(trouve.group(1)).split())


@pytest.fixture
def client_fournisseur(demo):
    client = Client()
    client.force_login(utilisateur("relais"))
    return client


@pytest.fixture
def en_attente(client_gestionnaire):
    """A dossier « En instruction » for which the manager asked for compléments from its page."""
    demande = creer_demande(1, StatutDemande.EN_INSTRUCTION, pieces=["MDV-LGC-Va1-BDC-00001.pdf"])
    reponse = agir_sur_le_dossier(
        client_gestionnaire, demande, "complements", motif=MESSAGE, statut_vu="EN_INSTRUCTION"
    )
    assert messages_de_la_page(reponse) == [("success", f"Demande {NUMERO} mise en attente de compléments.")]
    return demande


# --- the manager asks ------------------------------------------------------------------------------


def test_le_gestionnaire_demande_des_complements_depuis_le_dossier(client_gestionnaire, en_attente):
    reponse = client_gestionnaire.get(url_dossier(en_attente))
    assert titre(reponse) == f"Demande {NUMERO} — En attente de compléments"
    assert statuts(en_attente) == [(StatutDemande.A_COMPLETER, "")]
    # Waiting for the supplier: the manager may still reject, nothing else.
    assert boutons_de_decision(reponse) == ["Rejeter"]
    lu = texte(reponse, lu=True)
    assert MESSAGE in lu and "En attente du fournisseur" in lu
    assert historique(reponse)[-1][1:] == [
        "gestionnaire",
        "En instruction",
        "En attente de compléments",
        f"Compléments demandés : {MESSAGE}",
    ]


def test_le_message_est_obligatoire(client_gestionnaire):
    demande = creer_demande(1, StatutDemande.DEPOSEE)
    reponse = agir_sur_le_dossier(client_gestionnaire, demande, "complements", motif="  ")
    assert reponse.status_code == 200
    assert "Le message au fournisseur est obligatoire : indiquez les pièces à déposer." in texte(reponse, lu=True)
    assert statuts(demande) == [(StatutDemande.DEPOSEE, "")]
    assert not DemandeDeComplements.objects.exists()


def test_une_demande_decidee_ne_se_complete_plus(client_gestionnaire):
    demande = creer_demande(1, StatutDemande.DECIDEE)
    reponse = agir_sur_le_dossier(client_gestionnaire, demande, "complements", motif=MESSAGE, statut_vu="DECIDEE")
    assert messages_de_la_page(reponse)[0][0] == "error"
    assert "ne peut pas être mise en attente de compléments" in messages_de_la_page(reponse)[0][1]
    assert statuts(demande) == [(StatutDemande.DECIDEE, "")]


# --- the supplier answers --------------------------------------------------------------------------


def test_le_fournisseur_voit_la_demande_et_depose_la_piece(client_fournisseur, client_gestionnaire, en_attente):
    accueil = client_fournisseur.get("/")
    assert bloc_accueil(accueil).startswith("1 demande en attente de compléments")
    assert MESSAGE in bloc_accueil(accueil)
    lien = page(accueil).lien(NUMERO).attrs["href"]
    assert lien == f"/demandes/{en_attente.pk}/#complements"

    fiche = client_fournisseur.get(lien)
    lu = texte(fiche, lu=True)
    assert "Compléments demandés par l'ASP" in lu and MESSAGE in lu
    action = formulaire_de_depot(fiche)
    assert action is not None

    reponse = client_fournisseur.post(
        action, {"fichiers": [fichier("BDC-signe.pdf", PDF), fichier("annexe.png", PNG, "image/png")]}, follow=True
    )
    assert reponse.redirect_chain[-1][0] == f"/demandes/{en_attente.pk}/#complements"
    lu = texte(reponse, lu=True)
    assert (
        f"2 pièce(s) déposée(s) : la demande {NUMERO} est de nouveau « En instruction » auprès des gestionnaires de "
        "l'ASP." in lu
    )
    assert statuts(en_attente) == [(StatutDemande.EN_INSTRUCTION, "")]
    assert formulaire_de_depot(reponse) is None  # nothing more is awaited
    assert "Déposées le" in lu
    # The supplier gets back the file it sent.
    telecharge = client_fournisseur.get(page(reponse).lien("BDC-signe.pdf (télécharger)").attrs["href"])
    assert telecharge.status_code == 200 and contenu_telecharge(telecharge) == PDF
    assert not bloc_accueil(client_fournisseur.get("/"))

    # The manager finds the pieces beside the data, and the history says who sent what.
    dossier = client_gestionnaire.get(url_dossier(en_attente))
    assert titre(dossier) == f"Demande {NUMERO} — En instruction"
    ouvrir = [lien for lien in page(dossier).liens if lien.texte == "Ouvrir BDC-signe.pdf (nouvel onglet)"]
    assert len(ouvrir) == 1
    ouvert = client_gestionnaire.get(ouvrir[0].attrs["href"])
    assert contenu_telecharge(ouvert) == PDF and ouvert["Content-Security-Policy"] == "sandbox"
    assert historique(dossier)[-1][1:] == [
        "relais",
        "En attente de compléments",
        "En instruction",
        "2 pièce(s) déposée(s) en complément",
    ]
    complement = DemandeDeComplements.objects.get()
    assert complement.repondue_par.username == "relais" and complement.date_reponse is not None
    assert sorted(PieceComplementaire.objects.values_list("nom_fichier", "type_mime")) == [
        ("BDC-signe.pdf", "application/pdf"),
        ("annexe.png", "image/png"),
    ]


@pytest.mark.parametrize(
    ("fichiers", "refus"),
    [
        ([("faux.pdf", PNG)], "faux.pdf : le contenu (image/png) n'est pas un fichier PDF"),
        ([("programme.exe", ELF)], "programme.exe : format non accepté"),
        ([("pieces.zip", b"PK\x03\x04" + b"\x00" * 40)], "pieces.zip : archive refusée"),
        ([("vide.pdf", b"")], "vide.pdf : le contenu (inode/x-empty) n'est pas un fichier PDF"),
        ([("BDC.pdf", PDF), ("BDC.pdf", PDF)], "BDC.pdf : nom présent plusieurs fois dans l'envoi"),
        ([("gros.pdf", PDF + b"%" * 4096)], "gros.pdf : fichier de plus de 2 048 octets"),
        ([("a" * 101 + ".pdf", PDF)], "nom de 105 caractères : 100 au plus"),
    ],
)
def test_un_fichier_refuse_n_enregistre_rien(client_fournisseur, en_attente, settings, fichiers, refus):
    settings.SEGUR_MAX_PIECE_BYTES = 2048
    action = formulaire_de_depot(client_fournisseur.get(f"/demandes/{en_attente.pk}/"))
    envoyes = [fichier(nom, contenu) for nom, contenu in fichiers]
    reponse = client_fournisseur.post(action, {"fichiers": [*envoyes, fichier("bon.pdf", PDF)]}, follow=True)
    alerte = alerte_de_refus(reponse)
    assert alerte.startswith("Compléments non déposés")
    assert "aucun fichier n'a été enregistré" in alerte
    assert refus in alerte
    assert "bon.pdf" not in alerte  # the accepted file is not listed as refused...
    assert not PieceComplementaire.objects.exists()  # ...but nothing is kept
    assert statuts(en_attente) == [(StatutDemande.A_COMPLETER, "")]
    assert formulaire_de_depot(reponse) == action  # the supplier sends again from the same page
    # Shown once: the page reloaded no longer shows the refusal.
    assert "Compléments non déposés" not in texte(client_fournisseur.get(f"/demandes/{en_attente.pk}/"))


def test_aucun_fichier_ou_trop_de_fichiers(client_fournisseur, en_attente, settings):
    settings.SEGUR_MAX_FICHIERS_COMPLEMENTS = 2
    action = formulaire_de_depot(client_fournisseur.get(f"/demandes/{en_attente.pk}/"))
    reponse = client_fournisseur.post(action, {}, follow=True)
    assert "Choisissez au moins un fichier à déposer." in alerte_de_refus(reponse)
    trois = [fichier(f"p{n}.pdf", PDF) for n in range(3)]
    reponse = client_fournisseur.post(action, {"fichiers": trois}, follow=True)
    assert "Vous avez choisi 3 fichiers : 2 au plus par envoi." in alerte_de_refus(reponse)
    assert statuts(en_attente) == [(StatutDemande.A_COMPLETER, "")]


def test_rien_n_est_attendu_apres_un_rejet(client_fournisseur, client_gestionnaire, en_attente):
    """The supplier's page was open with the form; meanwhile the manager rejected the dossier."""
    action = formulaire_de_depot(client_fournisseur.get(f"/demandes/{en_attente.pk}/"))
    agir_sur_le_dossier(client_gestionnaire, en_attente, "rejet", motif="Délai dépassé", statut_vu="A_COMPLETER")
    reponse = client_fournisseur.post(action, {"fichiers": [fichier("BDC.pdf", PDF)]}, follow=True)
    assert "Aucun complément n'est attendu pour cette demande : elle est « Rejetée »." in alerte_de_refus(reponse)
    assert statuts(en_attente) == [(StatutDemande.REJETEE, "")]
    assert not PieceComplementaire.objects.exists()


def test_un_autre_fournisseur_n_y_touche_pas(client, demo, client_fournisseur, en_attente):
    action = formulaire_de_depot(client_fournisseur.get(f"/demandes/{en_attente.pk}/"))
    client_fournisseur.post(action, {"fichiers": [fichier("BDC.pdf", PDF)]})
    piece = PieceComplementaire.objects.get()
    client.force_login(utilisateur("unikalo"))
    assert client.get(f"/demandes/{en_attente.pk}/").status_code == 404
    assert client.post(action, {"fichiers": [fichier("autre.pdf", PDF)]}).status_code == 404
    assert client.get(f"/pieces-jointes/complement/{piece.pk}/").status_code == 404
    assert PieceComplementaire.objects.count() == 1
