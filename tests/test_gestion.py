"""The ASP managers' review in the Django admin (spec §7, issue « ASP managers' review in the Django
admin »), through Django's test client:

- the group « Gestionnaires ASP » and its exact permissions; staff only; suppliers never reach the
  admin, even flagged staff or superuser; a staff user outside the group is refused;
- the demande changelist: columns, search (numéro de dossier, numéro éditeur, SIRET, dénomination,
  FINESS, RPPS), filters, detail (beneficiaries, scenario, expected and received pieces with their
  download, the JSON line, the history), query count independent of the number of demandes;
- the actions, on one demande or many: passer en instruction, décider, rejeter (motif required),
  enregistrer un paiement (en cours → effectué: the same payment), each refusal with its message,
  every change in the history with who and when, and what the supplier then sees;
- CSV export of the filtered list; the import admin (files, outputs, counts) and the reference data.
"""

import csv
import datetime
import html
import io
import re
import threading
import zipfile
from decimal import Decimal
from urllib.parse import quote

import pytest
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from demandes.models import Beneficiaire, Demande, Fournisseur, Paiement, PieceAttendue, Solution
from demandes.valeurs import StatutDemande, StatutPaiement, TypeDemande
from imports.models import Import
from piecesjointes.models import PieceRecue

from .test_ecrans import contenu_telecharge, page, utilisateur
from .test_import_reel import document_de, en_octets, ligne, simuler_et_importer, simuler_service, sortie_de
from .test_regles import finess, rpps, sans_cle

LISTE = "/admin/demandes/demande/"
EXPORT = "/admin/demandes/demande/exporter/"
SIRET_RELAIS, SIRET_UNIKALO, SIRET_HOPITAL = "77625125800013", "87950324100017", "41268937400012"
COLONNES_ADMIN = [
    "",
    "Numéro de dossier",
    "Type",
    "Fournisseur",
    "Couloir",
    "Logiciel",
    "Vague",
    "Montant Ségur HT (€)",
    "Date de dépôt",
    "Statut",
    "Statut du dernier paiement",
]
ENTETES_CSV = [
    "Numéro de dossier",
    "Type",
    "SIRET",
    "Dénomination",
    "Couloir",
    "Logiciel",
    "Vague",
    "Montant HT",
    "Date de dépôt",
    "Statut",
    "Statut du dernier paiement",
]
ACTIONS = ["passer_en_instruction", "decider", "rejeter", "enregistrer_un_paiement", "exporter_csv"]
MOTIF_OBLIGATOIRE = "Le motif du rejet est obligatoire."
PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"

# The group's permissions, written out here (not read from demandes.gestionnaires) so that any
# change to the group is a deliberate change to this list.
PERMISSIONS_GESTIONNAIRES = {
    "demandes.view_demande",
    "demandes.change_demande",
    "demandes.instruire_demande",
    "demandes.enregistrer_paiement",
    "demandes.view_beneficiaire",
    "demandes.view_pieceattendue",
    "demandes.view_paiement",
    *(
        f"demandes.{action}_{modele}"
        for action in ("view", "add", "change")
        for modele in (
            "fournisseur",
            "solution",
            "utilisateur",
            "couloir",
            "logiciel",
            "operateurmessagerie",
            "typepiece",
        )
    ),
    "imports.view_import",
    "imports.view_erreurligne",
    "piecesjointes.view_zipdepose",
    "piecesjointes.view_entreezip",
    "piecesjointes.view_piecerecue",
}


@pytest.fixture(autouse=True)
def environnement(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "fichiers")


# --- helpers ------------------------------------------------------------------------------


@pytest.fixture
def gestionnaire(demo):
    return utilisateur("gestionnaire")


@pytest.fixture
def client_gestionnaire(client, gestionnaire):
    client.force_login(gestionnaire)
    return client


def le(jour: str, heure=12) -> datetime.datetime:
    date = datetime.date.fromisoformat(jour)
    return timezone.make_aware(datetime.datetime(date.year, date.month, date.day, heure))


def creer_demande(
    n,
    statut=StatutDemande.DEPOSEE,
    *,
    numero_ans="mlp525off1",
    type_demande=TypeDemande.AVANCE,
    montant="1000.00",
    paiement="",
    editeur=None,
    beneficiaires=(),
    pieces=(),
    finess_juridique="",
    depot=None,
) -> Demande:
    """A demande written with the ORM (one creation row in its history), numbered FIN{couloir}{n}."""
    solution = Solution.objects.select_related("couloir").get(numero_ans=numero_ans)
    demande = Demande.objects.create(
        numero=f"FIN{solution.couloir.code}{n:06d}",
        version=0,
        type_demande=type_demande,
        fournisseur_id=solution.fournisseur_id,
        solution=solution,
        numero_editeur=editeur or f"E{n:05d}",
        date_commande=datetime.date(2021, 11, 24),
        regime_tva="TTC",
        montant_ht=Decimal(montant),
        statut=statut,
        statut_paiement=paiement,
        finess_juridique=finess_juridique,
        commande_pour="LIBERAL" if any(nature == "RPPS" for nature, _ in beneficiaires) else "STRUCTURE",
        scenario={"isCentreDeSante": True, "operateurMessagerie": "MAI_15"},
    )
    for nature, identifiant in beneficiaires:
        Beneficiaire.objects.create(
            demande=demande,
            nature=nature,
            identifiant=identifiant,
            type_demande=type_demande,
            couloir=solution.couloir,
            logiciel=solution.logiciel,
        )
    for nom in pieces:
        PieceAttendue.objects.create(
            demande=demande, nom_fichier=nom, format_fichier="PDF", type_fichier="BON_COMMANDE"
        )
    if depot:
        Demande.objects.filter(pk=demande.pk).update(date_depot=le(depot))
        demande.refresh_from_db()
    return demande


def texte(reponse) -> str:
    """The page's text as read by a person: tags removed, entities decoded, whitespace collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", reponse.content.decode())).split())


def agir(client, action, demandes, **donnees):
    """Runs an admin action on the changelist. With `donnees`, the intermediate form is confirmed."""
    formulaire = {"action": action, "_selected_action": [d.pk for d in demandes]}
    if donnees:
        formulaire.update(confirmer="1", **donnees)
    else:
        formulaire["index"] = "0"
    reponse = client.post(LISTE, formulaire)
    reponse.messages_affiches = []
    if reponse.status_code == 302 and reponse["Location"] == LISTE:
        # The changelist the manager is sent back to shows (and consumes) the action's messages.
        reponse.messages_affiches = messages_de_la_page(client.get(LISTE))
    return reponse


def messages_de_la_page(reponse) -> list[tuple[str, str]]:
    liste = re.search(r'<ul class="messagelist">(.*?)</ul>', reponse.content.decode(), re.S)
    if not liste:
        return []
    return [
        (niveau, html.unescape(" ".join(message.split())))
        for niveau, message in re.findall(r'<li class="(\w+)">(.*?)</li>', liste.group(1), re.S)
    ]


def messages_de(reponse) -> list[tuple[str, str]]:
    return getattr(reponse, "messages_affiches", None) or []


def statuts(*demandes) -> list[tuple[str, str]]:
    return [tuple(Demande.objects.filter(pk=d.pk).values_list("statut", "statut_paiement").get()) for d in demandes]


def resultats(reponse) -> list[str]:
    """The dossier numbers of the changelist's rows, in order."""
    assert reponse.status_code == 200, reponse.status_code
    return re.findall(r'<th class="field-numero_dossier"><a href="[^"]+">([^<]+)</a></th>', reponse.content.decode())


def lignes_admin(reponse) -> list[list[str]]:
    return [l for l in page(reponse).table(COLONNES_ADMIN) if len(l) == len(COLONNES_ADMIN)]


def table_avec(reponse, entete) -> list[list[str]]:
    """The first table of the page whose header row has the column `entete` (the admin's sidebar
    of applications is a table too)."""
    return next(t for t in page(reponse).tables if t and entete in t[0])


