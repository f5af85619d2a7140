"""Reading what the portal answers, as a person or a spreadsheet would: a page's text, its buttons,
links, select options and tables, the admin's messages, a downloaded file, a CSV export, the number
of SQL queries a page costs — and the French messages and column headers the pages must show
(the ASP guide's wording, spec §2–§7)."""

import csv
import html
import io
import re
from collections import namedtuple
from html.parser import HTMLParser
from urllib.parse import quote

from django.db import connection
from django.http import StreamingHttpResponse
from django.test.utils import CaptureQueriesContext

# --- What the screens say ---------------------------------------------------------------------

NOTICE = "La réalisation d'une simulation est obligatoire avant d'accéder à l'import de vos demandes."
MESSAGE_SUCCES = "La simulation de l'import s'est déroulée correctement."
MESSAGE_ERREURS = (
    "Une ou plusieurs erreurs ont été retournées lors de la simulation de l'import. "
    "Veuillez corriger votre fichier en suivant les erreurs du fichier de retour."
)
MESSAGE_FORMAT = "Le JSON chargé ne respecte pas le format attendu"
MESSAGE_REGIME = "Le régime de TVA renseigné dans le JSON est différent de celui renseigné dans ce formulaire"
MESSAGE_IMPORT_REFUSE = "L'import n'est possible qu'après une simulation réussie de ce fichier."
COLONNES_IMPORTS = [
    "Identifiant",
    "Date d'importation",
    "Numéro ANS",
    "Type de demande",
    "Nom du fichier",
    "Nbre de demande",
    "Nbre de demandes retenues",
    "Nbre de demandes rejetées",
    "Fichier JSON",
    "État",
    "Importé par",
]
COLONNES_DEMANDES = [
    "Numéro de dossier",
    "Type",
    "Numéro Editeur",
    "Logiciel",
    "Vague",
    "Date dépôt",
    "Date de la commande",
    "Statut",
    "Statut du dernier paiement",
]
ENTETES_CSV_IMPORTS = [
    "Identifiant",
    "Date d'importation",
    "Numéro ANS",
    "Type de demande",
    "Nom du fichier",
    "Nbre de demande",
    "Nbre de demandes retenues",
    "Nbre de demandes rejetées",
    "État",
    "Importé par",
]
ENTETES_CSV_DEMANDES = [*COLONNES_DEMANDES, "Montant Ségur HT"]

# Step « 2 - Pièces jointes » (spec §6).
COLONNES_ZIPS = ["Nom du fichier importé", "Statut import"]
MESSAGE_COMPLET = "Toutes les pièces jointes peuvent être importées correctement, merci de cliquer sur « Terminer »."
DEMANDE_NOUVEAU_ZIP = "Merci d'importer un nouveau fichier zip contenant les pièces suivantes :"
MESSAGE_MANQUANTES = "Des pièces jointes manquent encore : déposez-les dans un nouveau fichier zip."
MESSAGE_ZIP_EN_COURS = "Un fichier zip est encore en cours de traitement : attendez la fin de son traitement."
MESSAGE_PLUS_DE_DEPOT = "Les pièces jointes ne peuvent plus être déposées pour cet import."
MESSAGE_DEJA_TERMINE = "Cet import est déjà terminé."
MESSAGE_ARCHIVE_ILLISIBLE = (
    "Le fichier n'est pas une archive zip lisible (fichier tronqué, endommagé ou d'un autre format)."
)
MESSAGE_ARCHIVE_VIDE = "L'archive est vide : elle ne contient aucun fichier."
# The motif of each refused entry of a zip.
MOTIF_REMONTE = "chemin interdit : le nom remonte dans l'arborescence (..)"
MOTIF_ABSOLU = "chemin interdit : chemin absolu"
MOTIF_BARRE_INVERSE = "chemin interdit : le nom contient une barre oblique inverse (\\)"
MOTIF_LIEN = "lien symbolique refusé"
MOTIF_CHIFFRE = "fichier chiffré (protégé par mot de passe) refusé"
MOTIF_IMBRIQUEE_NOM = "archive imbriquée refusée : placez les fichiers directement dans le zip"
MOTIF_IMBRIQUEE = "archive imbriquée refusée"
MOTIF_TROP_GROS = "fichier de plus de 3 Mo"
MOTIF_DOUBLON = "nom présent plusieurs fois dans l'archive"
MOTIF_NON_UTF8 = "nom de fichier illisible : il n'est pas encodé en UTF-8"
MOTIF_CONTROLE = "nom de fichier contenant des caractères de contrôle"
MOTIF_CORROMPU = "contenu illisible ou corrompu (tailles déclarées incohérentes ?)"
MOTIF_INCONNU = "nom inconnu : aucune demande retenue de cet import n'annonce ce fichier"
MOTIF_FORMAT = "format non accepté : seuls les fichiers .pdf, .jpg, .jpeg et .png sont acceptés"


