"""Who may see and decide the requests for access: an ASP manager sees and decides (never adds or
deletes one, not even a superuser adds one by hand); a staff account that may only view sees no
decision and is refused one; a supplier never reaches the admin. The RIB is downloaded by the
managers only, as an attachment, and a RIB missing from the storage is told in French."""

import pytest
from django.contrib.auth.models import Group

from demandes.gestionnaires import NOM_GROUPE
from demandes.models import DemandeEnrolement
from tests.factories import PDF, nouveau_staff
from tests.pages import contenu_telecharge, messages_de_la_page, page, texte, vers_la_connexion_admin

from .outils_instruction import COMPLEMENT, LISTE, REFUSER, VALIDER, decisions_offertes, demande_enrolement, fiche

Statut = DemandeEnrolement.Statut


@pytest.fixture
def demande(demo):
    return demande_enrolement()


def lien_du_rib(client, demande) -> str:
    return page(client.get(fiche(demande))).lien("Télécharger le RIB rib-editions.pdf").attrs["href"]


def test_le_groupe_des_gestionnaires_voit_et_instruit_sans_ajouter_ni_supprimer(demo):
    permissions = {
        p.codename
        for p in Group.objects.get(name=NOM_GROUPE).permissions.filter(content_type__model="demandeenrolement")
    }
    assert permissions == {"view_demandeenrolement", "change_demandeenrolement"}


def test_le_gestionnaire_n_ajoute_ni_ne_supprime_une_demande(client_gestionnaire, demande):
    liste = client_gestionnaire.get(LISTE)
    assert "Ajouter demande d'enrôlement" not in texte(liste)
    assert client_gestionnaire.get(f"{LISTE}add/").status_code == 403
    assert client_gestionnaire.post(f"{LISTE}{demande.pk}/delete/", {"post": "yes"}).status_code == 403
    assert DemandeEnrolement.objects.filter(pk=demande.pk).exists()


def test_meme_un_superutilisateur_n_ajoute_pas_de_demande_a_la_main(client, demande):
    from django.contrib.auth import get_user_model

    client.force_login(get_user_model().objects.create_superuser("chef", "chef@asp.gouv.fr", "x"))
    assert client.get(f"{LISTE}add/").status_code == 403
    assert client.get(fiche(demande)).status_code == 200


def test_un_fournisseur_n_accede_pas_aux_demandes_d_enrolement(client_relais, demande):
    for chemin in (LISTE, fiche(demande), f"{LISTE}{demande.pk}/rib/"):
        assert vers_la_connexion_admin(client_relais.get(chemin), chemin)
    chemin = f"{LISTE}{demande.pk}/decision/valider/"
    assert vers_la_connexion_admin(client_relais.post(chemin), chemin)
    demande.refresh_from_db()
    assert demande.statut == Statut.A_VERIFIER


def test_un_compte_en_lecture_seule_voit_la_demande_sans_pouvoir_decider(client, demande):
    client.force_login(nouveau_staff("lecteur", "demandes.view_demandeenrolement"))
    reponse = client.get(fiche(demande))
    assert reponse.status_code == 200
    assert decisions_offertes(reponse) == []
    assert "Vous consultez cette demande : votre compte n'a pas le droit de l'instruire." in texte(reponse)
    for decision, donnees in ((VALIDER, {}), (COMPLEMENT, {"message": "x"}), (REFUSER, {"motif": "x"})):
        nom = decision[0].removeprefix("form-")
        assert client.post(f"{LISTE}{demande.pk}/decision/{nom}/", donnees).status_code == 403
    demande.refresh_from_db()
    assert demande.statut == Statut.A_VERIFIER
    # He may still read the RIB he has to check.
    assert client.get(lien_du_rib(client, demande)).status_code == 200


def test_un_identifiant_qui_n_en_est_pas_un_est_une_page_introuvable(client_gestionnaire, demo):
    assert client_gestionnaire.get(f"{LISTE}abc/change/").status_code == 404
    assert client_gestionnaire.get(f"{LISTE}999999/change/").status_code == 404
    assert client_gestionnaire.get(f"{LISTE}abc/rib/").status_code == 404


# --- The RIB ----------------------------------------------------------------------------------------


def test_le_gestionnaire_telecharge_le_rib(client_gestionnaire, demande):
    reponse = client_gestionnaire.get(lien_du_rib(client_gestionnaire, demande))
    assert reponse.status_code == 200
    assert reponse["Content-Type"] == "application/pdf"
    assert reponse["Content-Disposition"] == 'attachment; filename="RIB-52512345600010.pdf"'
    assert reponse["X-Content-Type-Options"] == "nosniff"
    assert contenu_telecharge(reponse) == PDF


def test_un_rib_absent_du_stockage_est_signale_en_francais(client_gestionnaire, demande):
    lien = lien_du_rib(client_gestionnaire, demande)
    demande.rib.storage.delete(demande.rib.name)
    reponse = client_gestionnaire.get(lien, follow=True)
    assert reponse.redirect_chain[-1][0] == fiche(demande)
    assert messages_de_la_page(reponse) == [
        (
            "error",
            "Le RIB de cette demande est introuvable dans le stockage du portail : il ne peut pas être téléchargé. "
            "Demandez au demandeur de le joindre de nouveau (« Demander un complément »).",
        )
    ]
