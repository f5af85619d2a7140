"""The global format check, against the very schema files that are published (schemas/).

A validator compiled by fastjsonschema answers yes/no fast; only when the file fails does
jsonschema's iter_errors list the places, in French, with their line numbers.

Besides keys, nesting and JSON types, the schemas give the maxLength of every free-text value the
real import writes into a varchar column (the length of that column), so that a file that simulates
without error always fits in the database.
"""

import json
from functools import cache
from pathlib import Path

import fastjsonschema
import jsonschema

from .anomalies import FormatNonRespecte
from .lecture import Document, formater_chemin, localiser

DOSSIER_SCHEMAS = Path(__file__).resolve().parents[2] / "schemas"
MAX_PROBLEMES_AFFICHES = 10
MAX_CLES_NOMMEES = 100  # unknown keys named in one problem; the others are counted

_TYPES_JSON = {
    "object": "objet",
    "array": "tableau",
    "string": "chaîne de caractères",
    "integer": "entier",
    "number": "nombre",
    "boolean": "booléen (true/false)",
    "null": "null",
}


def chemin_schema(type_demande: str) -> Path:
    return DOSSIER_SCHEMAS / f"{type_demande.lower()}.schema.json"


@cache
def charger_schema(type_demande: str) -> dict:
    return json.loads(chemin_schema(type_demande).read_text(encoding="utf-8"))


@cache
def _validateur_rapide(type_demande: str):
    return fastjsonschema.compile(charger_schema(type_demande))


def _type_json(valeur) -> str:
    if valeur is None:
        return "null"
    if isinstance(valeur, bool):
        return "booléen"
    if isinstance(valeur, int):
        return "entier"
    if isinstance(valeur, (float,)) or type(valeur).__name__ == "Decimal":
        return "nombre"
    if isinstance(valeur, str):
        return "chaîne de caractères"
    if isinstance(valeur, list):
        return "tableau"
    return "objet"


def _message(erreur: jsonschema.ValidationError) -> tuple[tuple, str]:
    chemin = tuple(erreur.absolute_path)
    if erreur.validator == "required":
        manquantes = [c for c in erreur.validator_value if c not in erreur.instance]
        return chemin, "clé(s) obligatoire(s) absente(s) : " + ", ".join(manquantes)
    if erreur.validator == "additionalProperties":
        prevues = erreur.schema.get("properties", {})
        en_trop = [c for c in erreur.instance if c not in prevues]
        textes = []
        for cle in en_trop[:MAX_CLES_NOMMEES]:
            proche = next((p for p in prevues if p.lower() == cle.lower()), None)
            textes.append(f"« {cle} » (attendu : « {proche} »)" if proche else f"« {cle} »")
        if len(en_trop) > MAX_CLES_NOMMEES:
            textes.append(f"… et {len(en_trop) - MAX_CLES_NOMMEES} autre(s)")
        # Point at the first unexpected key itself, so the line number is the key's line.
        return chemin + (en_trop[0],), "clé(s) non prévue(s) : " + ", ".join(textes)
    if erreur.validator == "type":
        attendus = erreur.validator_value if isinstance(erreur.validator_value, list) else [erreur.validator_value]
        attendu = " ou ".join(_TYPES_JSON[t] for t in attendus)
        return chemin, f"type attendu : {attendu} (reçu : {_type_json(erreur.instance)})"
    if erreur.validator == "minItems":
        return chemin, "au moins une demande est attendue"
    if erreur.validator == "maxLength":
        return chemin, f"chaîne de {len(erreur.instance)} caractères : {erreur.validator_value} au plus"
    return chemin, erreur.message


def verifier_format(document: Document, type_demande: str) -> None:
    try:
        _validateur_rapide(type_demande)(document.racine)
        return
    except fastjsonschema.JsonSchemaException:
        pass
    except RecursionError:
        raise FormatNonRespecte(["le JSON est imbriqué trop profondément"]) from None
    validateur = jsonschema.Draft202012Validator(charger_schema(type_demande))
    try:
        erreurs = sorted(validateur.iter_errors(document.racine), key=lambda e: [str(p) for p in e.absolute_path])
    except RecursionError:
        raise FormatNonRespecte(["le JSON est imbriqué trop profondément"]) from None
    messages = [_message(e) for e in erreurs[:MAX_PROBLEMES_AFFICHES]]
    lignes = localiser(document.texte, {chemin for chemin, _ in messages}).lignes
    details = []
    for chemin, message in messages:
        ligne = lignes.get(chemin)
        place = formater_chemin(chemin) + (f" (ligne {ligne})" if ligne else "")
        details.append(f"{place} : {message}")
    if len(erreurs) > MAX_PROBLEMES_AFFICHES:
        details.append(f"… et {len(erreurs) - MAX_PROBLEMES_AFFICHES} autre(s) problème(s)")
    raise FormatNonRespecte(details)