# --- A page -----------------------------------------------------------------------------------

Element = namedtuple("Element", "texte attrs")


def normaliser(texte: str) -> str:
    """Whitespace collapsed, as a browser renders it."""
    return " ".join(texte.split())


class Page(HTMLParser):
    """The parts of a rendered page the tests look at: buttons, links, select options, tables."""

    def __init__(self, contenu: str):
        super().__init__(convert_charrefs=True)
        self.boutons, self.liens, self.tables, self.options = [], [], [], {}
        self._bouton = self._lien = self._option = self._cellule = None
        self._select = None
        self.feed(contenu)
        self.close()

    def handle_starttag(self, tag, attrs):
        attributs = dict(attrs)
        if tag == "button":
            self._bouton = (attributs, [])
        elif tag == "a":
            self._lien = (attributs, [])
        elif tag == "select":
            self._select = attributs.get("name")
            self.options[self._select] = []
        elif tag == "option":
            self._option = (attributs, [])
        elif tag == "table":
            self.tables.append([])
        elif tag == "tr" and self.tables:
            self.tables[-1].append([])
        elif tag in ("td", "th"):
            self._cellule = []

    def handle_endtag(self, tag):
        if tag == "button" and self._bouton:
            self.boutons.append(Element(normaliser("".join(self._bouton[1])), self._bouton[0]))
            self._bouton = None
        elif tag == "a" and self._lien:
            self.liens.append(Element(normaliser("".join(self._lien[1])), self._lien[0]))
            self._lien = None
        elif tag == "option" and self._option:
            self.options[self._select].append(Element(normaliser("".join(self._option[1])), self._option[0]))
            self._option = None
        elif tag in ("td", "th") and self._cellule is not None:
            self.tables[-1][-1].append(normaliser("".join(self._cellule)))
            self._cellule = None

    def handle_data(self, data):
        for tampon in (self._bouton, self._lien, self._option):
            if tampon:
                tampon[1].append(data)
        if self._cellule is not None:
            self._cellule.append(data)

    def bouton(self, texte) -> Element:
        trouves = [b for b in self.boutons if b.texte == texte]
        assert len(trouves) == 1, (
            f"bouton « {texte} » : {len(trouves)} trouvé(s) parmi {[b.texte for b in self.boutons]}"
        )
        return trouves[0]

    def lien(self, texte) -> Element:
        trouves = [a for a in self.liens if a.texte == texte]
        assert trouves, f"lien « {texte} » absent de {[a.texte for a in self.liens]}"
        return trouves[0]

    def table(self, entetes) -> list[list[str]]:
        """The rows (header excluded) of the table whose first row is `entetes`."""
        for table in self.tables:
            if table and table[0] == entetes:
                return table[1:]
        raise AssertionError(f"aucune table d'en-têtes {entetes} parmi {[t[0] for t in self.tables if t]}")


def page(reponse) -> Page:
    return Page(reponse.content.decode())


def texte(reponse, *, lu=False) -> str:
    """The page as text: entities decoded, whitespace collapsed. With `lu`, as a person reads it:
    scripts and tags removed too (a word split by markup is then found whole)."""
    contenu = reponse.content.decode()
    if lu:
        contenu = re.sub(r"<[^>]+>", " ", re.sub(r"<script.*?</script>", " ", contenu, flags=re.S))
    return normaliser(html.unescape(contenu))


