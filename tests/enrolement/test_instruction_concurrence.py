"""Two managers on the same request at the same moment (PostgreSQL, row locks): the request is
locked while a decision is taken, the second one reads its status again under the lock and is
refused — one Fournisseur, one account, one decision in the history."""

import threading

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError

from demandes import comptes
from demandes.models import DemandeEnrolement, Fournisseur
from tests.marques import postgres_seulement
from tests.parcours import en_parallele, utilisateur

from .outils_instruction import SIRET_NOUVEAU, demande_enrolement, ligne_referentiel

Statut = DemandeEnrolement.Statut


def a_deux(monkeypatch, appels):
    """Both calls in two threads; each waits for the other when it creates the account, late in the
    validation (3 s at most: with the row lock, the second one never gets there in time)."""
    rendez_vous = threading.Barrier(2)
    origine = comptes.creer_compte_fournisseur

    def creer(*args, **kwargs):
        try:
            rendez_vous.wait(timeout=3)
        except threading.BrokenBarrierError:
            pass
        return origine(*args, **kwargs)

    monkeypatch.setattr(comptes, "creer_compte_fournisseur", creer)
    return en_parallele(*appels)


@postgres_seulement("concurrence réelle : PostgreSQL (la CI)")
def test_deux_validations_simultanees_un_seul_enrolement(demo_transactionnel, monkeypatch, stockage_temporaire):
    from demandes.enrolement import instruction

    ligne_referentiel("ans0000001")
    demande = demande_enrolement(["ans0000001"])
    gestionnaire = utilisateur("gestionnaire")

    def valider():
        return instruction.valider(DemandeEnrolement.objects.get(pk=demande.pk), par=gestionnaire)

    resultats = a_deux(monkeypatch, [valider, valider])
    comptes_crees = [compte for compte, erreur in resultats if erreur is None]
    erreurs = [erreur for _, erreur in resultats if erreur is not None]
    assert len(comptes_crees) == 1
    assert [type(e) for e in erreurs] == [ValidationError]
    assert erreurs[0].messages == ["Une demande « Validée » ne peut pas être validée (elle doit être « À vérifier »)."]
    assert Fournisseur.objects.filter(siret=SIRET_NOUVEAU).count() == 1
    assert get_user_model().objects.filter(fournisseur__siret=SIRET_NOUVEAU).count() == 1
    assert demande.history.filter(statut=Statut.VALIDEE).count() == 1


@postgres_seulement("concurrence réelle : PostgreSQL (la CI)")
def test_validation_et_refus_simultanes_une_seule_decision(demo_transactionnel, monkeypatch, stockage_temporaire):
    from demandes.enrolement import instruction

    ligne_referentiel("ans0000001")
    demande = demande_enrolement(["ans0000001"])
    gestionnaire = utilisateur("gestionnaire")

    def valider():
        return instruction.valider(DemandeEnrolement.objects.get(pk=demande.pk), par=gestionnaire)

    def refuser():
        return instruction.refuser(DemandeEnrolement.objects.get(pk=demande.pk), par=gestionnaire, motif="Doublon")

    resultats = a_deux(monkeypatch, [valider, refuser])
    assert sorted(erreur is None for _, erreur in resultats) == [False, True]
    demande.refresh_from_db()
    decidee = demande.statut
    assert decidee in (Statut.VALIDEE, Statut.REFUSEE)
    assert demande.history.filter(statut__in=[Statut.VALIDEE, Statut.REFUSEE]).count() == 1
    # Refused: nothing of a validation remains; validated: the refusal's motif is not recorded.
    assert Fournisseur.objects.filter(siret=SIRET_NOUVEAU).exists() == (decidee == Statut.VALIDEE)
    assert (demande.motif == "Doublon") == (decidee == Statut.REFUSEE)