def options_d_action(reponse) -> list[str]:
    return [o.attrs["value"] for o in page(reponse).options.get("action", []) if o.attrs.get("value")]


def lire_csv(reponse) -> list[list[str]]:
    assert reponse.status_code == 200, reponse.status_code
    assert reponse["Content-Type"] == "text/csv; charset=utf-8"
    assert reponse["Content-Disposition"].startswith("attachment; filename=")
    octets = contenu_telecharge(reponse)
    assert octets.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(octets.decode("utf-8")[1:]), delimiter=";"))


def nombre_de_requetes(client, url) -> int:
    client.get(url)  # warm caches (content types, session) outside the measure
    with CaptureQueriesContext(connection) as requetes:
        reponse = client.get(url)
        assert reponse.status_code == 200
    return len(requetes)


def vers_la_connexion_admin(reponse, chemin) -> bool:
    return reponse.status_code == 302 and reponse["Location"] == f"/admin/login/?next={quote(chemin)}"


def nouveau_staff(nom="agent", *permissions) -> object:
    agent = get_user_model().objects.create_user(nom, password="demo", is_staff=True)
    for permission in permissions:
        app, codename = permission.split(".")
        agent.user_permissions.add(Permission.objects.get(content_type__app_label=app, codename=codename))
    return agent


@pytest.fixture
def demande_importee_avec_piece(demo, document_ttc):
    """The real flow: relais simulates and imports the guide's TTC line, sends the zip of its
    piece (processed by the Celery task's code, here synchronously), then « Terminer »."""
    from piecesjointes import services as pieces_services

    relais = utilisateur("relais")
    import_demandes = simuler_et_importer(
        "relais",
        en_octets(document_de(document_ttc, ligne(document_ttc, 1, geo=["020015772", "020015111"]))),
        nom="avance-structure.json",
    )
    demande = Demande.objects.get()
    piece = demande.pieces_attendues.get()
    tampon = io.BytesIO()
    with zipfile.ZipFile(tampon, "w") as archive:
        archive.writestr(piece.nom_fichier, PDF)
    depot = pieces_services.deposer_zip(
        utilisateur=relais,
        import_demandes=import_demandes,
        fichier=SimpleUploadedFile("pieces.zip", tampon.getvalue(), content_type="application/zip"),
    )
    depot = pieces_services.traiter_zip(depot.pk)
    assert depot.nb_acceptees == 1, list(depot.entrees.values_list("nom", "motif"))
    assert pieces_services.terminer(utilisateur=relais, import_demandes=import_demandes) == 1
    demande.refresh_from_db()
    assert demande.statut == StatutDemande.DEPOSEE
    return demande


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
    assert options_d_action(reponse) == ACTIONS  # no « supprimer »
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
    assert options_d_action(reponse) == ["exporter_csv"]
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
    assert options_d_action(client.get(LISTE)) == ["passer_en_instruction", "decider", "rejeter", "exporter_csv"]
    agir(client, "enregistrer_un_paiement", [demande], montant="10.00", date_paiement="2024-03-01", statut="EFFECTUE")
    assert statuts(demande) == [(StatutDemande.DECIDEE, "")] and not Paiement.objects.exists()

    client.force_login(nouveau_staff("payeur", "demandes.view_demande", "demandes.enregistrer_paiement"))
    assert options_d_action(client.get(LISTE)) == ["enregistrer_un_paiement", "exporter_csv"]
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


# --- 3. the actions: each transition -------------------------------------------------------


def test_passer_en_instruction_puis_decider(client_gestionnaire, gestionnaire):
    demande = creer_demande(1)
    avant = timezone.now()
    reponse = agir(client_gestionnaire, "passer_en_instruction", [demande])
    assert reponse.status_code == 302 and reponse["Location"] == LISTE
    assert messages_de(reponse) == [("success", "1 demande(s) passée(s) en instruction.")]
    assert statuts(demande) == [(StatutDemande.EN_INSTRUCTION, "")]

    reponse = agir(client_gestionnaire, "decider", [demande])
    assert messages_de(reponse) == [("success", "1 demande(s) décidée(s).")]
    assert statuts(demande) == [(StatutDemande.DECIDEE, "")]

    versions = list(demande.history.order_by("history_date", "history_id"))
    assert [(v.history_type, v.statut, v.history_user) for v in versions] == [
        ("+", StatutDemande.DEPOSEE, None),
        ("~", StatutDemande.EN_INSTRUCTION, gestionnaire),
        ("~", StatutDemande.DECIDEE, gestionnaire),
    ]
    assert all(avant <= v.history_date <= timezone.now() for v in versions[1:])


@pytest.mark.parametrize("depuis", [StatutDemande.DEPOSEE, StatutDemande.EN_INSTRUCTION])
def test_rejeter_avec_un_motif(client_gestionnaire, gestionnaire, depuis):
    demande = creer_demande(1, depuis)
    # The action first shows its form: nothing changes yet.
    reponse = agir(client_gestionnaire, "rejeter", [demande])
    assert reponse.status_code == 200
    contenu = texte(reponse)
    assert "Rejeter des demandes" in contenu and "FINMDV000001M0" in contenu
    assert "Motif du rejet (affiché au fournisseur)" in contenu
    assert statuts(demande) == [(depuis, "")]

    reponse = agir(client_gestionnaire, "rejeter", [demande], motif="  Bon de commande illisible  ")
    assert reponse.status_code == 302
    assert messages_de(reponse) == [("success", "1 demande(s) rejetée(s).")]
    demande.refresh_from_db()
    assert (demande.statut, demande.motif_rejet) == (StatutDemande.REJETEE, "Bon de commande illisible")
    derniere = demande.history.order_by("-history_date", "-history_id").first()
    assert (derniere.statut, derniere.motif_rejet, derniere.history_user) == (
        StatutDemande.REJETEE,
        "Bon de commande illisible",
        gestionnaire,
    )


@pytest.mark.parametrize("motif", ["", "   \n "])
def test_rejeter_sans_motif_refuse_par_le_formulaire(client_gestionnaire, motif):
    demande = creer_demande(1, StatutDemande.EN_INSTRUCTION)
    reponse = agir(client_gestionnaire, "rejeter", [demande], motif=motif)
    assert reponse.status_code == 200
    assert MOTIF_OBLIGATOIRE in texte(reponse)
    assert messages_de(reponse) == []
    assert statuts(demande) == [(StatutDemande.EN_INSTRUCTION, "")]
    demande.refresh_from_db()
    assert demande.motif_rejet == "" and demande.history.count() == 1


def test_un_rejet_libere_les_beneficiaires(client_gestionnaire):
    demande = creer_demande(1, beneficiaires=[("FINESS_GEO", finess(1))])
    agir(client_gestionnaire, "rejeter", [demande], motif="Hors périmètre")
    assert statuts(demande) == [(StatutDemande.REJETEE, "")]
    assert not demande.beneficiaires.filter(vivant=True).exists()


# --- 3. the refusals ---------------------------------------------------------------------------

