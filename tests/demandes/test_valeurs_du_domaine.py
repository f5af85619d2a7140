"""The domain's shared values: the dossier number and the statuses, as suppliers and managers see them."""

import pytest

from demandes import numero_dossier
from demandes.valeurs import StatutDemande, StatutPaiement, TauxTVA, TypeDemande


def test_un_numero_de_dossier_se_decoupe_et_se_reforme():
    decoupe = numero_dossier.decouper("FINHOP004139M12")
    assert decoupe == ("FINHOP004139", 12)
    assert str(decoupe) == "FINHOP004139M12"
    assert numero_dossier.formater("FINHOP004139", 0) == "FINHOP004139M0"
    assert numero_dossier.base_de("FINHOP004139M3") == "FINHOP004139"


@pytest.mark.parametrize(
    "valeur",
    ["FINHOP004139", "finhop004139M0", "FINHOP04139M0", "FINHOP004139M", "FINHOP004139M1x", "XFINHOP004139M1", None, 7],
)
def test_ce_qui_n_est_pas_un_numero_de_dossier(valeur):
    assert numero_dossier.decouper(valeur) is None
    assert not numero_dossier.est_valide(valeur)
    assert numero_dossier.base_de(valeur) is None


def test_les_chiffres_d_un_numero_sont_ascii():
    # « ٣ » is a digit for Python's \d, never in a dossier number.
    assert numero_dossier.decouper("FINHOP00413٣M0") is None


def test_les_numeros_suivants_continuent_la_sequence_du_couloir():
    assert numero_dossier.bases_suivantes("MDV", 41, 3) == ["FINMDV000042", "FINMDV000043", "FINMDV000044"]
    assert numero_dossier.bases_suivantes("MDV", 0, 0) == []


@pytest.mark.parametrize(
    ("saisie", "recherche"),
    [(" finmdv000001m0 ", "FINMDV000001"), ("FINMDV000001M12", "FINMDV000001"), ("mdv0000", "MDV0000")],
)
def test_la_recherche_ignore_la_version(saisie, recherche):
    assert numero_dossier.partie_recherchee(saisie) == recherche


def test_taux_et_regime_du_guide():
    assert [TauxTVA(t).regime for t in ("20", "8.5", "0")] == ["TTC", "TTC", "HT"]
    assert TypeDemande.AVANCE.complement == "d'avance" and TypeDemande.SOLDE.complement == "de solde"


def test_chaque_statut_a_sa_couleur_de_badge_dsfr():
    couleurs_dsfr = {"success", "error", "warning", "info", "new", ""}
    assert {s.couleur for s in StatutDemande} <= couleurs_dsfr
    assert {s.couleur for s in StatutPaiement} <= couleurs_dsfr
    # What a supplier must not confuse: a rejection is not a deposit.
    assert StatutDemande.REJETEE.couleur == "error" != StatutDemande.DEPOSEE.couleur
    assert StatutDemande.DECIDEE.couleur == "success"
    assert [s.vivant for s in StatutDemande] == [True, True, True, True, True, False, False]
