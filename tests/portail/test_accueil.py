"""The supplier's home page (spec §7): the counters of its imports and of its demandes by status."""

import html
import re

from imports.models import Import
from tests.factories import creer_import
from tests.pages import COLONNES_DEMANDES, colonne, texte

# --- home page counters ---------------------------------------------------------------------


def test_accueil_compteurs(client_relais, quatre_demandes):
    creer_import(nom="e1.json", resultat=Import.Resultat.ERREURS)
    creer_import(nom="e2.json", resultat=Import.Resultat.FICHIER_REJETE)
    creer_import(nom="s1.json")
    creer_import(nom="s2.json")
    creer_import(nom="s3.json")
    creer_import(nom="i1.json", etat=Import.Etat.IMPORTE, retenues=1)
    creer_import(nom="t1.json", etat=Import.Etat.TERMINE, retenues=1)
    creer_import("41268937400012", nom="h.json", numero_ans="bnd52qq600", etat=Import.Etat.IMPORTE)

    reponse = client_relais.get("/")
    assert reponse.status_code == 200
    contenu = reponse.content.decode()
    bloc_imports = re.search(r'<ul id="compteurs-imports">(.*?)</ul>', contenu, re.S).group(1)
    assert [" ".join(html.unescape(l).split()) for l in re.findall(r"<li>(.*?)</li>", bloc_imports, re.S)] == [
        "Simulations en erreur : 2",
        "Simulés, en attente d'import : 3",
        "Importés, pièces jointes à déposer : 1",
        "Terminés : 1",
    ]

    bloc_demandes = re.search(r'<ul id="compteurs-demandes">(.*?)</ul>', contenu, re.S).group(1)
    liens = re.findall(r'<a href="([^"]+)">([^<]+)</a>', bloc_demandes)
    liens = [(html.unescape(href), " ".join(html.unescape(libelle).split())) for href, libelle in liens]
    assert liens == [
        ("/demandes/?statut=DECIDEE", "Décidée : 2"),
        ("/demandes/?statut=EN_ATTENTE_PIECES", "En attente des pièces : 1"),
        ("/demandes/?statut=REJETEE", "Rejetée : 1"),
    ]
    for href, libelle in liens:
        nombre = int(libelle.rsplit(":", 1)[1])
        assert len(colonne(client_relais.get(href), COLONNES_DEMANDES)) == nombre


def test_accueil_sans_rien(client_relais):
    reponse = client_relais.get("/")
    assert reponse.status_code == 200
    assert "Aucune demande déposée pour le moment." in texte(reponse)
    assert "Simulations en erreur : 0" in texte(reponse)
