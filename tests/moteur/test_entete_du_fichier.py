"""The file's header against the form and the solution (spec §3.1): numeroAns and siret of the supplier,
the VAT regime against the form's taux, the deposit window of the avances and of the soldes — a
mismatch refuses the whole file with its message."""

import datetime

import pytest
from django.utils import timezone

from demandes.models import Solution
from tests.documents import ANS, vers_octets
from tests.moteur.outils import ajouter_une_seconde_ligne, lancer, modifie, rejet, toutes_valides
from tests.pages import MESSAGE_REGIME

# --- numeroAns, siret ------------------------------------------------------------------------


def test_numero_ans_d_un_autre_fournisseur(document_ttc, relais):
    contenu = modifie(document_ttc, lambda d: d.update(numeroAns="cpiPFI0001"))
    erreur = rejet(contenu, relais)
    assert erreur.message == (
        "Le numéro ANS du fichier (numeroAns : « cpiPFI0001 ») n'est pas une solution de votre "
        "structure ou diffère de celui choisi dans le formulaire (mlp525off1)."
    )


def test_numero_ans_inconnu(document_ttc, relais):
    erreur = rejet(modifie(document_ttc, lambda d: d.update(numeroAns="zzz000")), relais)
    assert "numeroAns : « zzz000 »" in erreur.message


def test_numero_ans_different_du_formulaire(document_ttc, relais, demo):
    autre = Solution.objects.get(numero_ans=ANS)
    autre.pk, autre.numero_ans = None, "mlp525off2"
    autre.save()
    erreur = rejet(modifie(document_ttc, lambda d: d.update(numeroAns="mlp525off2")), relais)
    assert erreur.message == (
        "Le numéro ANS du fichier (numeroAns : « mlp525off2 ») est différent de celui choisi "
        "dans le formulaire (mlp525off1)."
    )


def test_numero_ans_du_formulaire_d_un_autre_fournisseur(document_ttc, relais):
    contenu = modifie(document_ttc, lambda d: d.update(numeroAns="cpiPFI0001"))
    erreur = rejet(contenu, relais, numero_ans="cpiPFI0001")
    assert erreur.message == "Le numéro ANS « cpiPFI0001 » ne correspond à aucune solution de votre structure."


def test_siret_different(document_ttc, relais):
    erreur = rejet(modifie(document_ttc, lambda d: d.update(siret="87950324100017")), relais)
    assert erreur.message == (
        "Le SIRET du fichier (siret : « 87950324100017 ») ne correspond pas au SIRET de votre "
        "structure (77625125800013)."
    )


# --- VAT regime against the form's taux ------------------------------------------------------


def test_fichier_ttc_avec_taux_zero(exemple_ttc, relais):
    erreur = rejet(exemple_ttc, relais, taux="0")
    assert erreur.message == MESSAGE_REGIME
    assert erreur.details == [
        "lignesImport[0].commande.regimeTVA : « TTC » alors que le taux choisi impose le régime HT"
    ]


@pytest.mark.parametrize("taux", ["20", "8.5"])
def test_fichier_ht_avec_taux_ttc(taux, exemple_ht, relais):
    erreur = rejet(exemple_ht, relais, taux=taux)
    assert erreur.message == MESSAGE_REGIME
    assert erreur.details == [
        "lignesImport[0].commande.regimeTVA : « HT » alors que le taux choisi impose le régime TTC"
    ]


def test_regimes_melanges(document_ttc, relais):
    def action(document):
        ajouter_une_seconde_ligne(document)
        document["lignesImport"][1]["commande"]["regimeTVA"] = "HT"

    erreur = rejet(modifie(document_ttc, action), relais, taux="20")
    assert erreur.message == MESSAGE_REGIME
    assert [d.split(" :")[0] for d in erreur.details] == ["lignesImport[1].commande.regimeTVA"]


# --- Deposit window ----------------------------------------------------------------------------


def _fenetre(champ, valeur):
    Solution.objects.filter(numero_ans=ANS).update(**{champ: valeur})


def test_fenetre_des_avances_fermee(exemple_ttc, relais):
    _fenetre("avance_fermeture", timezone.now() - datetime.timedelta(days=1))
    erreur = rejet(exemple_ttc, relais)
    assert erreur.message.startswith(f"La période de dépôt des demandes d'avance de la solution {ANS} est fermée")
    assert "elle est ouverte du 01/01/2021 à 00:00 au " in erreur.message


def test_fenetre_des_avances_pas_encore_ouverte(exemple_ttc, relais):
    _fenetre("avance_ouverture", timezone.now() + datetime.timedelta(days=1))
    assert "est fermée" in rejet(exemple_ttc, relais).message


def test_fenetre_des_soldes_fermee_n_empeche_pas_les_avances(exemple_ttc, relais):
    _fenetre("solde_fermeture", timezone.now() - datetime.timedelta(days=1))
    toutes_valides(lancer(exemple_ttc, relais))


def test_fenetre_des_soldes_fermee(document_ttc, relais):
    _fenetre("solde_fermeture", timezone.now() - datetime.timedelta(minutes=1))
    erreur = rejet(vers_octets(document_ttc), relais, type_demande="SOLDE")
    assert erreur.message.startswith(f"La période de dépôt des demandes de solde de la solution {ANS} est fermée")
