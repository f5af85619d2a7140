"""The requests for access nobody confirmed, forgotten (demandes.enrolement.purge, the daily task):
past the retention, a request still « Adresse électronique à confirmer » loses its row, its history
and its RIB file; every other request, and a recent one, is kept with its file; its e-mailed link
then says it is no longer valid."""

from datetime import timedelta
from unittest import mock

import pytest
from django.core import mail
from django.core.files.storage import default_storage
from django.utils import timezone

from demandes import tasks
from demandes.enrolement import purge
from demandes.models import DemandeEnrolement
from tests.pages import texte
from tests.portail.test_exploitation import evenements

from .aides_depot import (
    action_du_bouton,
    courriels_de_confirmation,
    deposer,
    lien_du_courriel,
    referencer,
    vider_compteurs,
)

pytestmark = pytest.mark.django_db

Statut = DemandeEnrolement.Statut
LIEN_INVALIDE = (
    "Ce lien de confirmation n'est plus valable (il a expiré ou il est incomplet) : "
    "déposez une nouvelle demande d'accès."
)
BOUTON = "Confirmer mon adresse et transmettre ma demande"


@pytest.fixture(autouse=True)
def compteurs_a_zero():
    vider_compteurs()


@pytest.fixture
def purger(django_capture_on_commit_callbacks):
    """The purge as the worker runs it: its transaction commits, so the files go (on_commit)."""

    def lancer(**options):
        with django_capture_on_commit_callbacks(execute=True):
            return purge.purger_demandes_non_confirmees(**options)

    return lancer


def deposee(client, email: str) -> tuple[DemandeEnrolement, str]:
    """A request deposited through the public form by `email`, and the link of its e-mail."""
    vider_compteurs()  # several deposits from one address in a test: not the throttle's business
    mail.outbox.clear()
    assert deposer(client, contact_email=email).status_code == 302
    (courriel,) = courriels_de_confirmation()
    return DemandeEnrolement.objects.get(contact_email=email), lien_du_courriel(courriel)


def vieillir(demande: DemandeEnrolement, **duree) -> None:
    DemandeEnrolement.objects.filter(pk=demande.pk).update(date_creation=timezone.now() - timedelta(**duree))


def rib_existe(demande: DemandeEnrolement) -> bool:
    return default_storage.exists(demande.rib.name)


def test_demande_non_confirmee_oubliee_avec_son_historique_et_son_rib(client, purger, caplog):
    referencer()
    demande, lien = deposee(client, "claire.martin@nouvel-editeur.fr")
    assert rib_existe(demande) and DemandeEnrolement.history.filter(id=demande.pk).exists()
    vieillir(demande, days=8)

    with caplog.at_level("INFO"):
        resultat = purger()

    assert resultat == {"demandes_purgees": 1, "historiques_purges": 2, "fichiers_rib": 1}
    assert not DemandeEnrolement.objects.filter(pk=demande.pk).exists()
    # the deposit's history row and the one simple_history writes for the deletion
    assert not DemandeEnrolement.history.filter(id=demande.pk).exists()
    assert not rib_existe(demande)
    # the journal says how many, never whose
    (evenement,) = evenements(caplog, "purge_demandes_non_confirmees")
    assert set(evenement) >= {"demandes_purgees", "historiques_purges", "fichiers_rib"}
    assert "claire.martin" not in str(evenement) and demande.iban not in str(evenement)

    # the link of the e-mail, still within its 48 h, finds nothing: the usual message, not a 500
    for reponse in (client.get(lien), client.post(lien)):
        assert reponse.status_code == 200
        assert LIEN_INVALIDE in texte(reponse)

    # a second run has nothing left to delete
    assert purger() == {"demandes_purgees": 0, "historiques_purges": 0, "fichiers_rib": 0}


