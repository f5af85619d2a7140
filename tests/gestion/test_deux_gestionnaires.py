"""Two managers at the same time (PostgreSQL, row locks): two payments never exceed the amount, a
decision and a rejection of the same demande make one transition only."""

import datetime
import threading
from decimal import Decimal

from demandes.models import Demande, Paiement
from demandes.valeurs import StatutDemande, StatutPaiement
from tests.factories import creer_demande
from tests.marques import postgres_seulement
from tests.parcours import en_parallele, utilisateur

# --- 3. two managers at the same time (PostgreSQL) ---------------------------------------------


def _a_deux(monkeypatch, cible, nom, appels):
    """Runs the two calls in two threads (two connections); both wait for each other at the write
    `cible.nom` (for 3 s at most: with a row lock, the second one never gets there in time)."""
    rendez_vous = threading.Barrier(2)
    origine = getattr(cible, nom)

    def ecriture(*args, **kwargs):
        try:
            rendez_vous.wait(timeout=3)
        except threading.BrokenBarrierError:
            pass
        return origine(*args, **kwargs)

    monkeypatch.setattr(cible, nom, ecriture)
    resultats = en_parallele(*appels)
    for _, erreur in resultats:
        if erreur is not None:
            raise erreur
    return [resultat for resultat, _ in resultats]


@postgres_seulement("concurrence réelle : PostgreSQL (la CI)")
def test_deux_paiements_simultanes_ne_depassent_pas_le_montant(demo_transactionnel, monkeypatch):
    from demandes import services

    demande = creer_demande(1, StatutDemande.DECIDEE)
    gestionnaire = utilisateur("gestionnaire")

    def payer():
        return services.enregistrer_paiement(
            Demande.objects.filter(pk=demande.pk),
            montant=Decimal("1000.00"),
            date_paiement=datetime.date(2024, 3, 1),
            statut=StatutPaiement.EFFECTUE,
            utilisateur=gestionnaire,
        )

    resultats = _a_deux(monkeypatch, Paiement.objects, "create", [payer, payer])
    assert sorted(len(faites) for faites, _ in resultats) == [0, 1]
    assert sum(Paiement.objects.filter(demande=demande).values_list("montant", flat=True)) == Decimal("1000.00")


@postgres_seulement("concurrence réelle : PostgreSQL (la CI)")
def test_decision_et_rejet_simultanes_une_seule_transition(demo_transactionnel, monkeypatch):
    from demandes import services

    demande = creer_demande(1, StatutDemande.EN_INSTRUCTION)
    gestionnaire = utilisateur("gestionnaire")

    def transition(nom, motif=""):
        return lambda: services.changer_statut(
            Demande.objects.filter(pk=demande.pk), transition=nom, utilisateur=gestionnaire, motif=motif
        )

    resultats = _a_deux(monkeypatch, Demande, "save", [transition("decision"), transition("rejet", "Pièce illisible")])
    assert sorted(len(faites) for faites, _ in resultats) == [0, 1]
    assert demande.history.filter(history_type="~").count() == 1


@postgres_seulement("concurrence réelle : PostgreSQL (la CI)")
def test_complements_deposes_pendant_un_rejet_une_seule_issue(demo_transactionnel, monkeypatch, stockage_temporaire):
    """The supplier sends the compléments while the manager rejects the dossier: the demande's lock
    makes them one after the other; either the pieces are kept and the dossier is « En instruction »
    (the rejection, taken on a page showing « En attente de compléments », is refused), or it is
    « Rejetée » and nothing the supplier sent is kept."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from demandes import services
    from piecesjointes import services as pieces_services
    from piecesjointes.models import PieceComplementaire
    from tests.factories import PDF

    demande = creer_demande(1, StatutDemande.EN_INSTRUCTION)
    gestionnaire, relais = utilisateur("gestionnaire"), utilisateur("relais")
    services.changer_statut(
        Demande.objects.filter(pk=demande.pk), transition="complements", utilisateur=gestionnaire, motif="BDC signé"
    )

    def deposer():
        try:
            return pieces_services.deposer_complements(
                utilisateur=relais,
                demande=demande,
                fichiers=[SimpleUploadedFile("BDC.pdf", PDF, content_type="application/pdf")],
            )
        except pieces_services.ComplementsRefuses as refus:
            return refus.message

    def rejeter():
        return services.changer_statut(
            Demande.objects.filter(pk=demande.pk),
            transition="rejet",
            utilisateur=gestionnaire,
            motif="Délai dépassé",
            statut_vu=StatutDemande.A_COMPLETER,
        )

    depot, (rejetees, refusees) = _a_deux(monkeypatch, Demande, "save", [deposer, rejeter])
    demande.refresh_from_db()
    if demande.statut == StatutDemande.EN_INSTRUCTION:
        assert depot == 1 and PieceComplementaire.objects.count() == 1
        assert rejetees == [] and refusees[0][1] == "la demande est désormais « En instruction »"
    else:
        assert demande.statut == StatutDemande.REJETEE and len(rejetees) == 1
        assert depot == "Aucun complément n'est attendu pour cette demande : elle est « Rejetée »."
        assert not PieceComplementaire.objects.exists()
