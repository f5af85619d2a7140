"""Fixtures of the import screens' tests (tests/imports/)."""

import copy

import pytest

from tests.documents import document_de, en_liberal, en_octets, finess, ligne, rpps, vers_octets


@pytest.fixture
def fichier_une_erreur(document_ttc) -> bytes:
    document = copy.deepcopy(document_ttc)
    document["lignesImport"][0]["beneficiaires"]["structure"]["FINESSGeo"][1] = "020015112"
    return vers_octets(document)


@pytest.fixture
def trois_lignes(document_ttc) -> bytes:
    """Two structures (FINESS géographiques) and one libéral (RPPS), amounts written with cents."""
    liberal = en_liberal(ligne(document_ttc, 3, valeur="1999.99"), rpps(1))
    return en_octets(
        document_de(
            document_ttc,
            ligne(document_ttc, 1, geo=["020015772", "020015111"], valeur="10750.00"),
            ligne(document_ttc, 2, geo=[finess(2)], valeur="0.10"),
            liberal,
        )
    )
