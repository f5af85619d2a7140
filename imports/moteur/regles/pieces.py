"""Block « piecesJustificatives »: the attachments each demande announces."""

import re
from collections import defaultdict

from demandes.valeurs import RegimeTVA, TypeDemande
from segur_portal.fichiers import extension

from . import FICHIER, regle

FORMATS = {"PDF": (".pdf",), "JPG": (".jpg", ".jpeg"), "PNG": (".png",)}
_NOM_SUR = re.compile(r"[A-Za-z0-9._-]{1,100}")
LONGUEUR_MAX_NOM = 100


def pieces_obligatoires(ligne, contexte) -> list[str]:
    """The typeFichier a line must announce (E406), also used to list what a demande expects."""
    obligatoires = []
    if contexte.type_demande == TypeDemande.AVANCE:
        obligatoires.append("BON_COMMANDE")
    if ligne["commande"]["regimeTVA"] == RegimeTVA.HT:
        obligatoires.append("PRELVE_HT")
    if ligne["beneficiaires"]["isMandataire"]:
        obligatoires.append("MANDAT")
    if contexte.type_demande == TypeDemande.SOLDE:
        obligatoires += ["FACTURE", "PV_VSR"]
    return obligatoires


def nom_attendu(ligne, contexte, code_piece: str) -> str:
    """The nomenclature prefix: {COULOIR}-{LOGICIEL}-Va{vague}-{CODE}-{numeroEditeur}."""
    solution = contexte.solution
    return f"{solution.couloir.code}-{solution.logiciel.code}-Va{solution.vague}-{code_piece}-{ligne['numeroEditeur']}"


@regle(
    "E401",
    champ="piecesJustificatives[].typeFichier",
    description="typeFichier vaut BON_COMMANDE, PRELVE_HT, MANDAT, FACTURE, PV_VSR ou AUTRE.",
)
def type_fichier(ligne, contexte):
    for rang, piece in enumerate(ligne["piecesJustificatives"]):
        if piece["typeFichier"] not in contexte.types_pieces:
            connus = ", ".join(sorted(contexte.types_pieces))
            yield (
                f"piecesJustificatives[{rang}].typeFichier",
                f"valeur « {piece['typeFichier']} » inconnue : {connus} attendu",
            )


@regle(
    "E402",
    champ="piecesJustificatives[].formatFichier",
    description="formatFichier vaut PDF, JPG ou PNG et correspond à l'extension de nomFichier "
    "(.pdf, .jpg ou .jpeg, .png).",
)
def format_fichier(ligne, contexte):
    for rang, piece in enumerate(ligne["piecesJustificatives"]):
        chemin = f"piecesJustificatives[{rang}].formatFichier"
        extensions = FORMATS.get(piece["formatFichier"])
        if extensions is None:
            yield chemin, f"valeur « {piece['formatFichier']} » inconnue : PDF, JPG ou PNG attendu"
        elif extension(piece["nomFichier"]) not in extensions:
            yield (
                chemin,
                (
                    f"le format {piece['formatFichier']} ne correspond pas à l'extension du fichier "
                    f"« {piece['nomFichier']} » ({' ou '.join(extensions)} attendu)"
                ),
            )


@regle(
    "E403",
    champ="piecesJustificatives[].nomFichier",
    description="nomFichier compte au plus 100 caractères, sans chemin, uniquement parmi A-Z, a-z, 0-9, . _ et -.",
)
def nom_fichier_sur(ligne, contexte):
    for rang, piece in enumerate(ligne["piecesJustificatives"]):
        nom = piece["nomFichier"]
        chemin = f"piecesJustificatives[{rang}].nomFichier"
        if len(nom) > LONGUEUR_MAX_NOM:
            yield chemin, f"nom de {len(nom)} caractères : 100 au plus"
        elif "/" in nom or "\\" in nom:
            yield chemin, f"« {nom} » : le nom ne doit pas contenir de chemin"
        elif not _NOM_SUR.fullmatch(nom):
            yield chemin, f"« {nom} » : caractères autorisés A-Z, a-z, 0-9, point, _ et -"


@regle(
    "E404",
    champ="piecesJustificatives[].nomFichier",
    description="nomFichier suit la nomenclature {COULOIR}-{LOGICIEL}-Va{vague}-{CODE}-{numeroEditeur}[-{n}].{ext}, "
    "CODE valant BDC (BON_COMMANDE), HT (PRELVE_HT), MAN (MANDAT), FAC (FACTURE), VSR (PV_VSR) "
    "ou AUT (AUTRE) ; par exemple MDV-LGC-Va1-BDC-00001.pdf.",
)
def nomenclature(ligne, contexte):
    for rang, piece in enumerate(ligne["piecesJustificatives"]):
        code_piece = contexte.types_pieces.get(piece["typeFichier"])
        if code_piece is None:
            continue  # E401 already says the type is unknown
        nom = piece["nomFichier"]
        prefixe = nom_attendu(ligne, contexte, code_piece)
        ext = extension(nom)
        suffixe = nom[len(prefixe) : len(nom) - len(ext)] if ext else ""
        conforme = (
            ext in (".pdf", ".jpg", ".jpeg", ".png")
            and nom.startswith(prefixe)
            and (suffixe == "" or (suffixe[:1] == "-" and suffixe[1:].isdigit() and suffixe[1:].isascii()))
        )
        if not conforme:
            yield (
                f"piecesJustificatives[{rang}].nomFichier",
                (f"« {nom} » ne suit pas la nomenclature : {prefixe}[-n].pdf (ou .jpg, .jpeg, .png) attendu"),
            )


@regle(
    "E405",
    champ="piecesJustificatives[].nomFichier",
    portee=FICHIER,
    description="nomFichier est unique dans le fichier.",
)
def nom_fichier_unique(lignes, contexte):
    places = defaultdict(list)
    for rang, ligne in enumerate(lignes):
        for rang_piece, piece in enumerate(ligne["piecesJustificatives"]):
            places[piece["nomFichier"]].append((rang, rang_piece))
    for nom, occurrences in places.items():
        if len(occurrences) < 2:
            continue
        rangs = sorted({rang for rang, _ in occurrences})
        for rang, rang_piece in occurrences:
            autres = [str(r + 1) for r in rangs if r != rang]
            ou = f"aussi en demande n° {', '.join(autres)}" if autres else "deux fois dans cette demande"
            yield rang, f"piecesJustificatives[{rang_piece}].nomFichier", f"« {nom} » en double ({ou})"


@regle(
    "E406",
    champ="piecesJustificatives",
    description="Les pièces obligatoires sont annoncées : BON_COMMANDE (avance), PRELVE_HT (régime HT), "
    "MANDAT (isMandataire), FACTURE et PV_VSR (solde).",
)
def pieces_presentes(ligne, contexte):
    annoncees = {piece["typeFichier"] for piece in ligne["piecesJustificatives"]}
    manquantes = [t for t in pieces_obligatoires(ligne, contexte) if t not in annoncees]
    if manquantes:
        yield "piecesJustificatives", "pièce(s) obligatoire(s) manquante(s) : " + ", ".join(manquantes)