def texte_brut(fragment: str) -> str:
    """An HTML fragment's text: tags removed, entities decoded."""
    return html.unescape(re.sub(r"<[^>]+>", "", fragment))


def desactive(bouton: Element) -> bool:
    return "disabled" in bouton.attrs


def bouton_fermer(ecran: Page) -> Element:
    """« Fermer » of the simulation result (the DSFR header and theme modal have their own)."""
    trouves = [b for b in ecran.boutons if b.texte == "Fermer" and "data-fermer-alerte" in b.attrs]
    assert len(trouves) == 1, trouves
    return trouves[0]


def lignes_du_tableau(reponse, entetes) -> list[list[str]]:
    """The data rows: the row of per-column filters (empty cells) and the « no result » row are dropped."""
    lignes = page(reponse).table(entetes)
    return [l for l in lignes if len(l) == len(entetes) and any(l)]


def colonne(reponse, entetes, rang=0) -> list[str]:
    assert reponse.status_code == 200, reponse.status_code
    return [l[rang] for l in lignes_du_tableau(reponse, entetes)]


def badges(reponse) -> list[str]:
    """The texts of the page's DSFR badges (statuses), in order."""
    return [
        " ".join(b.split()) for b in re.findall(r'<span class="fr-badge[^"]*">([^<]*)</span>', reponse.content.decode())
    ]


def pieces_listees(reponse) -> set[tuple[str, str, str]]:
    """(nom, format, type) of each row of the page's tables that have these three columns (the
    step « 2 - Pièces jointes » lists the pieces still expected; other columns may come and go)."""
    colonnes = ("Nom du fichier", "Format", "Type")
    trouvees = set()
    for table in page(reponse).tables:
        if table and set(colonnes) <= set(table[0]):
            rangs = [table[0].index(c) for c in colonnes]
            trouvees |= {tuple(r[i] for i in rangs) for r in table[1:] if len(r) == len(table[0])}
    return trouvees


# --- The admin ----------------------------------------------------------------------------------


def messages_de_la_page(reponse) -> list[tuple[str, str]]:
    """(level, text) of each message of the admin's message list."""
    liste = re.search(r'<ul class="messagelist">(.*?)</ul>', reponse.content.decode(), re.S)
    if not liste:
        return []
    return [
        (niveau, normaliser(texte_brut(message)))
        for niveau, message in re.findall(r'<li class="(\w+)">(.*?)</li>', liste.group(1), re.S)
    ]


def options_d_action(reponse) -> dict[str, str]:
    """{value: label} of the changelist's actions, in their order."""
    return {o.attrs["value"]: o.texte for o in page(reponse).options.get("action", []) if o.attrs.get("value")}


def vers_la_connexion_admin(reponse, chemin) -> bool:
    return reponse.status_code == 302 and reponse["Location"] == f"/admin/login/?next={quote(chemin)}"


# --- Downloads, CSV, queries ----------------------------------------------------------------------


def contenu_telecharge(reponse) -> bytes:
    return b"".join(reponse.streaming_content) if reponse.streaming else reponse.content


def lire_csv(reponse) -> list[list[str]]:
    """The rows of a streamed CSV export, as a spreadsheet reads them (UTF-8 BOM, « ; »)."""
    assert reponse.status_code == 200, reponse.status_code
    assert isinstance(reponse, StreamingHttpResponse) and reponse.streaming
    assert reponse["Content-Type"] == "text/csv; charset=utf-8"
    assert reponse["Content-Disposition"].startswith("attachment; filename=")
    octets = contenu_telecharge(reponse)
    assert octets.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM for Excel
    return list(csv.reader(io.StringIO(octets.decode("utf-8")[1:]), delimiter=";"))


def nombre_de_requetes(client, url, *, rechauffer=False, consommer=True) -> int:
    """The SQL queries of one GET of `url`. `rechauffer`: a first GET outside the measure (caches
    of content types, session); `consommer`: a streamed response is read (it queries while read)."""
    if rechauffer:
        client.get(url)
    with CaptureQueriesContext(connection) as requetes:
        reponse = client.get(url)
        assert reponse.status_code == 200
        if consommer:
            contenu_telecharge(reponse)
    return len(requetes)