def test_les_autres_demandes_gardees_avec_leur_rib(client, purger):
    referencer()
    vieille, _ = deposee(client, "vieille@editeur.fr")
    recente, _ = deposee(client, "recente@editeur.fr")
    confirmee, lien = deposee(client, "confirmee@editeur.fr")
    validee, _ = deposee(client, "validee@editeur.fr")
    refusee, _ = deposee(client, "refusee@editeur.fr")
    # the contact confirms his address as he would, from the e-mailed link's button
    vider_compteurs()
    assert client.post(action_du_bouton(client.get(lien), BOUTON)).status_code == 302
    DemandeEnrolement.objects.filter(pk=validee.pk).update(statut=Statut.VALIDEE)
    DemandeEnrolement.objects.filter(pk=refusee.pk).update(statut=Statut.REFUSEE)
    for demande in (vieille, confirmee, validee, refusee):
        vieillir(demande, days=30)
    vieillir(recente, days=6, hours=23)
    gardees = (recente, confirmee, validee, refusee)

    assert purger()["demandes_purgees"] == 1

    assert not DemandeEnrolement.objects.filter(pk=vieille.pk).exists() and not rib_existe(vieille)
    statuts = dict(DemandeEnrolement.objects.values_list("pk", "statut"))
    assert statuts == {
        recente.pk: Statut.ADRESSE_A_CONFIRMER,
        confirmee.pk: Statut.A_VERIFIER,
        validee.pk: Statut.VALIDEE,
        refusee.pk: Statut.REFUSEE,
    }
    for demande in gardees:
        assert rib_existe(demande)
        assert DemandeEnrolement.history.filter(id=demande.pk).exists()

    # idempotent: nothing more the next day at the same age
    assert purger()["demandes_purgees"] == 0
    assert DemandeEnrolement.objects.count() == 4 and all(rib_existe(d) for d in gardees)


def test_retention_reglable_jamais_sous_la_validite_du_lien(client, purger, settings):
    referencer()
    settings.SEGUR_RETENTION_DEMANDES_NON_CONFIRMEES_JOURS = 10
    neuf_jours, _ = deposee(client, "neuf@editeur.fr")
    vieillir(neuf_jours, days=9)
    assert purger()["demandes_purgees"] == 0
    # the run of the 11th day (`maintenant`) forgets it
    assert purger(maintenant=timezone.now() + timedelta(days=2))["demandes_purgees"] == 1

    # a retention set below the link's 48 h: a request whose link still works is not deleted
    settings.SEGUR_RETENTION_DEMANDES_NON_CONFIRMEES_JOURS = 1
    d_hier, lien = deposee(client, "hier@editeur.fr")
    vieillir(d_hier, hours=47)
    assert purger()["demandes_purgees"] == 0
    assert BOUTON in texte(client.get(lien))


def test_rib_deja_absent_ou_stockage_en_panne(client, purger, caplog):
    referencer()
    disparu, _ = deposee(client, "disparu@editeur.fr")
    en_panne, _ = deposee(client, "panne@editeur.fr")
    suivant, _ = deposee(client, "suivant@editeur.fr")
    for demande in (disparu, en_panne, suivant):
        vieillir(demande, days=8)
    default_storage.delete(disparu.rib.name)  # a storage cleaned by hand
    supprimer = default_storage.delete

    def stockage(nom):
        if nom == en_panne.rib.name:
            raise OSError("stockage injoignable")
        supprimer(nom)

    with caplog.at_level("INFO"), mock.patch.object(default_storage, "delete", side_effect=stockage):
        assert purger()["demandes_purgees"] == 3

    assert not DemandeEnrolement.objects.exists()
    assert not rib_existe(suivant)  # the failure of one file stops nothing
    (echec,) = evenements(caplog, "purge_demandes_non_confirmees_fichier")
    assert (echec["fichier"], echec["echec"]) == (en_panne.rib.name, "OSError")


def test_la_tache_quotidienne_lance_la_purge(client, django_capture_on_commit_callbacks):
    referencer()
    demande, _ = deposee(client, "tache@editeur.fr")
    vieillir(demande, days=8)

    with django_capture_on_commit_callbacks(execute=True):
        resultat = tasks.purger_demandes_non_confirmees()

    assert resultat["demandes_purgees"] == 1
    assert not DemandeEnrolement.objects.exists() and not rib_existe(demande)
