"""Block « commande » (imports/moteur/regles/commande.py), rules E201–E206: date, VAT regime and amount
of the order. For each code, lines that fail it and lines that pass it (spec §3); dates relative to
today (E202); digits that only look like digits (E201)."""

import datetime

import pytest
from django.utils import timezone

from tests.documents import ligne_valide
from tests.moteur.outils import anomalie, codes, une_ligne, valide, verifier_echec, verifier_reussite

# --- One line, one change: the failing cases ---------------------------------------------

# (base, changes, code, chemin, words the supplier reads in the message)
ECHECS = {
    "E201 31 février": (
        "structure",
        {"commande.dateCommande": "31/02/2021"},
        "E201",
        "commande.dateCommande",
        "« 31/02/2021 » n'est pas une date valide au format JJ/MM/AAAA",
    ),
    "E201 format ISO": (
        "structure",
        {"commande.dateCommande": "2021-11-24"},
        "E201",
        "commande.dateCommande",
        "« 2021-11-24 »",
    ),
    "E201 jour sans zéro": (
        "structure",
        {"commande.dateCommande": "1/11/2021"},
        "E201",
        "commande.dateCommande",
        "JJ/MM/AAAA",
    ),
    "E201 mois 13": (
        "structure",
        {"commande.dateCommande": "24/13/2021"},
        "E201",
        "commande.dateCommande",
        "« 24/13/2021 »",
    ),
    "E201 29 février non bissextile": (
        "structure",
        {"commande.dateCommande": "29/02/2022"},
        "E201",
        "commande.dateCommande",
        "« 29/02/2022 »",
    ),
    "E201 vide": ("structure", {"commande.dateCommande": ""}, "E201", "commande.dateCommande", "date valide"),
    # référencement 01/09/2021 - 120 days = 04/05/2021
    "E203 121 jours avant": (
        "structure",
        {"commande.dateCommande": "03/05/2021"},
        "E203",
        "commande.dateCommande",
        "120 jours au référencement de la solution (01/09/2021) : au plus tôt le 04/05/2021",
    ),
    "E204 inconnu": (
        "structure",
        {"commande.regimeTVA": "TVA"},
        "E204",
        "commande.regimeTVA",
        "« TVA » inconnue : TTC ou HT",
    ),
    "E204 minuscule": ("structure", {"commande.regimeTVA": "ttc"}, "E204", "commande.regimeTVA", "« ttc »"),
    "E205 zéro": (
        "structure",
        {"commande.montantSegurHT": 0},
        "E205",
        "commande.montantSegurHT",
        "strictement positif (reçu : 0)",
    ),
    "E205 négatif": (
        "structure",
        {"commande.montantSegurHT": -100.5},
        "E205",
        "commande.montantSegurHT",
        "strictement positif (reçu : -100.5)",
    ),
    "E205 trois décimales": (
        "structure",
        {"commande.montantSegurHT": 100.123},
        "E205",
        "commande.montantSegurHT",
        "au plus 2 décimales (reçu : 100.123)",
    ),
    "E206 un centime de trop": (
        "structure",
        {"commande.montantSegurHT": 12000.01},
        "E206",
        "commande.montantSegurHT",
        "12000.01 € dépasse le plafond HT de la solution (12000.00 €)",
    ),
}


@pytest.mark.parametrize("cas", list(ECHECS), ids=list(ECHECS))
def test_une_ligne_en_erreur(cas, document_ttc, relais):
    verifier_echec(ECHECS[cas], document_ttc, relais)


# --- One line, one change: variations that stay within the rule ---------------------------

# (base, changes, code that must NOT appear, whether the whole line is then valid)
REUSSITES = {
    "E201 29 février bissextile": ("structure", {"commande.dateCommande": "29/02/2024"}, "E201", True),
    "E203 exactement 120 jours avant": ("structure", {"commande.dateCommande": "04/05/2021"}, "E203", True),
    "E204 TTC": ("structure", {"commande.regimeTVA": "TTC"}, "E204", True),
    "E205 un centime": ("structure", {"commande.montantSegurHT": 0.01}, "E205", True),
    "E205 entier": ("structure", {"commande.montantSegurHT": 10750}, "E205", True),
    "E205 une décimale": ("structure", {"commande.montantSegurHT": 99.9}, "E205", True),
    "E206 exactement le plafond": ("structure", {"commande.montantSegurHT": 12000}, "E206", True),
}


@pytest.mark.parametrize("cas", list(REUSSITES), ids=list(REUSSITES))
def test_une_ligne_sans_cette_erreur(cas, document_ttc, relais):
    verifier_reussite(REUSSITES[cas], document_ttc, relais)


# --- Dates relative to today (E202) -------------------------------------------------------


def _date(jour: datetime.date) -> str:
    return jour.strftime("%d/%m/%Y")


def test_e202_date_de_commande_future(document_ttc, relais):
    demain = timezone.localdate() + datetime.timedelta(days=1)
    ligne = ligne_valide(document_ttc)
    ligne["commande"]["dateCommande"] = _date(demain)
    resultat = une_ligne(document_ttc, relais, ligne)
    message = anomalie(resultat, "E202", "commande.dateCommande").message
    assert message == (
        f"la date de commande {_date(demain)} est postérieure au jour du dépôt ({_date(timezone.localdate())})"
    )


def test_e202_commande_du_jour_acceptee(document_ttc, relais):
    ligne = ligne_valide(document_ttc)
    ligne["commande"]["dateCommande"] = _date(timezone.localdate())
    valide(une_ligne(document_ttc, relais, ligne))


# --- Digits that only look like digits ----------------------------------------------------------


def test_e201_chiffres_non_ascii(document_ttc, relais):
    ligne = ligne_valide(document_ttc)
    ligne["commande"]["dateCommande"] = "２４/１１/２０２１"
    resultat = une_ligne(document_ttc, relais, ligne)
    assert "E201" in codes(resultat)