PAYER = {"montant": "100.00", "date_paiement": "2024-03-01", "statut": StatutPaiement.EFFECTUE}
REFUS = [
    (
        StatutDemande.EN_ATTENTE_PIECES,
        "decider",
        {},
        "une demande « En attente des pièces » ne peut pas être décidée (elle doit être « En instruction »)",
    ),
    (
        StatutDemande.DEPOSEE,
        "decider",
        {},
        "une demande « Déposée » ne peut pas être décidée (elle doit être « En instruction »)",
    ),
    (
        StatutDemande.REJETEE,
        "decider",
        {},
        "une demande « Rejetée » ne peut pas être décidée (elle doit être « En instruction »)",
    ),
    (
        StatutDemande.EN_ATTENTE_PIECES,
        "passer_en_instruction",
        {},
        "une demande « En attente des pièces » ne peut pas être passée en instruction (elle doit être « Déposée »)",
    ),
    (
        StatutDemande.EN_INSTRUCTION,
        "passer_en_instruction",
        {},
        "une demande « En instruction » ne peut pas être passée en instruction (elle doit être « Déposée »)",
    ),
    (
        StatutDemande.DECIDEE,
        "passer_en_instruction",
        {},
        "une demande « Décidée » ne peut pas être passée en instruction (elle doit être « Déposée »)",
    ),
    (
        StatutDemande.ANNULEE,
        "passer_en_instruction",
        {},
        "une demande « Annulée » ne peut pas être passée en instruction (elle doit être « Déposée »)",
    ),
    (
        StatutDemande.EN_ATTENTE_PIECES,
        "rejeter",
        {"motif": "non"},
        "une demande « En attente des pièces » ne peut pas être rejetée "
        "(elle doit être « Déposée » ou « En instruction »)",
    ),
    (
        StatutDemande.DECIDEE,
        "rejeter",
        {"motif": "non"},
        "une demande « Décidée » ne peut pas être rejetée (elle doit être « Déposée » ou « En instruction »)",
    ),
    (
        StatutDemande.REJETEE,
        "rejeter",
        {"motif": "encore"},
        "une demande « Rejetée » ne peut pas être rejetée (elle doit être « Déposée » ou « En instruction »)",
    ),
    (
        StatutDemande.REJETEE,
        "enregistrer_un_paiement",
        PAYER,
        "seule une demande « Décidée » peut recevoir un paiement (statut actuel : « Rejetée »)",
    ),
    (
        StatutDemande.EN_INSTRUCTION,
        "enregistrer_un_paiement",
        PAYER,
        "seule une demande « Décidée » peut recevoir un paiement (statut actuel : « En instruction »)",
    ),
    (
        StatutDemande.ANNULEE,
        "enregistrer_un_paiement",
        PAYER,
        "seule une demande « Décidée » peut recevoir un paiement (statut actuel : « Annulée »)",
    ),
    (
        StatutDemande.DECIDEE,
        "enregistrer_un_paiement",
        {**PAYER, "montant": "1000.01"},
        "le total payé (1000.01 €) dépasserait le montant de la demande (1000.00 €)",
    ),
]


@pytest.mark.parametrize(
    "depuis, action, donnees, raison",
    REFUS,
    ids=[f"{action}-{depuis}-{i}" for i, (depuis, action, _, _) in enumerate(REFUS)],
)
def test_transition_absurde_refusee_avec_un_message(client_gestionnaire, depuis, action, donnees, raison):
    demande = creer_demande(1, depuis)
    demande.motif_rejet = "motif initial" if depuis == StatutDemande.REJETEE else ""
    demande.save()
    historique = demande.history.count()
    reponse = agir(client_gestionnaire, action, [demande], **donnees)
    assert reponse.status_code == 302
    assert messages_de(reponse) == [("error", f"FINMDV000001M0 refusée : {raison}.")]
    demande.refresh_from_db()
    assert (demande.statut, demande.statut_paiement) == (depuis, "")
    assert demande.motif_rejet == ("motif initial" if depuis == StatutDemande.REJETEE else "")
    assert demande.history.count() == historique
    assert not Paiement.objects.exists()


def test_paiements_partiels_puis_depassement(client_gestionnaire):
    demande = creer_demande(1, StatutDemande.DECIDEE)
    agir(
        client_gestionnaire,
        "enregistrer_un_paiement",
        [demande],
        montant="400.00",
        date_paiement="2024-03-01",
        statut=StatutPaiement.EFFECTUE,
    )
    reponse = agir(
        client_gestionnaire,
        "enregistrer_un_paiement",
        [demande],
        montant="600.00",
        date_paiement="2024-04-01",
        statut=StatutPaiement.EN_COURS,
    )
    assert messages_de(reponse) == [("success", "Paiement enregistré pour 1 demande(s).")]
    assert statuts(demande) == [(StatutDemande.DECIDEE, StatutPaiement.EN_COURS)]
    reponse = agir(
        client_gestionnaire,
        "enregistrer_un_paiement",
        [demande],
        montant="0.02",
        date_paiement="2024-04-02",
        statut=StatutPaiement.EN_COURS,
    )
    assert messages_de(reponse) == [
        (
            "error",
            "FINMDV000001M0 refusée : le total payé (1000.02 €) dépasserait le montant de la demande (1000.00 €).",
        )
    ]
    assert sorted(Paiement.objects.values_list("montant", "statut")) == [
        (Decimal("400.00"), StatutPaiement.EFFECTUE),
        (Decimal("600.00"), StatutPaiement.EN_COURS),
    ]
    assert statuts(demande) == [(StatutDemande.DECIDEE, StatutPaiement.EN_COURS)]


@pytest.mark.parametrize(
    "donnees, erreur",
    [
        ({"montant": "0", "date_paiement": "2024-03-01", "statut": "EFFECTUE"}, "supérieure ou égale à 0.01"),
        ({"montant": "-5.00", "date_paiement": "2024-03-01", "statut": "EFFECTUE"}, "supérieure ou égale à 0.01"),
        ({"montant": "12.345", "date_paiement": "2024-03-01", "statut": "EFFECTUE"}, "2 chiffres après la virgule"),
        ({"montant": "abc", "date_paiement": "2024-03-01", "statut": "EFFECTUE"}, "Saisissez un nombre."),
        ({"montant": "10.00", "date_paiement": "", "statut": "EFFECTUE"}, "Ce champ est obligatoire."),
        ({"montant": "10.00", "date_paiement": "2024-03-01", "statut": "PAYE"}, "Sélectionnez un choix valide"),
    ],
)
def test_formulaire_de_paiement_invalide(client_gestionnaire, donnees, erreur):
    demande = creer_demande(1, StatutDemande.DECIDEE)
    reponse = agir(client_gestionnaire, "enregistrer_un_paiement", [demande], **donnees)
    assert reponse.status_code == 200
    assert erreur in texte(reponse)
    assert not Paiement.objects.exists() and statuts(demande) == [(StatutDemande.DECIDEE, "")]


def test_formulaire_de_paiement(client_gestionnaire):
    demande = creer_demande(1, StatutDemande.DECIDEE)
    reponse = agir(client_gestionnaire, "enregistrer_un_paiement", [demande])
    assert reponse.status_code == 200
    contenu = texte(reponse)
    assert (
        "Enregistrer un paiement" in contenu and "FINMDV000001M0 — RELAIS CAP FRANCE AU GAI LOGIS — Décidée" in contenu
    )
    ecran = page(reponse)
    assert [o.texte for o in ecran.options["statut"]] == ["Paiement en cours", "Paiement effectué"]
    assert [o.attrs["value"] for o in ecran.options["statut"] if "selected" in o.attrs] == ["EN_COURS"]
    assert re.search(r'<input type="number" name="montant"', reponse.content.decode())
    assert not Paiement.objects.exists()


def test_date_du_paiement_pre_remplie_au_format_d_un_champ_date(client_gestionnaire):
    demande = creer_demande(1, StatutDemande.DECIDEE)
    reponse = agir(client_gestionnaire, "enregistrer_un_paiement", [demande])
    champ = re.search(r'<input type="date" name="date_paiement"[^>]*>', reponse.content.decode()).group(0)
    assert f'value="{timezone.localdate().isoformat()}"' in champ, champ


def test_paiement_d_un_centime_accepte(client_gestionnaire):
    demande = creer_demande(1, StatutDemande.DECIDEE)
    reponse = agir(
        client_gestionnaire,
        "enregistrer_un_paiement",
        [demande],
        montant="0.01",
        date_paiement="2024-03-01",
        statut=StatutPaiement.EN_COURS,
    )
    assert messages_de(reponse) == [("success", "Paiement enregistré pour 1 demande(s).")]
    assert Paiement.objects.get().montant == Decimal("0.01")


