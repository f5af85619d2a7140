"""Bytes -> document: encoding, strict JSON, and where the rewritten fields stand in the text.

The fast path is the C JSON parser with hooks (duplicate keys, NaN/Infinity, numbers written too
long). When it refuses the file — or when the text holds a `\\u0000` escape, which may be a NUL
character in a string — `localiser` walks the text once more, slowly, to name the precise places.

Two limits of the database are enforced here, for every value of the file at once: no string (key
or value) holds a NUL character, which PostgreSQL stores in no text, varchar or jsonb column; no
number is written with more than MAX_CARACTERES_NOMBRE characters (PostgreSQL reads at most
16 383 decimals, and 10750.000… with trailing zeros is otherwise a valid amount).
"""

import codecs
import json
import re
from dataclasses import dataclass, field
from decimal import Decimal

from .anomalies import FormatNonRespecte

# Fields the output file rewrites in place (spec §4).
CHAMPS_REECRITS = ("impId", "numeroASP", "codeTraitement", "libelleTraitement")

# A key of one of those fields and its value. The look-behind excludes an escaped quote, so a
# match always starts a real string token: outside strings no '"' follows a backslash, inside a
# string every '"' does. Once the schema has accepted the file, these keys occur nowhere else.
_CHAMP_REECRIT = re.compile(
    r'(?<!\\)"(impId|numeroASP|codeTraitement|libelleTraitement)"\s*:\s*'
    r'(null|true|false|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|"(?:[^"\\]|\\.)*")',
    re.S,
)

_MESSAGES_JSON = {
    "Expecting value": "valeur attendue",
    "Expecting property name enclosed in double quotes": "nom de clé entre guillemets attendu",
    "Expecting ',' delimiter": "virgule attendue",
    "Expecting ':' delimiter": "deux-points attendus",
    "Unterminated string starting at": "chaîne de caractères non terminée",
    "Invalid control character at": "caractère de contrôle interdit dans une chaîne",
    "Invalid \\escape": "séquence d'échappement invalide",
    "Invalid \\uXXXX escape": "séquence \\uXXXX invalide",
    "Extra data": "contenu en trop après la fin du JSON",
    "Unexpected UTF-8 BOM (decode using utf-8-sig)": "marque d'ordre des octets (BOM) en double ou mal placée",
}


@dataclass
class Document:
    texte: str
    racine: dict
    bom: bool = False
    # (start, end) of each rewritten value in `texte`: "impId" -> [span], others -> one per line.
    positions: dict = field(default_factory=dict)


class _DoubleCle(Exception):
    pass


class _ConstanteInterdite(Exception):
    pass


class _NombreDemesure(Exception):
    pass


# A number of the file is written with at most this many characters (sign, digits, point and
# exponent included): 9999999999.99 needs 13.
MAX_CARACTERES_NOMBRE = 40
MAX_PROBLEMES_LUS = 10
NUL = "\x00"
NUL_ECHAPPE = "\\u0000"  # the text \u0000, as a NUL is written in JSON and shown to the supplier


def _objet_sans_doublon(paires):
    objet = dict(paires)
    if len(objet) != len(paires):
        raise _DoubleCle()
    return objet


def _constante_interdite(nom):
    raise _ConstanteInterdite(nom)


def _entier(ecrit: str) -> int:
    if len(ecrit) > MAX_CARACTERES_NOMBRE:
        raise _NombreDemesure()
    return int(ecrit)


def _decimal(ecrit: str) -> Decimal:
    if len(ecrit) > MAX_CARACTERES_NOMBRE:
        raise _NombreDemesure()
    return Decimal(ecrit)


# A \uD800-\uDFFF escape that is not part of a high+low pair (and not itself escaped, i.e.
# preceded by an even number of backslashes) decodes to a lone surrogate, which no UTF-8 file
# can hold: the output file could not be written.
_SURROGAT_ISOLE = re.compile(
    r"(?<!\\)((?:\\\\)*)(\\u[dD][89abAB][0-9a-fA-F]{2}(?!\\u[dD][c-fC-F][0-9a-fA-F]{2})"
    r"|(?<!\\u[dD][89abAB][0-9a-fA-F]{2})\\u[dD][c-fC-F][0-9a-fA-F]{2})"
)


def _milliers(nombre: int) -> str:
    return f"{nombre:,}".replace(",", " ")


def _ligne_de(texte: str, position: int) -> int:
    return texte.count("\n", 0, position) + 1


