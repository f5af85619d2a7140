"""What the step « 2 - Pièces jointes » says, for the tests of tests/piecesjointes/ and of the browser."""

# The guide's rules, with the limits of the default settings (SEGUR_MAX_PIECE_BYTES, SEGUR_MAX_ZIP_BYTES)
# and of the controls (100 characters, the accepted extensions), as the page writes them.
REGLES_PIECES = [
    "Lors de l'import de pièces jointes, quelques règles à suivre :",
    "Chaque fichier ne doit pas dépasser 3 Mo",
    "Les formats acceptés sont .pdf, .jpg, .jpeg, .png",
    "Le nom de la pièce jointe ne doit pas avoir plus de 100 caractères",
    "Le nom de la pièce jointe doit être contenu dans le fichier JSON",
    "Chaque fichier Zip ne doit pas dépasser 200 Mo",
    "Chaque fichier doit correspondre à la nomenclature indiquée sur la documentation",
]
# Before any zip: the expected pieces and how to name them (an information, not a warning).
PIECES_A_DEPOSER = (
    "Placez dans un fichier zip les fichiers suivants, nommés exactement comme dans la balise « nomFichier » "
    "de votre fichier JSON (majuscules, minuscules et extension comprises) :"
)
AIDE_TERMINER_MANQUANTES = "Disponible quand aucune pièce ne manque : {n} pièce(s) jointe(s) encore attendue(s)."
TERMINE = "Import terminé : {n} demande(s) déposée(s), transmise(s) aux gestionnaires de l'ASP."