def test_paiement_en_cours_puis_effectue_est_le_meme_paiement(client_gestionnaire, gestionnaire):
    demande = creer_demande(1, StatutDemande.DECIDEE, montant="10750.50")
    reponse = agir(
        client_gestionnaire,
        "enregistrer_un_paiement",
        [demande],
        montant="10750.50",
        date_paiement="2024-03-01",
        statut=StatutPaiement.EN_COURS,
    )
    assert messages_de(reponse) == [("success", "Paiement enregistré pour 1 demande(s).")]
    paiement = Paiement.objects.get()
    assert (paiement.montant, paiement.statut, paiement.date_paiement, paiement.enregistre_par) == (
        Decimal("10750.50"),
        StatutPaiement.EN_COURS,
        datetime.date(2024, 3, 1),
        gestionnaire,
    )
    assert statuts(demande) == [(StatutDemande.DECIDEE, StatutPaiement.EN_COURS)]

    reponse = agir(
        client_gestionnaire,
        "enregistrer_un_paiement",
        [demande],
        montant="10750.50",
        date_paiement="2024-03-15",
        statut=StatutPaiement.EFFECTUE,
    )
    assert messages_de(reponse) == [("success", "Paiement enregistré pour 1 demande(s).")]
    assert Paiement.objects.count() == 1
    paiement.refresh_from_db()
    assert (paiement.statut, paiement.date_paiement) == (StatutPaiement.EFFECTUE, datetime.date(2024, 3, 15))
    assert statuts(demande) == [(StatutDemande.DECIDEE, StatutPaiement.EFFECTUE)]
    assert [
        (v.history_type, v.statut, v.history_user) for v in paiement.history.order_by("history_date", "history_id")
    ] == [("+", StatutPaiement.EN_COURS, gestionnaire), ("~", StatutPaiement.EFFECTUE, gestionnaire)]
    assert [(v.statut_paiement, v.history_user) for v in demande.history.order_by("history_date", "history_id")] == [
        ("", None),
        (StatutPaiement.EN_COURS, gestionnaire),
        (StatutPaiement.EFFECTUE, gestionnaire),
    ]
    # A second « effectué » of the whole amount would pay twice: refused.
    reponse = agir(
        client_gestionnaire,
        "enregistrer_un_paiement",
        [demande],
        montant="10750.50",
        date_paiement="2024-03-20",
        statut=StatutPaiement.EFFECTUE,
    )
    assert [niveau for niveau, _ in messages_de(reponse)] == ["error"]
    assert Paiement.objects.count() == 1


def test_plusieurs_demandes_a_la_fois(client_gestionnaire, gestionnaire):
    d1, d2 = creer_demande(1), creer_demande(2)
    d3 = creer_demande(3, StatutDemande.EN_ATTENTE_PIECES)
    d4 = creer_demande(4, StatutDemande.DECIDEE)
    d5 = creer_demande(5, StatutDemande.DEPOSEE)
    toutes = [d1, d2, d3, d4, d5]

    reponse = agir(client_gestionnaire, "passer_en_instruction", [d1, d2, d3, d4])
    messages = messages_de(reponse)
    assert messages[0] == ("success", "2 demande(s) passée(s) en instruction.")
    assert sorted(messages[1:]) == [
        (
            "error",
            "FINMDV000003M0 refusée : une demande « En attente des pièces » ne peut pas être passée en "
            "instruction (elle doit être « Déposée »).",
        ),
        (
            "error",
            "FINMDV000004M0 refusée : une demande « Décidée » ne peut pas être passée en instruction "
            "(elle doit être « Déposée »).",
        ),
    ]
    assert [s for s, _ in statuts(*toutes)] == [
        StatutDemande.EN_INSTRUCTION,
        StatutDemande.EN_INSTRUCTION,
        StatutDemande.EN_ATTENTE_PIECES,
        StatutDemande.DECIDEE,
        StatutDemande.DEPOSEE,
    ]

    reponse = agir(client_gestionnaire, "decider", [d1, d3])
    assert messages_de(reponse) == [
        ("success", "1 demande(s) décidée(s)."),
        (
            "error",
            "FINMDV000003M0 refusée : une demande « En attente des pièces » ne peut pas être décidée "
            "(elle doit être « En instruction »).",
        ),
    ]

    reponse = agir(client_gestionnaire, "rejeter", [d2, d4, d5], motif="Montant non justifié")
    assert messages_de(reponse) == [
        ("success", "2 demande(s) rejetée(s)."),
        (
            "error",
            "FINMDV000004M0 refusée : une demande « Décidée » ne peut pas être rejetée "
            "(elle doit être « Déposée » ou « En instruction »).",
        ),
    ]
    assert set(Demande.objects.filter(motif_rejet="Montant non justifié").values_list("numero", flat=True)) == {
        "FINMDV000002",
        "FINMDV000005",
    }

    reponse = agir(
        client_gestionnaire,
        "enregistrer_un_paiement",
        toutes,
        montant="1000.00",
        date_paiement="2024-05-02",
        statut=StatutPaiement.EFFECTUE,
    )
    messages = messages_de(reponse)
    assert messages[0] == ("success", "Paiement enregistré pour 2 demande(s).")
    assert sorted(messages[1:]) == sorted(
        [
            (
                "error",
                "FINMDV000002M0 refusée : seule une demande « Décidée » peut recevoir un paiement "
                "(statut actuel : « Rejetée »).",
            ),
            (
                "error",
                "FINMDV000003M0 refusée : seule une demande « Décidée » peut recevoir un paiement "
                "(statut actuel : « En attente des pièces »).",
            ),
            (
                "error",
                "FINMDV000005M0 refusée : seule une demande « Décidée » peut recevoir un paiement "
                "(statut actuel : « Rejetée »).",
            ),
        ]
    )
    assert statuts(*toutes) == [
        (StatutDemande.DECIDEE, StatutPaiement.EFFECTUE),
        (StatutDemande.REJETEE, ""),
        (StatutDemande.EN_ATTENTE_PIECES, ""),
        (StatutDemande.DECIDEE, StatutPaiement.EFFECTUE),
        (StatutDemande.REJETEE, ""),
    ]
    assert set(Paiement.objects.values_list("demande__numero", flat=True)) == {"FINMDV000001", "FINMDV000004"}
    # Every change by the manager, none for the refusals.
    assert {v.history_user for v in Demande.history.filter(history_type="~")} == {gestionnaire}
    assert [d.history.filter(history_type="~").count() for d in toutes] == [3, 2, 0, 1, 1]


def test_action_sur_toute_la_liste_filtree(client_gestionnaire):
    """« Tout sélectionner » (select_across) on a filtered list acts on the filtered demandes only."""
    for n in range(1, 4):
        creer_demande(n)
    autre = creer_demande(4, StatutDemande.EN_INSTRUCTION)
    reponse = client_gestionnaire.post(
        f"{LISTE}?statut__exact=DEPOSEE",
        {
            "action": "passer_en_instruction",
            "select_across": "1",
            "index": "0",
            "_selected_action": [Demande.objects.filter(statut=StatutDemande.DEPOSEE).first().pk],
        },
    )
    assert reponse.status_code == 302 and reponse["Location"] == f"{LISTE}?statut__exact=DEPOSEE"
    assert messages_de_la_page(client_gestionnaire.get(reponse["Location"])) == [
        ("success", "3 demande(s) passée(s) en instruction.")
    ]
    assert Demande.objects.filter(statut=StatutDemande.EN_INSTRUCTION).count() == 4
    assert autre.history.count() == 1


# --- 3. two managers at the same time (PostgreSQL) ---------------------------------------------

SUR_POSTGRES = django_settings.DATABASES["default"]["ENGINE"].endswith(("postgresql", "postgis"))
postgres_seulement = pytest.mark.skipif(not SUR_POSTGRES, reason="concurrence réelle : PostgreSQL (la CI)")


@pytest.fixture
def demo_transactionnel(transactional_db):
    from demandes import referentiels
    from demandes.management.commands.seed_demo import creer_donnees_demo
    from demandes.models import Couloir, Logiciel, OperateurMessagerie, TypePiece

    referentiels.charger(Couloir, Logiciel, OperateurMessagerie, TypePiece)
    return creer_donnees_demo()


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
    resultats = [None, None]

    def executer(rang, appel):
        try:
            resultats[rang] = appel()
        finally:
            connections.close_all()

    fils = [threading.Thread(target=executer, args=(rang, appel)) for rang, appel in enumerate(appels)]
    for f in fils:
        f.start()
    for f in fils:
        f.join(timeout=60)
        assert not f.is_alive()
    return resultats


