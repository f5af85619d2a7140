"""Fixtures of the import screens' tests (tests/imports/)."""

import copy

import pytest

from tests.documents import vers_octets


@pytest.fixture
def fichier_une_erreur(document_ttc) -> bytes:
    document = copy.deepcopy(document_ttc)
    document["lignesImport"][0]["beneficiaires"]["structure"]["FINESSGeo"][1] = "020015112"
    return vers_octets(document)
