"""The JSON files of demandes the tests send: the guide's models, lines built from them, identifiers
with a valid (or a wrong) Luhn key, and the bytes of a file as a supplier would write it.

Every builder starts from the guide's TTC example (one valid avance line) and changes as little as
possible, so that a failing test points at one rule."""

import copy
import json
import re

from tests import RACINE

SCHEMAS = RACINE / "schemas"
# The guide's models, shipped with the portal (served by the documentation page).
MODELES = SCHEMAS / "modeles"

ANS = "mlp525off1"  # relais's solution (couloir MDV, logiciel LGC)
SIRET_RELAIS = "77625125800013"
SIRET_UNIKALO = "87950324100017"  # owns cpiPFI0001 (HOP / PFI)
SIRET_HOPITAL = "41268937400012"  # owns bnd52qq600 (HOP / RI) and 2021k052a (HOP / DPI)
FINESS_1, FINESS_2 = "020015772", "020015111"  # the example's FINESS géographiques (valid keys)


# --- Writing a file -----------------------------------------------------------------------


def vers_octets(document: dict) -> bytes:
    return json.dumps(document, ensure_ascii=False, indent=2).encode("utf-8")


def montant(ecrit: str) -> str:
    """A number written exactly as `ecrit` in the file (json.dumps would write 10750.0): give the
    document to `en_octets`."""
    return f"#nombre:{ecrit}"


def en_octets(document: dict) -> bytes:
    """`vers_octets`, the amounts given by `montant` written as bare numbers."""
    return re.sub(rb'"#nombre:([-0-9.eE+]+)"', rb"\1", vers_octets(document))


# --- Identifiers: FINESS (9 digits) and RPPS (11 digits) with their Luhn key ----------------------


def luhn(chiffres: str) -> bool:
    """Written here rather than imported, so the tests do not share a bug with the engine."""
    total = 0
    for rang, caractere in enumerate(reversed(chiffres)):
        valeur = int(caractere) * (2 if rang % 2 else 1)
        total += valeur - 9 if valeur > 9 else valeur
    return total % 10 == 0


def cle_luhn(chiffres: str) -> int:
    """The key digit that makes `chiffres` + key pass the Luhn check."""
    total = 0
    for rang, chiffre in enumerate(reversed(chiffres)):
        valeur = int(chiffre)
        if rang % 2 == 0:  # these digits are doubled once the key is appended
            valeur *= 2
            if valeur > 9:
                valeur -= 9
        total += valeur
    return (10 - total % 10) % 10


def avec_cle(debut: str) -> str:
    return next(debut + str(cle) for cle in range(10) if luhn(debut + str(cle)))


def finess(n: int) -> str:
    return avec_cle(f"0300{n:04d}")


def rpps(n: int) -> str:
    return avec_cle(f"1000{n:06d}")


def sans_cle(numero: str) -> str:
    """The same number with a wrong key."""
    return numero[:-1] + str((int(numero[-1]) + 1) % 10)


def finess_invalide(rang: int) -> str:
    base = f"0300{rang:04d}"
    return base + str((cle_luhn(base) + 1) % 10)


# --- Lines ----------------------------------------------------------------------------------


def poser(objet, chemin: str, valeur):
    """poser(ligne, "beneficiaires.structure.FINESSGeo[1]", "…")"""
    elements = [int(e[1:-1]) if e.startswith("[") else e for e in re.findall(r"\[\d+\]|[^.\[\]]+", chemin)]
    for element in elements[:-1]:
        objet = objet[element]
    objet[elements[-1]] = valeur


def ligne_type(document: dict, **remplacements) -> dict:
    """A copy of the document's first line, with some of its keys replaced."""
    ligne = copy.deepcopy(document["lignesImport"][0])
    ligne.update(remplacements)
    return ligne


def piece(type_fichier: str, nom: str, format_fichier: str = "PDF") -> dict:
    return {"nomFichier": nom, "formatFichier": format_fichier, "typeFichier": type_fichier}


def ligne_valide(document, n: int = 1, *, editeur: str | None = None, geo=None) -> dict:
    """A valid avance line, numLigne n, with its own numeroEditeur, FINESS and file names."""
    ligne = copy.deepcopy(document["lignesImport"][0])
    editeur = editeur or f"{n:05d}"
    ligne["numLigne"] = n
    ligne["numeroEditeur"] = editeur
    ligne["beneficiaires"]["structure"]["FINESSGeo"] = list(geo or [finess(n), finess(100 + n)])
    ligne["piecesJustificatives"] = [piece("BON_COMMANDE", f"MDV-LGC-Va1-BDC-{editeur}.pdf")]
    return ligne