@postgres_seulement
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


@postgres_seulement
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


# --- 3. history visible in the admin -------------------------------------------------------


def test_historique_visible_dans_l_admin(client_gestionnaire, gestionnaire):
    demande = creer_demande(1)
    agir(client_gestionnaire, "passer_en_instruction", [demande])
    agir(client_gestionnaire, "decider", [demande])
    agir(
        client_gestionnaire,
        "enregistrer_un_paiement",
        [demande],
        montant="1000.00",
        date_paiement="2024-03-01",
        statut=StatutPaiement.EFFECTUE,
    )
    fiche = client_gestionnaire.get(f"{LISTE}{demande.pk}/change/")
    assert page(fiche).lien("Historique").attrs["href"] == f"{LISTE}{demande.pk}/history/"
    reponse = client_gestionnaire.get(f"{LISTE}{demande.pk}/history/")
    assert reponse.status_code == 200
    lignes = [l for l in next(t for t in page(reponse).tables if t and t[0][:1] == ["Objet"]) if l]
    assert lignes[0][:4] == ["Objet", "Date/heure", "Commentaire", "Modifié par"]
    auteurs = [l[3] for l in lignes[1:]]
    assert auteurs == ["gestionnaire", "gestionnaire", "gestionnaire", "Aucun(e)"]  # newest first
    changements = " ".join(l[-1] for l in lignes[1:])
    assert "DEPOSEE" in changements and "EN_INSTRUCTION" in changements and "DECIDEE" in changements
    assert "EFFECTUE" in changements
    dates = [v.history_date for v in demande.history.all()]
    assert all(d <= timezone.now() for d in dates)
    # The payment itself, on the demande's page (read-only inline).
    contenu = texte(fiche)
    assert "Paiements" in contenu and "Paiement effectué" in contenu and "1000,00" in contenu


@pytest.mark.parametrize("qui", ["gestionnaire", "lecture-seule"])
def test_l_historique_ne_permet_pas_de_revenir_a_un_ancien_statut(client, demo, qui):
    demande = creer_demande(1)
    client.force_login(utilisateur("gestionnaire"))
    agir(client, "rejeter", [demande], motif="Pièce illisible")
    assert statuts(demande) == [(StatutDemande.REJETEE, "")]
    premiere = demande.history.order_by("history_date", "history_id").first()
    if qui == "lecture-seule":
        client.force_login(nouveau_staff("auditeur", "demandes.view_demande"))
    client.post(f"{LISTE}{demande.pk}/history/{premiere.history_id}/", {})
    demande.refresh_from_db()
    assert (demande.statut, demande.motif_rejet) == (StatutDemande.REJETEE, "Pièce illisible")


# --- 3. what the supplier sees -----------------------------------------------------------------


def _badges(reponse) -> list[str]:
    return [
        " ".join(b.split()) for b in re.findall(r'<span class="fr-badge[^"]*">([^<]*)</span>', reponse.content.decode())
    ]


def test_le_fournisseur_voit_la_decision_et_le_paiement(client, demande_importee_avec_piece):
    demande = demande_importee_avec_piece
    client.force_login(utilisateur("gestionnaire"))
    agir(client, "passer_en_instruction", [demande])
    agir(client, "decider", [demande])
    agir(
        client,
        "enregistrer_un_paiement",
        [demande],
        montant="5000.00",
        date_paiement="2024-03-01",
        statut=StatutPaiement.EN_COURS,
    )
    client.force_login(utilisateur("relais"))
    reponse = client.get(f"/demandes/{demande.pk}/")
    assert _badges(reponse) == ["Décidée", "Paiement en cours"]

    client.force_login(utilisateur("gestionnaire"))
    agir(
        client,
        "enregistrer_un_paiement",
        [demande],
        montant="5000.00",
        date_paiement="2024-03-10",
        statut=StatutPaiement.EFFECTUE,
    )

    client.force_login(utilisateur("relais"))
    reponse = client.get(f"/demandes/{demande.pk}/")
    assert reponse.status_code == 200
    assert _badges(reponse) == ["Décidée", "Paiement effectué"]
    assert "Motif du rejet" not in texte(reponse)
    etapes = [l[1:] for l in page(reponse).table(["Date", "Statut", "Statut du dernier paiement"])]
    assert etapes == [
        ["En attente des pièces", "—"],
        ["Déposée", "—"],
        ["En instruction", "—"],
        ["Décidée", "—"],
        ["Décidée", "Paiement en cours"],
        ["Décidée", "Paiement effectué"],
    ]
    liste = client.get("/demandes/")
    ligne_demande = [l for l in page(liste).tables[0] if l and l[0] == "FINMDV000001M0"]
    assert len(ligne_demande) == 1 and ligne_demande[0][-2:] == ["Décidée", "Paiement effectué"]
    export = lire_csv(client.get("/demandes/?export=csv&statut=DECIDEE"))
    assert [l[0] for l in export[1:]] == ["FINMDV000001M0"]
    assert export[1][7:9] == ["Décidée", "Paiement effectué"]
    # Another supplier sees nothing of it.
    client.force_login(utilisateur("unikalo"))
    assert client.get(f"/demandes/{demande.pk}/").status_code == 404


def test_le_fournisseur_voit_le_rejet_et_son_motif(client, demande_importee_avec_piece):
    demande = demande_importee_avec_piece
    motif = "Bon de commande <b>illisible</b> & non signé"
    client.force_login(utilisateur("gestionnaire"))
    agir(client, "rejeter", [demande], motif=motif)
    client.force_login(utilisateur("relais"))
    reponse = client.get(f"/demandes/{demande.pk}/")
    assert _badges(reponse) == ["Rejetée"]
    contenu = texte(reponse)
    assert "Motif du rejet" in contenu and motif in contenu
    assert "<b>illisible</b>" not in reponse.content.decode()  # escaped, not interpreted
    ligne_demande = [l for l in page(client.get("/demandes/")).tables[0] if l and l[0] == "FINMDV000001M0"]
    assert ligne_demande[0][-2:] == ["Rejetée", "—"]


# --- 2. the list: columns, search, filters, detail, query count -------------------------------


@pytest.fixture
def six_demandes(demo):
    """Demandes of the three suppliers with distinct identifiers, statuses, couloirs and dates."""
    modele = Solution.objects.get(numero_ans="mlp525off1")
    Solution.objects.create(
        **{
            **{
                f.name: getattr(modele, f.name)
                for f in Solution._meta.concrete_fields
                if f.name not in ("id", "numero_ans", "vague")
            },
            "numero_ans": "mlp525vag2",
            "vague": 2,
        }
    )
    return {
        "d1": creer_demande(
            1,
            editeur="ED-ALPHA",
            depot="2024-01-10",
            finess_juridique=finess(50),
            beneficiaires=[("FINESS_GEO", finess(1)), ("FINESS_GEO", finess(2))],
        ),
        "d2": creer_demande(
            2,
            StatutDemande.DECIDEE,
            paiement=StatutPaiement.EFFECTUE,
            type_demande=TypeDemande.SOLDE,
            editeur="ED-BETA",
            depot="2024-02-15",
            beneficiaires=[("RPPS", rpps(7))],
        ),
        "d3": creer_demande(
            3,
            StatutDemande.DECIDEE,
            paiement=StatutPaiement.EN_COURS,
            numero_ans="mlp525vag2",
            editeur="ED-GAMMA",
            depot="2024-02-20",
            montant="10750.50",
        ),
        "h1": creer_demande(
            11,
            StatutDemande.REJETEE,
            numero_ans="bnd52qq600",
            editeur="ED-HOP",
            depot="2024-03-05",
            beneficiaires=[("FINESS_GEO", finess(3))],
        ),
        "h2": creer_demande(
            12, StatutDemande.EN_INSTRUCTION, numero_ans="2021k052a", editeur="ED-DPI", depot="2024-04-01"
        ),
        "u1": creer_demande(
            21, StatutDemande.EN_ATTENTE_PIECES, numero_ans="cpiPFI0001", editeur="ED-PFI", depot="2024-05-01"
        ),
    }


