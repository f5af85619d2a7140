"""One home for the small helpers both apps use (issue 11): sizes, dates and amounts in
segur_portal/formats.py, file names in segur_portal/fichiers.py — tools of the project that import
no app."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from segur_portal import fichiers, formats


@pytest.mark.parametrize(
    "octets, texte",
    [
        (20 * 1024 * 1024, "20 Mo"),
        (200 * 1024 * 1024, "200 Mo"),
        (20 * 1024 * 1024 + 1, "20 971 521 octets"),
        (1000, "1 000 octets"),
    ],
)
def test_taille_lisible_exacte(octets, texte):
    assert formats.taille_lisible(octets) == texte


@pytest.mark.parametrize(
    "octets, texte",
    [(512, "512 octets"), (10_000, "9,8 Ko"), (1024, "1 Ko"), (51_200_000, "48,8 Mo"), (5 * 1024**3, "5 Go")],
)
def test_taille_humaine_arrondie(octets, texte):
    assert formats.taille_humaine(octets) == texte


def test_dates_et_montants():
    # 23:30 UTC on 4 March is already 5 March in Paris.
    assert formats.date_locale(datetime.datetime(2024, 3, 4, 23, 30, tzinfo=datetime.UTC)) == "05/03/2024"
    assert formats.date_locale(timezone.make_aware(datetime.datetime(2024, 7, 14, 0, 5))) == "14/07/2024"
    assert formats.date_jour(datetime.date(2021, 11, 24)) == "24/11/2021"
    # A CSV export keeps numbers a spreadsheet reads: decimal comma, no separator, no unit.
    assert formats.montant_tableur(Decimal("10750.50")) == "10750,50"
    assert formats.montant_tableur(Decimal("-10.50")) == "-10,50"
    assert formats.montant_tableur(Decimal("1000.00")) == "1000,00"


FINE, INSECABLE = "\u202f", "\u00a0"  # narrow no-break space (thousands), no-break space (before €)


@pytest.mark.parametrize(
    "valeur, texte",
    [
        (Decimal("10750"), f"10{FINE}750,00{INSECABLE}€"),
        (Decimal("10750.50"), f"10{FINE}750,50{INSECABLE}€"),
        (Decimal("1234567.89"), f"1{FINE}234{FINE}567,89{INSECABLE}€"),
        (Decimal("999.99"), f"999,99{INSECABLE}€"),
        (Decimal("1000"), f"1{FINE}000,00{INSECABLE}€"),
        (Decimal("0.1"), f"0,10{INSECABLE}€"),
        (Decimal("0"), f"0,00{INSECABLE}€"),
        (Decimal("-0.00"), f"0,00{INSECABLE}€"),
        (Decimal("-1234.5"), f"-1{FINE}234,50{INSECABLE}€"),
        (Decimal("-10.50"), f"-10,50{INSECABLE}€"),
        (Decimal("0.005"), f"0,01{INSECABLE}€"),
        (12000, f"12{FINE}000,00{INSECABLE}€"),
        ("10750.00", f"10{FINE}750,00{INSECABLE}€"),
        (None, "—"),
        ("", "—"),
        ("n/a", "n/a"),
        (Decimal("NaN"), "NaN"),
    ],
)
def test_montant_a_la_francaise(valeur, texte):
    """« 10 750,00 € » as French typography writes it: thousands by a narrow no-break space, a
    no-break space before the euro sign (neither lets a line break cut the amount)."""
    assert formats.montant(valeur) == texte
    assert " " not in formats.montant(valeur)  # never a breaking space


@pytest.mark.parametrize(
    "nom, affiche",
    [
        ("..\\..\\evil.json", "evil.json"),
        ("../../etc/evil.json", "evil.json"),
        ("d\x07\u200emo\n.json", "dmo.json"),
        ("", "fichier.json"),
        ("..\\", "fichier.json"),
        ("  pieces.zip ", "pieces.zip"),
        (None, "fichier.json"),
    ],
)
def test_nom_affichable_d_un_fichier_televerse(nom, affiche):
    assert fichiers.nom_affichable(nom) == affiche


def test_nom_affichable_au_plus_255_caracteres():
    assert len(fichiers.nom_affichable("a" * 400 + ".json")) == 255


def test_nom_d_entree_de_zip_garde_son_chemin_et_montre_les_caracteres_de_controle():
    """A deliberate difference: an entry is listed as it is in the zip, an invisible character
    made visible (the entry is refused for it), where an uploaded file's name is cleaned."""
    from piecesjointes.controles import nom_d_entree_affichable

    assert nom_d_entree_affichable("dossier/a\x07.pdf") == "dossier/a\ufffd.pdf"
    assert fichiers.nom_affichable("dossier/a\x07.pdf") == "a.pdf"
    assert len(nom_d_entree_affichable("a" * 400)) == 300


@pytest.mark.parametrize(
    "nom, ext",
    [("Bon.PDF", ".pdf"), ("photo.jpeg", ".jpeg"), ("a.b.png", ".png"), ("sans", ""), (".pdf", ""), ("", "")],
)
def test_extension(nom, ext):
    assert fichiers.extension(nom) == ext
