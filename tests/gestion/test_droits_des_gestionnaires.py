"""Who enters the ASP managers' admin (spec §7): the group « Gestionnaires ASP » created by the migrations
with exactly its permissions; staff only — a staff account outside the group is refused, a read-only
one has no action; a supplier never enters the admin, even flagged staff or superuser; anonymous
users are sent to the admin's login; a manager cannot give himself every right."""

import pytest
from django.contrib.auth.models import Group, Permission

from demandes.models import Demande, Paiement
from demandes.valeurs import StatutDemande
from piecesjointes.models import PieceRecue
from tests.factories import creer_demande, nouveau_staff
from tests.gestion.outils import ACTIONS, EXPORT, LISTE, PERMISSIONS_GESTIONNAIRES, agir, resultats, statuts
from tests.pages import options_d_action, vers_la_connexion_admin
from tests.parcours import utilisateur

# --- 1. the group, staff only, suppliers kept out ---------------------------------------------


def test_groupe_cree_par_les_migrations_avec_exactement_ses_permissions(db):
    groupe = Group.objects.get(name="Gestionnaires ASP")
    accordees = {f"{p.content_type.app_label}.{p.codename}" for p in groupe.permissions.select_related("content_type")}
    assert accordees == PERMISSIONS_GESTIONNAIRES
    assert not any(p.split(".")[1].startswith("delete_") for p in accordees)
    assert not {"demandes.add_demande", "demandes.change_paiement", "demandes.add_paiement"} & accordees
    assert not any(p.startswith(("auth.", "admin.", "contenttypes.", "sessions.")) for p in accordees)


def test_groupe_et_compte_du_gestionnaire_apres_seed_demo_rejoue(demo):
    from demandes.management.commands.seed_demo import creer_donnees_demo

    creer_donnees_demo()  # idempotent
    groupe = Group.objects.get(name="Gestionnaires ASP")
    assert {f"{p.content_type.app_label}.{p.codename}" for p in groupe.permissions.all()} == PERMISSIONS_GESTIONNAIRES
    gestionnaire = utilisateur("gestionnaire")
    assert gestionnaire.is_staff and not gestionnaire.is_superuser and gestionnaire.fournisseur_id is None
    assert list(gestionnaire.groups.values_list("name", flat=True)) == ["Gestionnaires ASP"]
    assert not gestionnaire.user_permissions.exists()
    assert gestionnaire.get_all_permissions() == PERMISSIONS_GESTIONNAIRES
    for nom in ("relais", "unikalo", "hopital"):
        fournisseur = utilisateur(nom)
        assert not fournisseur.is_staff and not fournisseur.groups.exists()


def test_le_gestionnaire_voit_la_liste_et_les_actions(client_gestionnaire):
    creer_demande(1)
    reponse = client_gestionnaire.get(LISTE)
    assert resultats(reponse) == ["FINMDV000001M0"]
    assert list(options_d_action(reponse)) == ACTIONS  # no « supprimer »
    assert "/admin/demandes/demande/add/" not in reponse.content.decode()
    assert client_gestionnaire.get("/admin/").status_code == 200
    assert client_gestionnaire.get("/admin/demandes/demande/add/").status_code == 403
    demande = Demande.objects.get()
    assert client_gestionnaire.get(f"/admin/demandes/demande/{demande.pk}/delete/").status_code == 403
    assert client_gestionnaire.get(f"/admin/demandes/fournisseur/{demande.fournisseur_id}/delete/").status_code == 403


def test_un_staff_hors_du_groupe_est_refuse(client, demo, demande_importee_avec_piece):
    demande = demande_importee_avec_piece
    client.force_login(nouveau_staff())
    assert client.get("/admin/").status_code == 200  # the empty index of a staff account
    for chemin in (
        LISTE,
        f"{LISTE}{demande.pk}/change/",
        f"{LISTE}{demande.pk}/history/",
        EXPORT,
        "/admin/imports/import/",
        f"/admin/imports/import/{demande.import_demandes_id}/fichier/",
        f"/admin/imports/import/{demande.import_demandes_id}/sortie/",
        "/admin/piecesjointes/piecerecue/",
        "/admin/demandes/fournisseur/",
        "/admin/demandes/utilisateur/",
    ):
        assert client.get(chemin).status_code == 403, chemin
    for action, donnees in (
        ("passer_en_instruction", {}),
        ("rejeter", {"motif": "non"}),
        ("enregistrer_un_paiement", {"montant": "1", "date_paiement": "2024-03-01", "statut": "EFFECTUE"}),
    ):
        assert agir(client, action, [demande], **donnees).status_code == 403
    assert statuts(demande) == [(StatutDemande.DEPOSEE, "")]
    piece = PieceRecue.objects.get()
    assert client.get(f"/pieces-jointes/piece/{piece.pk}/").status_code == 404


def test_un_staff_en_lecture_seule_n_a_pas_les_actions(client, demo):
    demande = creer_demande(1)
    client.force_login(nouveau_staff("auditeur", "demandes.view_demande"))
    reponse = client.get(LISTE)
    assert resultats(reponse) == ["FINMDV000001M0"]
    assert list(options_d_action(reponse)) == ["exporter_csv"]
    for action in ("passer_en_instruction", "decider", "rejeter", "enregistrer_un_paiement"):
        reponse = agir(client, action, [demande])
        assert reponse.status_code in (200, 302), action
    reponse = agir(client, "rejeter", [demande], motif="non")
    assert reponse.status_code in (200, 302)
    assert statuts(demande) == [(StatutDemande.DEPOSEE, "")]
    assert demande.history.count() == 1