def test_liste_colonnes_et_lignes(client_gestionnaire, six_demandes):
    reponse = client_gestionnaire.get(LISTE)
    assert lignes_admin(reponse) == [
        [
            "",
            "FINHOP000021M0",
            "Avance",
            "NUANCES UNIKALO COTE D'AZUR (87950324100017)",
            "HOP",
            "PFI",
            "1",
            "1000,00",
            "1 mai 2024 12:00",
            "En attente des pièces",
            "-",
        ],
        [
            "",
            "FINHOP000012M0",
            "Avance",
            "SANTÉ NUMÉRIQUE HOSPITALIÈRE (41268937400012)",
            "HOP",
            "DPI",
            "1",
            "1000,00",
            "1 avril 2024 12:00",
            "En instruction",
            "-",
        ],
        [
            "",
            "FINHOP000011M0",
            "Avance",
            "SANTÉ NUMÉRIQUE HOSPITALIÈRE (41268937400012)",
            "HOP",
            "RI",
            "1",
            "1000,00",
            "5 mars 2024 12:00",
            "Rejetée",
            "-",
        ],
        [
            "",
            "FINMDV000003M0",
            "Avance",
            "RELAIS CAP FRANCE AU GAI LOGIS (77625125800013)",
            "MDV",
            "LGC",
            "2",
            "10750,50",
            "20 février 2024 12:00",
            "Décidée",
            "Paiement en cours",
        ],
        [
            "",
            "FINMDV000002M0",
            "Solde",
            "RELAIS CAP FRANCE AU GAI LOGIS (77625125800013)",
            "MDV",
            "LGC",
            "1",
            "1000,00",
            "15 février 2024 12:00",
            "Décidée",
            "Paiement effectué",
        ],
        [
            "",
            "FINMDV000001M0",
            "Avance",
            "RELAIS CAP FRANCE AU GAI LOGIS (77625125800013)",
            "MDV",
            "LGC",
            "1",
            "1000,00",
            "10 janvier 2024 12:00",
            "Déposée",
            "-",
        ],
    ]
    contenu = texte(reponse)
    for titre in (
        "Par type",
        "Par statut",
        "Par statut du dernier paiement",
        "Par couloir",
        "Par logiciel",
        "Par vague",
        "Par date de dépôt",
    ):
        assert titre in contenu, titre
    assert re.search(r'<input type="text" size="40" name="q"', reponse.content.decode())


@pytest.mark.parametrize(
    "recherche, attendus",
    [
        ("FINMDV000002", ["FINMDV000002M0"]),
        ("FINHOP", ["FINHOP000021M0", "FINHOP000012M0", "FINHOP000011M0"]),
        ("ED-GAMMA", ["FINMDV000003M0"]),
        ("ed-hop", ["FINHOP000011M0"]),
        (SIRET_HOPITAL, ["FINHOP000012M0", "FINHOP000011M0"]),
        (SIRET_UNIKALO, ["FINHOP000021M0"]),
        ("UNIKALO", ["FINHOP000021M0"]),
        ("relais cap", ["FINMDV000003M0", "FINMDV000002M0", "FINMDV000001M0"]),
        ("hospitali", ["FINHOP000012M0", "FINHOP000011M0"]),
        (finess(2), ["FINMDV000001M0"]),
        (finess(3), ["FINHOP000011M0"]),
        (finess(50), ["FINMDV000001M0"]),  # FINESS juridique
        (rpps(7), ["FINMDV000002M0"]),
        ("inexistant", []),
    ],
)
def test_recherche(client_gestionnaire, six_demandes, recherche, attendus):
    reponse = client_gestionnaire.get(LISTE, {"q": recherche})
    assert resultats(reponse) == attendus


def test_recherche_par_numero_de_dossier_complet(client_gestionnaire, six_demandes):
    assert resultats(client_gestionnaire.get(LISTE, {"q": "FINMDV000002M0"})) == ["FINMDV000002M0"]


def _id(modele, code):
    return modele.objects.get(code=code).pk


@pytest.mark.parametrize(
    "filtre, attendus",
    [
        ({"type_demande__exact": "SOLDE"}, ["FINMDV000002M0"]),
        ({"statut__exact": "DECIDEE"}, ["FINMDV000003M0", "FINMDV000002M0"]),
        ({"statut__exact": "EN_ATTENTE_PIECES"}, ["FINHOP000021M0"]),
        ({"statut_paiement__exact": "EFFECTUE"}, ["FINMDV000002M0"]),
        ({"statut_paiement__exact": "EN_COURS"}, ["FINMDV000003M0"]),
        ({"solution__couloir__id__exact": ("couloir", "HOP")}, ["FINHOP000021M0", "FINHOP000012M0", "FINHOP000011M0"]),
        ({"solution__logiciel__id__exact": ("logiciel", "DPI")}, ["FINHOP000012M0"]),
        ({"solution__vague": "2"}, ["FINMDV000003M0"]),
        (
            {"date_depot__gte": "2024-02-01 00:00:00+01:00", "date_depot__lt": "2024-03-01 00:00:00+01:00"},
            ["FINMDV000003M0", "FINMDV000002M0"],
        ),
        ({"date_depot__year": "2024", "date_depot__month": "3"}, ["FINHOP000011M0"]),
        ({"statut__exact": "DECIDEE", "q": "ED-BETA"}, ["FINMDV000002M0"]),
    ],
)
def test_filtres(client_gestionnaire, six_demandes, filtre, attendus):
    from demandes.models import Couloir, Logiciel

    parametres = {}
    for cle, valeur in filtre.items():
        if isinstance(valeur, tuple):
            valeur = str(_id(Couloir if valeur[0] == "couloir" else Logiciel, valeur[1]))
        parametres[cle] = valeur
    reponse = client_gestionnaire.get(LISTE, parametres)
    assert resultats(reponse) == attendus
    # The export link of the page carries the same filters.
    lien = page(reponse).lien("Exporter la liste filtrée (CSV)").attrs["href"]
    assert lien.startswith(EXPORT + "?")
    assert [l[0] for l in lire_csv(client_gestionnaire.get(lien))[1:]] == attendus


def test_fiche_d_une_demande_importee(client_gestionnaire, demande_importee_avec_piece):
    demande = demande_importee_avec_piece
    reponse = client_gestionnaire.get(f"{LISTE}{demande.pk}/change/")
    assert reponse.status_code == 200
    contenu = texte(reponse)
    for attendu in (
        "FINMDV000001M0",
        "Avance",
        "Déposée",
        "RELAIS CAP FRANCE AU GAI LOGIS (77625125800013)",
        "mlp525off1",
        "Numéro éditeur : 00001",
        "Montant Ségur HT (€) : 10750,00",
        "Nom du responsable : DURAND",
        "FINESS juridique : 020015087",
        # beneficiaries
        "Établissement (FINESS géographique) 020015772",
        "Établissement (FINESS géographique) 020015111",
        # scenario
        "Scénario d'installation",
        "isCentreDeSante : oui",
        "operateurMessagerie : MAI_15",
        "isDirectToDMP : non",
        # expected piece, received
        "MDV-LGC-Va1-BDC-00001.pdf",
        f"Télécharger ({len(PDF)} octets, application/pdf",
    ):
        assert attendu in contenu, attendu
    # The line as it was in the JSON
    assert "Ligne telle que déposée" in contenu
    assert '"numeroEditeur": "00001"' in contenu and '"FINESSJuridique": "020015087"' in contenu
    assert f"/admin/imports/import/{demande.import_demandes_id}/change/" in reponse.content.decode()
    assert page(reponse).lien("Historique").attrs["href"] == f"{LISTE}{demande.pk}/history/"
    # Read-only: no form field for the content, no deletion.
    assert 'name="statut"' not in reponse.content.decode() and 'name="montant_ht"' not in reponse.content.decode()
    assert f"{LISTE}{demande.pk}/delete/" not in reponse.content.decode()

    lien = page(reponse).lien("Télécharger").attrs["href"]
    piece = PieceRecue.objects.get()
    assert lien == f"/pieces-jointes/piece/{piece.pk}/"
    telechargement = client_gestionnaire.get(lien)
    assert telechargement.status_code == 200
    assert contenu_telecharge(telechargement) == PDF
    assert telechargement["Content-Type"] == "application/pdf"
    assert 'filename="MDV-LGC-Va1-BDC-00001.pdf"' in telechargement["Content-Disposition"]


