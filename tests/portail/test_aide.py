"""« Besoin d'aide ? » covers the whole journey (issue 12, point 7): login, the form, the
simulation and its output file, the import, the attachments (rules with the configured limits,
processing, missing pieces, « Terminer »), the review by the ASP (every status explained, what to do
after a rejection), the payment and whom to contact; a « Sommaire » leads to each section."""

import re

from demandes.valeurs import StatutDemande, StatutPaiement, classe_badge
from segur_portal.formats import MO
from tests.pages import page, texte
from tests.portail.structure_html import structure, verifier_sommaire

SECTIONS = ["connexion", "formulaire", "simulation", "import", "pieces-jointes", "instruction", "paiement", "contact"]


def test_le_sommaire_mene_a_chaque_etape_du_parcours(client_relais):
    reponse = client_relais.get("/aide/")
    assert reponse.status_code == 200
    assert verifier_sommaire(structure(reponse)) == SECTIONS


def test_les_pieces_jointes_avec_les_limites_configurees(client_relais, settings):
    settings.SEGUR_MAX_ZIP_BYTES = 150 * MO
    settings.SEGUR_MAX_PIECE_BYTES = 2 * MO
    settings.SEGUR_MAX_ENTREES_ZIP = 7500
    reponse = client_relais.get("/aide/")
    doc = structure(reponse)
    pieces = doc.textes["regles-pieces"]
    assert "Chaque fichier ne doit pas dépasser 2 Mo." in pieces
    assert "Chaque fichier zip ne doit pas dépasser 150 Mo ni contenir plus de 7 500 fichiers" in pieces
    assert "3 Mo" not in pieces and "200 Mo" not in pieces
    assert "MDV-LGC-Va1-BDC-00001.pdf" in pieces
    contenu = texte(reponse, lu=True)
    for etape in ("Pièces manquantes", "Terminer", "Détail des fichiers", "Relancer"):
        assert etape in contenu
    liens = {a.attrs["href"] for a in page(reponse).liens}
    assert "/imports/documentation/#nomenclature" in liens
    assert "/imports/documentation/#modeles" in liens


def test_chaque_statut_est_explique_avec_son_badge(client_relais):
    """Every status of a demande and of a payment has its badge (the colours of demandes.valeurs)
    and an explanation: a status added without one fails here."""
    reponse = client_relais.get("/aide/")
    contenu = reponse.content.decode()
    doc = structure(reponse)
    demandes = doc.textes["statuts-demande"]
    for statut in StatutDemande:
        assert f'<span class="{classe_badge(statut.couleur)}">{statut.label}</span>' in contenu, statut
        assert re.search(re.escape(statut.label) + r" \S.+Ce que vous pouvez faire : \S", demandes), statut
    paiements = doc.textes["statuts-paiement"]
    for statut in StatutPaiement:
        assert f'<span class="{classe_badge(statut.couleur)}">{statut.label}</span>' in contenu, statut
        assert re.search(re.escape(statut.label) + r" \S", paiements), statut
    instruction = texte(reponse, lu=True)
    assert "En cas de rejet : le motif du rejet" in instruction


def test_qui_contacter(client_relais):
    reponse = client_relais.get("/aide/")
    contact = structure(reponse).textes["contact-asp"]
    assert "votre interlocuteur ASP via la messagerie du portail de l'ASP" in contact
    assert "77625125800013" in contact  # the supplier's SIRET, to quote
    assert "@" not in contact  # no invented address