def decoder(contenu: bytes) -> tuple[str, bool]:
    """UTF-8 only; a leading BOM is accepted and remembered so the output keeps it."""
    for bom, nom in (
        (codecs.BOM_UTF32_LE, "UTF-32"),
        (codecs.BOM_UTF32_BE, "UTF-32"),
        (codecs.BOM_UTF16_LE, "UTF-16"),
        (codecs.BOM_UTF16_BE, "UTF-16"),
    ):
        if contenu.startswith(bom):
            raise FormatNonRespecte([f"le fichier est encodé en {nom} : seul l'UTF-8 est accepté"])
    avec_bom = contenu.startswith(codecs.BOM_UTF8)
    if avec_bom:
        contenu = contenu[len(codecs.BOM_UTF8) :]
    try:
        return contenu.decode("utf-8"), avec_bom
    except UnicodeDecodeError as erreur:
        ligne = contenu.count(b"\n", 0, erreur.start) + 1
        raise FormatNonRespecte(
            [
                f"ligne {ligne} : le fichier n'est pas encodé en UTF-8 "
                f"(octet 0x{contenu[erreur.start]:02X} invalide à la position {erreur.start + 1})"
            ],
        ) from None


def lire(contenu: bytes, *, max_octets: int, max_lignes: int) -> Document:
    if len(contenu) > max_octets:
        raise FormatNonRespecte(
            [
                f"le fichier fait {_milliers(len(contenu))} octets, au-delà du maximum autorisé de {_milliers(max_octets)} octets"
            ],
        )
    texte, bom = decoder(contenu)
    if not texte.strip():
        raise FormatNonRespecte(["le fichier est vide"])
    # The substring test is a fast C scan; the regex only runs on the rare files that escape surrogates.
    surrogat = ("\\ud" in texte or "\\uD" in texte) and _SURROGAT_ISOLE.search(texte)
    if surrogat:
        raise FormatNonRespecte(
            [
                f"ligne {_ligne_de(texte, surrogat.start())} : séquence {surrogat.group(2)} isolée, "
                "elle ne représente aucun caractère"
            ],
        )
    try:
        racine = json.loads(
            texte,
            object_pairs_hook=_objet_sans_doublon,
            parse_constant=_constante_interdite,
            parse_float=_decimal,
            parse_int=_entier,
        )
    except json.JSONDecodeError as erreur:
        message = _MESSAGES_JSON.get(erreur.msg, erreur.msg)
        if erreur.pos >= len(texte.rstrip()) and erreur.msg != "Extra data":
            message += " (le fichier semble tronqué)"
        raise FormatNonRespecte([f"ligne {erreur.lineno}, colonne {erreur.colno} : {message}"]) from None
    except (_DoubleCle, _ConstanteInterdite, _NombreDemesure):
        raise FormatNonRespecte(localiser(texte).details()) from None
    except RecursionError:
        raise FormatNonRespecte(["le JSON est imbriqué trop profondément"]) from None
    # A NUL can only come from a \u0000 escape (the parser refuses raw control characters in
    # strings): the substring test is a fast C scan, the slow walk runs only on those rare files.
    if NUL_ECHAPPE in texte:
        localisation = localiser(texte)
        if localisation.nb_problemes:
            raise FormatNonRespecte(localisation.details())
    if not isinstance(racine, dict):
        raise FormatNonRespecte(["le fichier doit contenir un objet JSON ({ … }) au premier niveau"])
    lignes = racine.get("lignesImport")
    if isinstance(lignes, list) and len(lignes) > max_lignes:
        raise FormatNonRespecte(
            [f"lignesImport contient {len(lignes)} demandes, au-delà du maximum autorisé de {max_lignes}"],
        )
    return Document(texte=texte, racine=racine, bom=bom)


def reperer_champs_reecrits(document: Document) -> None:
    """Record the spans of impId and of each line's numeroASP / codeTraitement /
    libelleTraitement. Call it once the schema has accepted the file: each line then has
    each key exactly once, so the i-th occurrence of a key belongs to the i-th line."""
    positions: dict[str, list[tuple[int, int]]] = {nom: [] for nom in CHAMPS_REECRITS}
    for correspondance in _CHAMP_REECRIT.finditer(document.texte):
        positions[correspondance.group(1)].append(correspondance.span(2))
    nb_lignes = len(document.racine["lignesImport"])
    attendu = {"impId": 1, "numeroASP": nb_lignes, "codeTraitement": nb_lignes, "libelleTraitement": nb_lignes}
    if any(len(positions[nom]) != nombre for nom, nombre in attendu.items()):
        # Cannot happen for a document the schema accepted; refuse rather than write a wrong file.
        raise FormatNonRespecte(
            [
                "les clés impId, numeroASP, codeTraitement et libelleTraitement doivent être écrites en clair, "
                "sans séquence d'échappement \\u"
            ],
        )
    document.positions = positions


