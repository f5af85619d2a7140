"""What the import screens show since issue 12, for the tests of tests/imports/ and of the browser:
the errors table's headers, the TVA hint, the sentence kept for format refusals, the hints of the
greyed buttons, the criterion of the imports list; and `element`, one element of a page read by its id."""

from html.parser import HTMLParser

from tests.pages import normaliser

# « Erreurs par demande »: the line as the file numbers it (numLigne), not its rank in lignesImport.
COLONNES_ERREURS = ["Ligne (numLigne)", "Numéro éditeur", "Code", "Champ", "Message"]
AIDE_TVA = (
    "Si le régime de TVA (regimeTVA) de vos demandes est TTC, sélectionnez 20 % ou 8,5 % ; "
    "s'il est HT, sélectionnez 0 %. Toutes les demandes du fichier doivent avoir le même régime."
)
OPTIONS_TVA = [("Sélectionnez une option", ""), ("20 %", "20"), ("8,5 %", "8.5"), ("0 %", "0")]
PHRASE_BALISES = "Les balises doivent être exactement celles prévues dans la documentation"
VOIR_LES_ERREURS = "Voir les erreurs par demande"
AIDE_IMPORTER_VIERGE = "« Importer » sera disponible après une simulation réussie du fichier."
AIDE_IMPORTER_ECHEC = (
    "« Importer » sera disponible après une simulation réussie : corrigez le fichier puis cliquez sur « Simuler »."
)
AIDE_IMPORTER_IMPORTE = "« Importer » n'est plus disponible : ce fichier a déjà été importé."
AIDE_ETAPE_SUIVANTE = "« Etape suivante » (dépôt des pièces jointes) sera disponible après l'import réel du fichier."
CRITERE_ECHECS = "Afficher les simulations en échec"


# --- Reading one element of a page ---------------------------------------------------------------

VIDES = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class _Element(HTMLParser):
    """The first element matching `critere(tag, attrs)`: its tag, attributes, text and the
    attributes of the elements inside it."""

    def __init__(self, critere):
        super().__init__(convert_charrefs=True)
        self.critere, self.trouve, self.profondeur = critere, None, 0
        self.textes, self.enfants = [], []

    def handle_starttag(self, tag, attrs):
        attributs = dict(attrs)
        if self.trouve is None and self.profondeur == 0 and self.critere(tag, attributs):
            self.trouve = (tag, attributs)
            self.profondeur = 0 if tag in VIDES else 1
            return
        if self.profondeur:
            self.enfants.append((tag, attributs))
            if tag not in VIDES:
                self.profondeur += 1

    def handle_endtag(self, tag):
        if self.profondeur and tag not in VIDES:
            self.profondeur -= 1

    def handle_data(self, data):
        if self.profondeur:
            self.textes.append(data)


def element(contenu: str, *, id=None, critere=None):
    """(tag, attrs, text, children's (tag, attrs)) of the first element with this id (or matching
    `critere`), or None."""
    lecteur = _Element(critere or (lambda tag, attrs: attrs.get("id") == id))
    lecteur.feed(contenu)
    if lecteur.trouve is None:
        return None
    tag, attrs = lecteur.trouve
    return tag, attrs, normaliser("".join(lecteur.textes)), lecteur.enfants