def ligne(
    document_ttc, n, *, editeur=None, geo=None, action="C", numero_asp=None, valeur="10750.00", prefixe="MDV-LGC-Va1"
):
    """A valid avance line of the TTC example with its own numeroEditeur, FINESS and file names,
    its action, numeroASP and amount (written as `valeur`: give the file to `en_octets`)."""
    resultat = ligne_valide(document_ttc, n, editeur=editeur, geo=geo)
    resultat["typeAction"], resultat["numeroASP"] = action, numero_asp
    resultat["commande"]["montantSegurHT"] = montant(valeur)
    editeur = resultat["numeroEditeur"]
    resultat["piecesJustificatives"] = [piece("BON_COMMANDE", f"{prefixe}-BDC-{editeur}.pdf")]
    return resultat


def en_solde(ligne: dict) -> dict:
    editeur = ligne["numeroEditeur"]
    ligne["piecesJustificatives"] = [
        piece("FACTURE", f"MDV-LGC-Va1-FAC-{editeur}.pdf"),
        piece("PV_VSR", f"MDV-LGC-Va1-VSR-{editeur}.pdf"),
    ]
    return ligne


def ligne_solde(document_ttc, n, *, numero_asp, geo, editeur=None):
    resultat = en_solde(ligne(document_ttc, n, editeur=editeur, geo=geo))
    resultat["numeroASP"] = numero_asp
    return resultat


def medecin(rang: int, numero: str) -> dict:
    return {
        "nomMedecin": f"MARTIN {rang}",
        "emailMedecin": f"martin{rang}@cabinet.fr",
        "telephoneMedecin": "06 12 34 56 78",
        "RPPS": numero,
    }


def en_liberal(ligne: dict, *numeros_rpps) -> dict:
    numeros_rpps = numeros_rpps or (rpps(1),)
    beneficiaires = ligne["beneficiaires"]
    beneficiaires["commandePour"] = "LIBERAL"
    beneficiaires["isClientUnique"] = len(numeros_rpps) == 1
    beneficiaires["liberal"] = [medecin(rang, numero) for rang, numero in enumerate(numeros_rpps)]
    beneficiaires["structure"] = {
        "nomResponsable": None,
        "emailResponsable": None,
        "telephoneResponsable": None,
        "FINESSJuridique": None,
        "FINESSGeo": [],
    }
    return ligne


def en_mandataire(ligne: dict) -> dict:
    b = ligne["beneficiaires"]
    b.update(
        isMandataire=True,
        nomMandataire="CABINET CONSEIL",
        emailMandataire="contact@conseil.fr",
        telephoneMandataire="01 23 45 67 89",
    )
    ligne["piecesJustificatives"].append(piece("MANDAT", f"MDV-LGC-Va1-MAN-{ligne['numeroEditeur']}.pdf"))
    return ligne


# --- Files ------------------------------------------------------------------------------------


def fichier(document, *lignes) -> dict:
    """The document with these lines (the same objects) instead of its own."""
    document = copy.deepcopy(document)
    document["lignesImport"] = list(lignes)
    return document


def document_de(document_ttc, *lignes, numero_ans=ANS, siret=SIRET_RELAIS) -> dict:
    """The document for this solution and supplier, with copies of these lines."""
    document = copy.deepcopy(document_ttc)
    document["numeroAns"], document["siret"] = numero_ans, siret
    document["lignesImport"] = [copy.deepcopy(ligne) for ligne in lignes]
    return document


def fichier_deux_lignes(document_ttc) -> bytes:
    """Two demandes of the TTC example, expecting NOM_PIECE and NOM_PIECE_2 (one BON_COMMANDE each)."""
    document = dict(document_ttc)
    document["lignesImport"] = [ligne_valide(document_ttc, 1), ligne_valide(document_ttc, 2)]
    return vers_octets(document)


def lignes_changees(avant: bytes, apres: bytes) -> list[str]:
    """The lines (stripped) that differ between a file and its output file; the replacements never
    add nor remove a line."""
    lignes_avant, lignes_apres = avant.decode("utf-8-sig").splitlines(), apres.decode("utf-8-sig").splitlines()
    assert len(lignes_avant) == len(lignes_apres)
    return [b.strip() for a, b in zip(lignes_avant, lignes_apres, strict=False) if a != b]


def ligne_de(contenu: bytes, fragment: bytes, occurrence: int = 1) -> int:
    """Line number (1-based) of the n-th occurrence of `fragment` in the file."""
    position = -1
    for _ in range(occurrence):
        position = contenu.index(fragment, position + 1)
    return contenu.count(b"\n", 0, position) + 1
