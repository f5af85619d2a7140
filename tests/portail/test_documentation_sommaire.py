"""The documentation page is navigable (issue 12, point 7): a « Sommaire » leading to each section,
an anchor `regle-<CODE>` on every rule of the engine's catalogue (the import screen links its error
codes there), and the attachment limits read from the settings."""

from imports.moteur.regles import catalogue
from segur_portal.formats import MO
from tests.portail.structure_html import structure, verifier_sommaire

SECTIONS = ["modeles", "champs", "controles", "regles", "nomenclature", "depot-pieces"]


def test_le_sommaire_mene_a_chaque_section(client_relais):
    reponse = client_relais.get("/imports/documentation/")
    assert reponse.status_code == 200
    assert verifier_sommaire(structure(reponse)) == SECTIONS


def test_chaque_regle_du_catalogue_a_son_ancre(client_relais):
    """Iterates over the engine's catalogue: a rule added without its anchor fails here."""
    doc = structure(client_relais.get("/imports/documentation/"))
    regles = catalogue()
    assert len(regles) >= 20
    for regle in regles:
        ancre = f"regle-{regle.code}"
        assert doc.ids.get(ancre) == "tr", ancre
        assert doc.textes[ancre].startswith(f"{regle.code} {regle.champ} "), doc.textes[ancre]
    assert sorted(i for i in doc.ids if i.startswith("regle-")) == sorted(f"regle-{r.code}" for r in regles)


def test_le_depot_des_pieces_suit_les_limites_configurees(client_relais, settings):
    settings.SEGUR_MAX_ZIP_BYTES = 150 * MO
    settings.SEGUR_MAX_PIECE_BYTES = 2 * MO
    settings.SEGUR_MAX_ENTREES_ZIP = 7500
    limites = structure(client_relais.get("/imports/documentation/")).textes["limites-pieces"]
    assert "chaque fichier zip pèse au plus 150 Mo et contient au plus 7 500 fichiers" in limites
    assert "chaque fichier pèse au plus 2 Mo" in limites
    assert "au plus 100 caractères" in limites
    assert "200 Mo" not in limites and "3 Mo" not in limites
