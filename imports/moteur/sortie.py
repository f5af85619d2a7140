"""The output file: the uploaded text with impId, numeroASP, codeTraitement and
libelleTraitement replaced in place — every other byte (key order, indentation, the written
form of numbers, line endings, BOM) is left as it was, so the two files diff cleanly."""

import codecs
import json

from .lecture import Document


def _json(valeur) -> str:
    return json.dumps(valeur, ensure_ascii=False)


def fichier_de_sortie(document: Document, resultats, imp_id, numeros_asp=None) -> bytes:
    """`resultats`: one ResultatLigne per line, or any object with code_traitement() and
    libelle_traitement(). `numeros_asp`: optional {rank: dossier number} written after a real import."""
    remplacements = [(document.positions["impId"][0], _json(imp_id))]
    for rang, resultat in enumerate(resultats):
        remplacements.append((document.positions["codeTraitement"][rang], _json(resultat.code_traitement())))
        remplacements.append((document.positions["libelleTraitement"][rang], _json(resultat.libelle_traitement())))
        if numeros_asp and rang in numeros_asp:
            remplacements.append((document.positions["numeroASP"][rang], _json(numeros_asp[rang])))
    remplacements.sort()
    morceaux = []
    curseur = 0
    texte = document.texte
    for (debut, fin), nouveau in remplacements:
        morceaux.append(texte[curseur:debut])
        morceaux.append(nouveau)
        curseur = fin
    morceaux.append(texte[curseur:])
    contenu = "".join(morceaux).encode("utf-8")
    return codecs.BOM_UTF8 + contenu if document.bom else contenu