def test_fiche_d_une_demande_sans_piece_recue_ni_import(client_gestionnaire):
    demande = creer_demande(1, pieces=["MDV-LGC-Va1-BDC-X.pdf"], beneficiaires=[("RPPS", rpps(3))])
    contenu = texte(client_gestionnaire.get(f"{LISTE}{demande.pk}/change/"))
    assert f"Professionnel libéral (RPPS) {rpps(3)}" in contenu
    assert "MDV-LGC-Va1-BDC-X.pdf" in contenu and "Non reçue" in contenu
    assert "Ligne telle que déposée" in contenu and "Ligne indisponible" in contenu  # no import, no file


def test_fiche_montre_la_ligne_avec_ses_nombres_tels_que_deposes(client_gestionnaire, demande_importee_avec_piece):
    demande = demande_importee_avec_piece
    with demande.import_demandes.fichier.open("rb") as flux:
        assert b'"montantSegurHT": 10750.00' in flux.read()
    contenu = texte(client_gestionnaire.get(f"{LISTE}{demande.pk}/change/"))
    assert '"montantSegurHT": 10750.00' in contenu


def test_pieces_et_zips_dans_l_admin(client_gestionnaire, demande_importee_avec_piece):
    piece = PieceRecue.objects.get()
    reponse = client_gestionnaire.get("/admin/piecesjointes/piecerecue/", {"q": "FINMDV000001"})
    assert reponse.status_code == 200
    assert (
        "MDV-LGC-Va1-BDC-00001.pdf" in texte(reponse)
        and f"/pieces-jointes/piece/{piece.pk}/" in reponse.content.decode()
    )
    assert "MDV-LGC-Va1-BDC-00001.pdf" not in texte(
        client_gestionnaire.get("/admin/piecesjointes/piecerecue/", {"q": "FINHOP"})
    )
    reponse = client_gestionnaire.get("/admin/piecesjointes/zipdepose/", {"q": SIRET_RELAIS})
    assert "pieces.zip" in texte(reponse)
    depot = piece.zip_depose
    fiche = texte(client_gestionnaire.get(f"/admin/piecesjointes/zipdepose/{depot.pk}/change/"))
    assert "MDV-LGC-Va1-BDC-00001.pdf" in fiche and "Traité" in fiche


def test_nombre_de_requetes_de_la_liste_independant_de_sa_taille(client_gestionnaire):
    solutions = list(Solution.objects.select_related("couloir"))
    statuts_possibles = [(s, "") for s in StatutDemande.values] + [
        (StatutDemande.DECIDEE, StatutPaiement.EN_COURS),
        (StatutDemande.DECIDEE, StatutPaiement.EFFECTUE),
    ]

    def creer(debut, nombre):
        demandes = []
        for n in range(debut, debut + nombre):
            solution = solutions[n % len(solutions)]
            statut, paiement = statuts_possibles[n % len(statuts_possibles)]
            demandes.append(
                Demande(
                    numero=f"FIN{solution.couloir.code}{n:06d}",
                    version=0,
                    type_demande=TypeDemande.AVANCE if n % 3 else TypeDemande.SOLDE,
                    fournisseur_id=solution.fournisseur_id,
                    solution=solution,
                    numero_editeur=f"E{n}",
                    date_commande=datetime.date(2021, 11, 24),
                    regime_tva="TTC",
                    montant_ht=Decimal("1000.00"),
                    statut=statut,
                    statut_paiement=paiement,
                )
            )
        Demande.objects.bulk_create(demandes, batch_size=500)
        Demande.objects.filter(numero__in=[d.numero for d in demandes]).update(date_depot=le("2024-02-15"))

    urls = [
        LISTE,
        f"{LISTE}?statut__exact=DECIDEE",
        f"{LISTE}?q=E1",
        f"{LISTE}?o=3",
        f"{LISTE}?solution__couloir__id__exact={solutions[0].couloir_id}&date_depot__year=2024",
        f"{LISTE}?date_depot__year=2024&date_depot__month=2&date_depot__day=15",
    ]
    creer(1, 10)
    petites = [nombre_de_requetes(client_gestionnaire, url) for url in urls]
    assert len(resultats(client_gestionnaire.get(LISTE))) == 10
    creer(11, 990)
    assert Demande.objects.count() == 1000
    grandes = [nombre_de_requetes(client_gestionnaire, url) for url in urls]
    assert grandes == petites
    assert len(resultats(client_gestionnaire.get(LISTE))) == 50
    # Pages further down and sorted by fournisseur: still the same count as the first page of 10 demandes.
    assert nombre_de_requetes(client_gestionnaire, f"{LISTE}?o=3&p=5") == nombre_de_requetes(
        client_gestionnaire, f"{LISTE}?o=3"
    )


# --- 4. CSV export of the filtered list -------------------------------------------------------


def test_export_csv_de_la_liste_filtree(client_gestionnaire, six_demandes):
    lignes = lire_csv(client_gestionnaire.get(EXPORT, {"statut__exact": "DECIDEE"}))
    assert lignes[0] == ENTETES_CSV
    assert lignes[1:] == [
        [
            "FINMDV000003M0",
            "Avance",
            SIRET_RELAIS,
            "RELAIS CAP FRANCE AU GAI LOGIS",
            "MDV",
            "LGC",
            "2",
            "10750,50",
            "20/02/2024",
            "Décidée",
            "Paiement en cours",
        ],
        [
            "FINMDV000002M0",
            "Solde",
            SIRET_RELAIS,
            "RELAIS CAP FRANCE AU GAI LOGIS",
            "MDV",
            "LGC",
            "1",
            "1000,00",
            "15/02/2024",
            "Décidée",
            "Paiement effectué",
        ],
    ]
    assert 'filename="demandes-gestion.csv"' in client_gestionnaire.get(EXPORT)["Content-Disposition"]
    tout = lire_csv(client_gestionnaire.get(EXPORT))
    assert [l[0] for l in tout[1:]] == [
        "FINHOP000021M0",
        "FINHOP000012M0",
        "FINHOP000011M0",
        "FINMDV000003M0",
        "FINMDV000002M0",
        "FINMDV000001M0",
    ]
    assert tout[1][9:] == ["En attente des pièces", ""]
    rejetees = lire_csv(client_gestionnaire.get(EXPORT, {"q": SIRET_HOPITAL, "statut__exact": "REJETEE"}))
    assert [l[0] for l in rejetees[1:]] == ["FINHOP000011M0"]
    assert lire_csv(client_gestionnaire.get(EXPORT, {"q": "inexistant"})) == [ENTETES_CSV]


def test_export_csv_de_la_selection(client_gestionnaire, six_demandes):
    reponse = agir(client_gestionnaire, "exporter_csv", [six_demandes["d1"], six_demandes["h1"]])
    assert [l[0] for l in lire_csv(reponse)[1:]] == ["FINHOP000011M0", "FINMDV000001M0"]


@pytest.mark.parametrize("parametres", [{"date_depot__gte": "pas-une-date"}, {"champ_inconnu": "1"}])
def test_export_csv_avec_un_filtre_invalide_sans_erreur_serveur(client_gestionnaire, six_demandes, parametres):
    client_gestionnaire.raise_request_exception = False
    assert client_gestionnaire.get(LISTE, parametres).status_code == 302
    assert client_gestionnaire.get(EXPORT, parametres).status_code < 500


