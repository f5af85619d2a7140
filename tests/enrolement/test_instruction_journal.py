"""Each decision on a request for access is one line of the business journal: who, which request,
what it created, or why it failed — identifiers only, never the vendor's address or bank details."""

import pytest
from django.contrib.auth import get_user_model

from .outils_instruction import (
    COMPLEMENT,
    CONTACT,
    IBAN,
    REFUSER,
    VALIDER,
    decider,
    demande_enrolement,
    ligne_referentiel,
)


def evenements(caplog, nom) -> list[dict]:
    return [dict(r.msg) for r in caplog.records if isinstance(r.msg, dict) and r.msg.get("event") == nom]


@pytest.fixture
def demande(demo):
    ligne_referentiel("ans0000001")
    return demande_enrolement(["ans0000001"])


def sans_donnees_personnelles(caplog):
    for record in caplog.records:
        if isinstance(record.msg, dict) and str(record.msg.get("event", "")).startswith("enrolement_"):
            assert CONTACT not in str(record.msg) and IBAN not in str(record.msg)


def test_la_validation_est_journalisee(client_gestionnaire, gestionnaire, demande, caplog):
    with caplog.at_level("INFO"):
        decider(client_gestionnaire, demande, VALIDER)
    demande.refresh_from_db()
    (validation,) = evenements(caplog, "enrolement_validation")
    assert {cle: validation[cle] for cle in ("demande_id", "par", "fournisseur_id", "compte_id")} == {
        "demande_id": demande.pk,
        "par": gestionnaire.pk,
        "fournisseur_id": demande.fournisseur_id,
        "compte_id": demande.utilisateur_id,
    }
    assert "echec" not in validation
    assert [e["compte_id"] for e in evenements(caplog, "lien_activation")] == [demande.utilisateur_id]
    sans_donnees_personnelles(caplog)


def test_une_validation_refusee_est_journalisee_comme_echec(client_gestionnaire, demande, caplog):
    get_user_model().objects.create_user("pris", CONTACT, "x")  # the address is already an account's
    with caplog.at_level("INFO"):
        decider(client_gestionnaire, demande, VALIDER)
    (echec,) = evenements(caplog, "enrolement_validation")
    assert (echec["demande_id"], echec["echec"]) == (demande.pk, "ValidationError")
    assert evenements(caplog, "lien_activation") == []


def test_le_refus_et_le_complement_sont_journalises(client_gestionnaire, gestionnaire, demo, caplog):
    ligne_referentiel("ans0000001")
    premiere = demande_enrolement(["ans0000001"])
    with caplog.at_level("INFO"):
        decider(client_gestionnaire, premiere, COMPLEMENT, message="Un RIB lisible.")
        decider(client_gestionnaire, premiere, REFUSER, motif="Aucune réponse.")
    assert [(e["demande_id"], e["par"]) for e in evenements(caplog, "enrolement_complement")] == [
        (premiere.pk, gestionnaire.pk)
    ]
    assert [(e["demande_id"], e["par"]) for e in evenements(caplog, "enrolement_refus")] == [
        (premiere.pk, gestionnaire.pk)
    ]
    assert [e["demande_id"] for e in evenements(caplog, "enrolement_courriel_complement")] == [premiere.pk]
    assert [e["demande_id"] for e in evenements(caplog, "enrolement_courriel_refus")] == [premiere.pk]
    sans_donnees_personnelles(caplog)
