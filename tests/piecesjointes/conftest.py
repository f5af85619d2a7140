"""Fixtures of the attachments' tests (tests/piecesjointes/): imports that went through the screens
up to « 2 - Pièces jointes »."""

import pytest

from imports.models import Import
from tests.documents import fichier_deux_lignes
from tests.parcours import importer


@pytest.fixture
def import_ttc(client_relais, exemple_ttc) -> Import:
    """The guide's TTC example, imported: one demande expecting NOM_PIECE."""
    return importer(client_relais, exemple_ttc, nom="avance-structure-ttc.json")


@pytest.fixture
def import_deux(client_relais, document_ttc) -> Import:
    return importer(client_relais, fichier_deux_lignes(document_ttc), nom="deux-lignes.json")
