"""Helpers of the « Référentiel ANS » tests: a file as a manager writes it (CSV with « ; », or XLSX),
sent to the admin's import (dry run), its preview read back, then confirmed."""

import io
import re

from tests.pages import texte_brut

LISTE_REFERENTIEL = "/admin/demandes/solutionreferencee/"
IMPORT_REFERENTIEL = LISTE_REFERENTIEL + "import/"
CONFIRMATION_REFERENTIEL = LISTE_REFERENTIEL + "process_import/"
EXPORT_REFERENTIEL = LISTE_REFERENTIEL + "export/"

ENTETES_REFERENTIEL = [
    "numéro ANS",
    "SIRET",
    "nom",
    "couloir",
    "logiciel",
    "vague",
    "date de référencement",
    "plafond HT",
    "ouverture avances",
    "fermeture avances",
    "ouverture soldes",
    "fermeture soldes",
]

# The formats offered, in this order (the form's « format » field takes their index).
CSV, XLSX = "0", "1"


def csv_de(lignes, entetes=ENTETES_REFERENTIEL, separateur=";") -> bytes:
    texte = "\n".join(separateur.join(cellules) for cellules in [entetes, *lignes]) + "\n"
    return ("\ufeff" + texte).encode("utf-8")


def xlsx_de(lignes, entetes=ENTETES_REFERENTIEL) -> bytes:
    from openpyxl import Workbook

    classeur = Workbook()
    feuille = classeur.active
    feuille.append(entetes)
    for cellules in lignes:
        feuille.append(cellules)
    tampon = io.BytesIO()
    classeur.save(tampon)
    return tampon.getvalue()


def essai(client, contenu: bytes, *, nom="referentiel.csv", format_=CSV):
    """The dry run: the confirm page (or the page of refusals)."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    fichier = SimpleUploadedFile(nom, contenu)
    reponse = client.post(IMPORT_REFERENTIEL, {"format": format_, "import_file": fichier})
    assert reponse.status_code == 200, reponse.status_code
    return reponse


def apercu(reponse) -> list[tuple[str, str]]:
    """The preview's lines: (kind: new / update / skip, numéro ANS)."""
    contenu = reponse.content.decode()
    lignes = []
    for classe, cellules in re.findall(r'<tr class="(new|update|skip|delete)">(.*?)</tr>', contenu, flags=re.S):
        valeurs = [texte_brut(c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", cellules, flags=re.S)]
        lignes.append((classe, valeurs[1]))
    return lignes


def refus(reponse) -> list[tuple[str, str]]:
    """The refused lines: (line number, every reason of the line as text)."""
    contenu = reponse.content.decode()
    corps = re.search(r'<table class="import-preview">.*?</table>', contenu, flags=re.S)
    assert corps, "pas de tableau des lignes refusées"
    lignes = []
    for rangee in re.findall(r"<tr>(.*?)</tr>", corps.group(0), flags=re.S):
        cellules = re.findall(r"<td[^>]*>(.*?)</td>", rangee, flags=re.S)
        if cellules:
            motifs = " ".join(texte_brut(cellules[1]).split())
            lignes.append((texte_brut(cellules[0]).strip(), motifs))
    return lignes


def confirmer(client, reponse_essai):
    """Posts the confirm page's form as it is (its hidden fields)."""
    contenu = reponse_essai.content.decode()
    formulaire = re.search(r'<form action="[^"]*process_import/" method="POST">(.*?)</form>', contenu, flags=re.S)
    assert formulaire, "pas de formulaire de confirmation"
    champs = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', formulaire.group(1)))
    champs.pop("csrfmiddlewaretoken", None)
    return client.post(CONFIRMATION_REFERENTIEL, {**champs, "confirm": "Confirmer"})