# --- Slow path: a tokenizer that knows JSON paths and line numbers ----------------------

_JETON = re.compile(
    r'[ \t\r\n]*(?:("(?:[^"\\]|\\.)*")|(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)|(true|false|null)'
    r"|(NaN|-?Infinity)|([{}\[\]:,])|(.))",
    re.S,
)


def sans_nul(texte: str) -> str:
    """The text with each NUL character written \\u0000, as in the JSON file."""
    return texte.replace(NUL, NUL_ECHAPPE)


def formater_chemin(chemin) -> str:
    texte = ""
    for element in chemin:
        if isinstance(element, int):
            texte += f"[{element}]"
        else:
            texte += ("." if texte else "") + sans_nul(str(element))
    return texte or "(racine)"


@dataclass
class Localisation:
    lignes: dict  # path tuple -> line number of its value
    problemes: list  # the first MAX_PROBLEMES_LUS problems, with their places
    nb_problemes: int = 0

    def details(self) -> list[str]:
        autres = self.nb_problemes - len(self.problemes)
        return self.problemes + ([f"… et {autres} autre(s) problème(s)"] if autres else [])


def localiser(texte: str, chemins_recherches=None) -> Localisation:
    """Walk the (already decoded) text; return the line of each value's path and the strict-JSON
    problems (duplicate keys, NaN/Infinity, numbers written too long, NUL characters in a key or a
    string) with their places, in file order. With `chemins_recherches`, stops as soon as those
    paths are found and only records them."""
    jetons = _JETON.finditer(texte)
    lignes_trouvees = {}
    problemes: list[str] = []
    nb_problemes = 0
    restants = set(chemins_recherches) if chemins_recherches is not None else None

    def suivant():
        for jeton in jetons:
            if jeton.lastindex is None:
                continue
            return jeton
        return None

    def noter(chemin, debut):
        if restants is None:
            return
        if chemin in restants:
            lignes_trouvees[chemin] = _ligne_de(texte, debut)
            restants.discard(chemin)

    def probleme(chemin, debut, message):
        # Only the first ones are written out (finding a line counts the newlines before it).
        nonlocal nb_problemes
        nb_problemes += 1
        if len(problemes) < MAX_PROBLEMES_LUS:
            problemes.append(f"{formater_chemin(chemin)} (ligne {_ligne_de(texte, debut)}) : {message}")

    def valeur(jeton, chemin):
        noter(chemin, jeton.start(jeton.lastindex))
        if jeton.lastindex == 4:
            probleme(chemin, jeton.start(4), f"valeur {jeton.group(4)} interdite, un nombre fini est attendu")
            return
        if jeton.lastindex == 2 and len(jeton.group(2)) > MAX_CARACTERES_NOMBRE:
            probleme(
                chemin, jeton.start(2), f"nombre de {len(jeton.group(2))} caractères : {MAX_CARACTERES_NOMBRE} au plus"
            )
            return
        if jeton.lastindex == 1 and NUL_ECHAPPE in jeton.group(1) and NUL in json.loads(jeton.group(1)):
            probleme(chemin, jeton.start(1), f"caractère NUL ({NUL_ECHAPPE}) interdit")
            return
        symbole = jeton.group(5)
        if symbole == "{":
            vues = set()
            while True:
                cle = suivant()
                if cle is None or cle.group(5) == "}":
                    return
                if cle.group(5) == ",":
                    continue
                if cle.lastindex != 1:
                    return
                nom = json.loads(cle.group(1))
                if NUL in nom:
                    probleme(chemin + (nom,), cle.start(1), f"caractère NUL ({NUL_ECHAPPE}) interdit")
                elif nom in vues:
                    probleme(chemin + (nom,), cle.start(1), f"clé « {nom} » en double")
                vues.add(nom)
                deux_points = suivant()
                if deux_points is None:
                    return
                contenu = suivant()
                if contenu is None:
                    return
                valeur(contenu, chemin + (nom,))
                if restants is not None and not restants:
                    return
        elif symbole == "[":
            rang = 0
            while True:
                element = suivant()
                if element is None or element.group(5) == "]":
                    return
                if element.group(5) == ",":
                    continue
                valeur(element, chemin + (rang,))
                rang += 1
                if restants is not None and not restants:
                    return

    premier = suivant()
    if premier is not None:
        try:
            valeur(premier, ())
        except RecursionError:
            problemes.append("le JSON est imbriqué trop profondément")
            nb_problemes += 1
    return Localisation(lignes=lignes_trouvees, problemes=problemes, nb_problemes=nb_problemes)