def test_export_csv_nombre_de_requetes_constant(client_gestionnaire, six_demandes):
    def compter():
        with CaptureQueriesContext(connection) as requetes:
            contenu_telecharge(client_gestionnaire.get(EXPORT))
        return len(requetes)

    petit = compter()
    for n in range(100, 400):
        creer_demande(n)
    assert compter() == petit


# --- 4. the import admin ------------------------------------------------------------------------


@pytest.fixture
def deux_imports(demo, document_ttc):
    reussi = simuler_et_importer(
        "relais",
        en_octets(document_de(document_ttc, ligne(document_ttc, 1), ligne(document_ttc, 2))),
        nom="deux-lignes.json",
    )
    en_erreur = simuler_service(
        "relais",
        en_octets(document_de(document_ttc, ligne(document_ttc, 3, geo=[sans_cle(finess(9))]))),
        nom="finess-faux.json",
    )
    return reussi, en_erreur


def test_admin_des_imports_liste_recherche_et_fiche(client_gestionnaire, deux_imports):
    reussi, en_erreur = deux_imports
    reponse = client_gestionnaire.get("/admin/imports/import/")
    assert reponse.status_code == 200
    contenu = texte(reponse)
    assert "deux-lignes.json" in contenu and "finess-faux.json" in contenu
    entetes = table_avec(reponse, "Nom du fichier")[0]
    for colonne in ("Fournisseur", "Numéro ANS", "Type de demande"):
        assert any(colonne.lower() in e.lower() for e in entetes), (colonne, entetes)
    rangee = [l for l in table_avec(reponse, "Nom du fichier") if "deux-lignes.json" in l][0]
    assert rangee.count("2") >= 3  # nb_lignes, nb_valides, nb_retenues
    for recherche, attendus in (
        ("deux-lignes", {"deux-lignes.json"}),
        ("finess-faux", {"finess-faux.json"}),
        (SIRET_RELAIS, {"deux-lignes.json", "finess-faux.json"}),
        (SIRET_HOPITAL, set()),
    ):
        contenu = texte(client_gestionnaire.get("/admin/imports/import/", {"q": recherche}))
        assert {nom for nom in ("deux-lignes.json", "finess-faux.json") if nom in contenu} == attendus, recherche

    fiche = client_gestionnaire.get(f"/admin/imports/import/{reussi.pk}/change/")
    assert fiche.status_code == 200
    liens = [a.attrs["href"] for a in page(fiche).liens if a.texte == "Télécharger"]
    assert liens == [f"/admin/imports/import/{reussi.pk}/fichier/", f"/admin/imports/import/{reussi.pk}/sortie/"]
    assert "/admin/imports/import/add/" not in fiche.content.decode()
    assert client_gestionnaire.get("/admin/imports/import/add/").status_code == 403
    assert client_gestionnaire.get(f"/admin/imports/import/{reussi.pk}/delete/").status_code == 403


def test_admin_des_imports_telechargements(client_gestionnaire, deux_imports):
    reussi, en_erreur = deux_imports
    for import_demandes in (reussi, en_erreur):
        import_demandes.refresh_from_db()
        reponse = client_gestionnaire.get(f"/admin/imports/import/{import_demandes.pk}/fichier/")
        assert reponse.status_code == 200
        with import_demandes.fichier.open("rb") as flux:
            assert contenu_telecharge(reponse) == flux.read()
        assert f'filename="{import_demandes.nom_fichier}"' in reponse["Content-Disposition"]
        reponse = client_gestionnaire.get(f"/admin/imports/import/{import_demandes.pk}/sortie/")
        assert reponse.status_code == 200
        assert contenu_telecharge(reponse) == sortie_de(import_demandes)
        assert f'filename="{import_demandes.nom_fichier_sortie}"' in reponse["Content-Disposition"]
    assert b"E302" in sortie_de(en_erreur)
    assert client_gestionnaire.get("/admin/imports/import/999999/fichier/").status_code == 404
    sans_sortie = Import.objects.create(
        fournisseur=Fournisseur.objects.get(siret=SIRET_RELAIS),
        numero_ans="mlp525off1",
        type_demande="AVANCE",
        taux_tva="20",
        nom_fichier="x.json",
        sha256="0" * 64,
        fichier="imports/x.json",
    )
    assert client_gestionnaire.get(f"/admin/imports/import/{sans_sortie.pk}/sortie/").status_code == 404
    assert "fichier de sortie : —" in texte(
        client_gestionnaire.get(f"/admin/imports/import/{sans_sortie.pk}/change/")
    ).lower().replace("\xa0", " ")


def test_admin_des_erreurs_de_ligne(client_gestionnaire, deux_imports):
    _, en_erreur = deux_imports
    reponse = client_gestionnaire.get("/admin/imports/erreurligne/", {"q": str(en_erreur.pk)})
    assert reponse.status_code == 200
    assert "E302" in texte(reponse)
    assert client_gestionnaire.get("/admin/imports/erreurligne/add/").status_code == 403


# --- 4. the reference data admin ---------------------------------------------------------------


@pytest.mark.parametrize(
    "chemin, recherche, present, absent",
    [
        ("/admin/demandes/fournisseur/", "UNIKALO", "NUANCES UNIKALO", "RELAIS CAP"),
        ("/admin/demandes/fournisseur/", SIRET_RELAIS, "RELAIS CAP", "NUANCES UNIKALO"),
        ("/admin/demandes/solution/", "cpiPFI", "cpiPFI0001", "mlp525off1"),
        ("/admin/demandes/solution/", SIRET_HOPITAL, "bnd52qq600", "cpiPFI0001"),
        ("/admin/demandes/utilisateur/", "unikalo", "unikalo", "hopital"),
        ("/admin/demandes/utilisateur/", "SANTÉ NUMÉRIQUE", "hopital", "unikalo"),
        ("/admin/demandes/couloir/", "Médecin", "MDV", "Officine"),
        ("/admin/demandes/logiciel/", "DPI", "Dossier patient informatisé", "Logiciel de gestion de cabinet"),
        ("/admin/demandes/operateurmessagerie/", "MAI_15", "MAI_15", None),
        ("/admin/demandes/typepiece/", "BON_COMMANDE", "BON_COMMANDE", None),
    ],
)
def test_admin_des_referentiels_cherchable(client_gestionnaire, chemin, recherche, present, absent):
    assert client_gestionnaire.get(chemin).status_code == 200
    reponse = client_gestionnaire.get(chemin, {"q": recherche})
    assert reponse.status_code == 200
    contenu = texte(reponse)
    assert present in contenu
    if absent:
        assert absent not in contenu
    assert 'name="q"' in reponse.content.decode()


def test_admin_des_referentiels_ajout_et_modification_sans_suppression(client_gestionnaire):
    fournisseur = Fournisseur.objects.get(siret=SIRET_UNIKALO)
    solution = Solution.objects.get(numero_ans="cpiPFI0001")
    for chemin in (
        "/admin/demandes/fournisseur/add/",
        f"/admin/demandes/fournisseur/{fournisseur.pk}/change/",
        "/admin/demandes/solution/add/",
        f"/admin/demandes/solution/{solution.pk}/change/",
        f"/admin/demandes/fournisseur/{fournisseur.pk}/history/",
    ):
        assert client_gestionnaire.get(chemin).status_code == 200, chemin
    for chemin in (
        f"/admin/demandes/fournisseur/{fournisseur.pk}/delete/",
        f"/admin/demandes/solution/{solution.pk}/delete/",
    ):
        assert client_gestionnaire.get(chemin).status_code == 403, chemin
    fiche = texte(client_gestionnaire.get(f"/admin/demandes/fournisseur/{fournisseur.pk}/change/"))
    assert "cpiPFI0001" in fiche and "unikalo" in fiche  # its solutions and users
    assert "/admin/auth/group/" not in client_gestionnaire.get("/admin/").content.decode()
