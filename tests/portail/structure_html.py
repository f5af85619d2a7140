"""What a person navigating a long page uses: its headings, the « Sommaire » links, the anchors
(ids) and the text of any element that has an id. Read from the rendered HTML (tests of « Besoin
d'aide ? » and of the documentation page)."""

from dataclasses import dataclass, field
from html.parser import HTMLParser

from tests.pages import normaliser

ELEMENTS_VIDES = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
TITRES = {"h1", "h2", "h3", "h4", "h5", "h6"}
# Elements whose edges separate words, as a browser lays them out.
BLOCS = {"br", "dd", "div", "dt", "li", "p", "td", "th", "tr", *TITRES}


@dataclass
class _Ouvert:
    balise: str
    ident: str
    profondeur: int = 0
    texte: list[str] = field(default_factory=list)


class Structure(HTMLParser):
    """`ids`: {id: tag} of every element; `textes`: {id: text} of every non-void element with an id;
    `titres`: [(tag, id or "", text)] of the headings of the main region in order; `sommaire`: [(href, text)] of the
    links of the DSFR summary (`fr-summary__link`)."""

    def __init__(self, contenu: str):
        super().__init__(convert_charrefs=True)
        self.ids: dict[str, str] = {}
        self.doublons: list[str] = []
        self.textes: dict[str, str] = {}
        self.titres: list[tuple[str, str, str]] = []
        self.sommaire: list[tuple[str, str]] = []
        self._ouverts: list[_Ouvert] = []
        self._lien_sommaire: tuple[str, list[str]] | None = None
        self._titre: tuple[str, str, list[str]] | None = None
        self._dans_main = False
        self.feed(contenu)
        self.close()

    def handle_starttag(self, tag, attrs):
        attributs = dict(attrs)
        if tag in BLOCS:
            self.handle_data(" ")
        ident = attributs.get("id")
        for ouvert in self._ouverts:
            if ouvert.balise == tag:
                ouvert.profondeur += 1
        if ident:
            if ident in self.ids:
                self.doublons.append(ident)
            self.ids[ident] = tag
            if tag not in ELEMENTS_VIDES:
                self._ouverts.append(_Ouvert(tag, ident))
        if tag == "a" and "fr-summary__link" in (attributs.get("class") or "").split():
            self._lien_sommaire = (attributs.get("href") or "", [])
        if tag == "main":
            self._dans_main = True
        if tag in TITRES and self._dans_main:
            self._titre = (tag, ident or "", [])

    def handle_endtag(self, tag):
        if tag in BLOCS:
            self.handle_data(" ")
        if tag == "main":
            self._dans_main = False
        for ouvert in list(self._ouverts):
            if ouvert.balise != tag:
                continue
            if ouvert.profondeur:
                ouvert.profondeur -= 1
            else:
                self.textes[ouvert.ident] = normaliser("".join(ouvert.texte))
                self._ouverts.remove(ouvert)
        if tag == "a" and self._lien_sommaire:
            self.sommaire.append((self._lien_sommaire[0], normaliser("".join(self._lien_sommaire[1]))))
            self._lien_sommaire = None
        if self._titre and tag == self._titre[0]:
            self.titres.append((self._titre[0], self._titre[1], normaliser("".join(self._titre[2]))))
            self._titre = None

    def handle_data(self, data):
        for ouvert in self._ouverts:
            ouvert.texte.append(data)
        if self._lien_sommaire:
            self._lien_sommaire[1].append(data)
        if self._titre:
            self._titre[2].append(data)


def structure(reponse) -> Structure:
    return Structure(reponse.content.decode())


def verifier_sommaire(doc: Structure) -> list[str]:
    """The summary's links lead, in order, to every h2 of the page (each h2 has an id, and its
    title is the link's text): returns the anchors, without « # »."""
    assert doc.sommaire, "pas de sommaire (fr-summary) sur la page"
    assert not doc.doublons, f"ids en double : {doc.doublons}"
    titres_h2 = [(ident, titre) for balise, ident, titre in doc.titres if balise == "h2"]
    assert all(ident for ident, _ in titres_h2), f"titre sans ancre : {titres_h2}"
    assert [(href.removeprefix("#"), texte) for href, texte in doc.sommaire] == titres_h2
    assert all(href.startswith("#") for href, _ in doc.sommaire)
    return [ident for ident, _ in titres_h2]