def test_instruire_sans_payer_et_payer_sans_instruire(client, demo):
    demande = creer_demande(1, StatutDemande.DECIDEE)
    client.force_login(nouveau_staff("instructeur", "demandes.view_demande", "demandes.instruire_demande"))
    assert list(options_d_action(client.get(LISTE))) == [
        "m_attribuer",
        "passer_en_instruction",
        "decider",
        "rejeter",
        "exporter_csv",
    ]
    agir(client, "enregistrer_un_paiement", [demande], montant="10.00", date_paiement="2024-03-01", statut="EFFECTUE")
    assert statuts(demande) == [(StatutDemande.DECIDEE, "")] and not Paiement.objects.exists()

    client.force_login(nouveau_staff("payeur", "demandes.view_demande", "demandes.enregistrer_paiement"))
    assert list(options_d_action(client.get(LISTE))) == ["enregistrer_un_paiement", "exporter_csv"]
    deposee = creer_demande(2)
    agir(client, "passer_en_instruction", [deposee])
    assert statuts(deposee) == [(StatutDemande.DEPOSEE, "")]


ADMIN_POUR_UN_FOURNISSEUR = [
    "/admin/",
    LISTE,
    "{liste}{pk}/change/",
    "{liste}{pk}/history/",
    EXPORT,
    "/admin/imports/import/",
    "/admin/imports/import/{imp}/fichier/",
    "/admin/demandes/utilisateur/",
    "/admin/demandes/fournisseur/",
]


@pytest.mark.parametrize("drapeaux", ["staff", "staff+groupe", "staff+superuser"])
def test_un_fournisseur_n_entre_jamais_dans_l_admin(client, demande_importee_avec_piece, drapeaux):
    demande = demande_importee_avec_piece
    relais = utilisateur("relais")
    relais.is_staff = True
    relais.is_superuser = "superuser" in drapeaux
    relais.save()
    if "groupe" in drapeaux:
        relais.groups.add(Group.objects.get(name="Gestionnaires ASP"))
    client.force_login(relais)
    for modele in ADMIN_POUR_UN_FOURNISSEUR:
        chemin = modele.format(liste=LISTE, pk=demande.pk, imp=demande.import_demandes_id)
        assert vers_la_connexion_admin(client.get(chemin), chemin), chemin
    reponse = agir(client, "passer_en_instruction", [demande])
    assert vers_la_connexion_admin(reponse, LISTE)
    assert statuts(demande) == [(StatutDemande.DEPOSEE, "")]
    # The supplier still lands on its own space, never in the admin.
    client.logout()
    reponse = client.post("/connexion/", {"username": "relais", "password": "demo"})
    assert reponse.status_code == 302 and reponse["Location"] == "/"
    assert client.get("/demandes/").status_code == 200


def test_un_fournisseur_staff_qui_se_connecte_par_l_admin_reste_dehors(client, demo):
    relais = utilisateur("relais")
    relais.is_staff = True
    relais.save()
    client.post("/admin/login/?next=/admin/", {"username": "relais", "password": "demo", "next": "/admin/"})
    assert vers_la_connexion_admin(client.get(LISTE), LISTE)
    assert vers_la_connexion_admin(client.get("/admin/"), "/admin/")


def test_un_fournisseur_non_staff_n_a_pas_l_admin(client, demo):
    client.force_login(utilisateur("unikalo"))
    assert vers_la_connexion_admin(client.get(LISTE), LISTE)
    reponse = client.post("/admin/login/", {"username": "unikalo", "password": "demo", "next": "/admin/"})
    assert reponse.status_code == 200  # the admin's login form refuses a non-staff account


@pytest.mark.parametrize(
    "chemin", [LISTE, EXPORT, "/admin/", "/admin/imports/import/1/fichier/", "/admin/demandes/demande/1/history/"]
)
def test_anonyme_renvoye_vers_la_connexion_de_l_admin(client, db, chemin):
    reponse = client.get(chemin)
    assert vers_la_connexion_admin(reponse, chemin), (reponse.status_code, reponse.get("Location"))


def test_anonyme_ne_peut_pas_lancer_une_action(client, demo):
    demande = creer_demande(1)
    assert vers_la_connexion_admin(agir(client, "passer_en_instruction", [demande]), LISTE)
    assert statuts(demande) == [(StatutDemande.DEPOSEE, "")]


def test_un_gestionnaire_ne_peut_pas_se_donner_tous_les_droits(client_gestionnaire, gestionnaire):
    agent = nouveau_staff()
    donnees = {
        "email": "",
        "first_name": "",
        "last_name": "",
        "fournisseur": "",
        "is_active": "on",
        "is_staff": "on",
        "is_superuser": "on",
        "date_joined_0": "01/01/2024",
        "date_joined_1": "10:00:00",
    }
    client_gestionnaire.post(
        f"/admin/demandes/utilisateur/{gestionnaire.pk}/change/",
        {**donnees, "username": "gestionnaire", "groups": [str(g.pk) for g in gestionnaire.groups.all()]},
    )
    client_gestionnaire.post(
        f"/admin/demandes/utilisateur/{agent.pk}/change/",
        {
            **donnees,
            "username": "agent",
            "user_permissions": [str(Permission.objects.get(codename="delete_demande").pk)],
        },
    )
    gestionnaire.refresh_from_db()
    agent.refresh_from_db()
    assert not gestionnaire.is_superuser
    assert not agent.is_superuser and not agent.user_permissions.exists()
