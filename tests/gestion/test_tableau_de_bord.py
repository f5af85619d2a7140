"""The managers' dashboard on the admin's index (issue 13, point 4): counts per status as their
badges, amounts requested / decided / paid per couloir and per type, the 10 dossiers waiting for the
ASP longest, the deposits of the last 7 days; read in a fixed number of queries whatever the number
of demandes; shown to managers and superusers only."""

import datetime
import re
from decimal import Decimal

from django.test import Client
from django.utils import timezone

from demandes.models import Demande, Paiement
from demandes.valeurs import StatutDemande, StatutPaiement, TypeDemande
from tests.factories import creer_demande, creer_demandes, deposee_le, nouveau_staff
from tests.pages import nombre_de_requetes, page, texte

INDEX = "/admin/"
ENTETES_MONTANTS = ["Dossiers", "Demandé", "Décidé", "Payé"]
ENTETES_ANCIENS = ["Numéro de dossier", "Statut", "Fournisseur", "Dépôt", "Jours d'attente", "Gestionnaire"]


def _jour(decalage: int) -> datetime.date:
    return timezone.localdate() - datetime.timedelta(days=decalage)


def _payer(demande, montant, statut=StatutPaiement.EFFECTUE):
    Paiement.objects.create(demande=demande, montant=Decimal(montant), date_paiement=_jour(0), statut=statut)


def test_le_gestionnaire_voit_le_tableau_de_bord(client_gestionnaire, six_demandes):
    _payer(six_demandes["d2"], "400.00")
    _payer(six_demandes["d3"], "500.00", StatutPaiement.EN_COURS)  # not paid yet
    # Deposits of the last days: 2 today, 1 two days ago, 1 eight days ago (out of the 7 days).
    for n, decalage in ((30, 0), (31, 0), (32, 2), (33, 8)):
        creer_demande(n, StatutDemande.EN_ATTENTE_PIECES, depot=_jour(decalage).isoformat())

    reponse = client_gestionnaire.get(INDEX)
    assert reponse.status_code == 200
    contenu = texte(reponse, lu=True)
    assert "Tableau de bord des demandes" in contenu
    assert "Demandes par statut (10 au total)" in contenu

    # Counts per status: each status's badge (its colour) then its count, linking to the list.
    statuts = re.findall(
        r'<a href="/admin/demandes/demande/\?statut__exact=(\w+)"><span class="([^"]+)">([^<]+)</span>'
        r' <span class="tdb-nombre">(\d+)</span></a>',
        reponse.content.decode(),
    )
    assert statuts == [
        ("EN_ATTENTE_PIECES", "fr-badge fr-badge--warning", "En attente des pièces", "5"),
        ("DEPOSEE", "fr-badge fr-badge--new", "Déposée", "1"),
        ("EN_INSTRUCTION", "fr-badge fr-badge--info", "En instruction", "1"),
        ("A_COMPLETER", "fr-badge fr-badge--warning", "En attente de compléments", "0"),
        ("DECIDEE", "fr-badge fr-badge--success", "Décidée", "2"),
        ("REJETEE", "fr-badge fr-badge--error", "Rejetée", "1"),
        ("ANNULEE", "fr-badge", "Annulée", "0"),
    ]

    # Amounts: requested (all but cancelled), decided, paid (payments « effectué » only).
    ecran = page(reponse)
    assert ecran.table(["Couloir", *ENTETES_MONTANTS]) == [
        ["HOP — Hôpital", "3", "3 000,00 €", "0,00 €", "0,00 €"],
        ["MDV — Médecin de ville", "7", "16 750,50 €", "11 750,50 €", "400,00 €"],
        ["Total", "10", "19 750,50 €", "11 750,50 €", "400,00 €"],
    ]
    assert ecran.table(["Type", *ENTETES_MONTANTS]) == [
        ["Avance", "9", "18 750,50 €", "10 750,50 €", "0,00 €"],
        ["Solde", "1", "1 000,00 €", "1 000,00 €", "400,00 €"],
    ]

    # The dossiers waiting for the ASP (« Déposée », « En instruction »), oldest deposit first.
    anciens = ecran.table(ENTETES_ANCIENS)
    assert anciens == [
        [
            "FINMDV000001M0",
            "Déposée",
            "RELAIS CAP FRANCE AU GAI LOGIS",
            "10/01/2024",
            str((_jour(0) - datetime.date(2024, 1, 10)).days),
            "—",
        ],
        [
            "FINHOP000012M0",
            "En instruction",
            "SANTÉ NUMÉRIQUE HOSPITALIÈRE",
            "01/04/2024",
            str((_jour(0) - datetime.date(2024, 4, 1)).days),
            "—",
        ],
    ]
    assert "Les 2 dossiers qui attendent l'ASP depuis le plus longtemps" in contenu
    d1 = six_demandes["d1"]
    assert ecran.lien("FINMDV000001M0").attrs["href"] == f"/admin/demandes/demande/{d1.pk}/change/"

    # Deposits per day, the last 7 days (today included), oldest first.
    (jours, nombres) = next(t for t in ecran.tables if t and len(t) == 2 and len(t[0]) == 7)
    assert nombres == ["0", "0", "0", "0", "1", "0", "2"]
    assert jours[-1].endswith(_jour(0).strftime("%d/%m")) and jours[0].endswith(_jour(6).strftime("%d/%m"))
    assert "Dépôts des 7 derniers jours" in contenu

    # The applications are still listed below.
    assert ecran.lien("Demandes").attrs["href"] == "/admin/demandes/demande/"


def test_dix_dossiers_au_plus_les_plus_anciens(client_gestionnaire, demo):
    demandes = [creer_demande(n, StatutDemande.DEPOSEE) for n in range(1, 13)]
    for n, demande in enumerate(demandes):
        deposee_le(demande, (datetime.date(2024, 3, 20) - datetime.timedelta(days=n)).isoformat())
    ecran = page(client_gestionnaire.get(INDEX))
    numeros = [ligne[0] for ligne in ecran.table(ENTETES_ANCIENS)]
    assert numeros == [f"FINMDV{n:06d}M0" for n in range(12, 2, -1)]  # the 10 deposited first


def test_tableau_de_bord_vide(client_gestionnaire, demo):
    contenu = texte(client_gestionnaire.get(INDEX), lu=True)
    assert "Demandes par statut (0 au total)" in contenu
    assert "Aucun dossier n'attend l'ASP." in contenu


def test_visible_du_superutilisateur(client_super, six_demandes):
    assert "Demandes par statut (6 au total)" in texte(client_super.get(INDEX), lu=True)


def test_invisible_d_un_staff_sans_le_droit(client, six_demandes):
    client.force_login(nouveau_staff())
    reponse = client.get(INDEX)
    assert reponse.status_code == 200
    assert "Tableau de bord" not in texte(reponse, lu=True)
    assert "RELAIS CAP FRANCE" not in texte(reponse, lu=True)


def test_un_fournisseur_n_y_entre_pas(client, six_demandes):
    from tests.parcours import utilisateur

    client.force_login(utilisateur("relais"))
    reponse = client.get(INDEX)
    assert reponse.status_code == 302 and reponse["Location"].startswith("/admin/login/")


def _peupler(debut, nombre):
    """`nombre` demandes of every status, type and couloir, some paid, some deposited recently."""
    statuts = list(StatutDemande)
    par_statut = max(1, nombre // (len(statuts) * 2))
    n = debut
    for statut in statuts:
        for numero_ans, type_demande in (("mlp525off1", TypeDemande.AVANCE), ("bnd52qq600", TypeDemande.SOLDE)):
            creees = creer_demandes(
                numero_ans, par_statut, debut=n, statut=statut, type_demande=type_demande, editeur=f"P{n}-"
            )
            n += par_statut
            if statut == StatutDemande.DECIDEE:
                for demande in creees[:3]:
                    _payer(demande, "10.00")
    Demande.objects.filter(pk__in=Demande.objects.order_by("-pk").values("pk")[:5]).update(
        date_depot=timezone.now() - datetime.timedelta(days=2)
    )
    return n


def test_nombre_de_requetes_fixe_de_10_a_1000_demandes(demo):
    client = Client()
    from tests.parcours import utilisateur

    client.force_login(utilisateur("gestionnaire"))
    suivant = _peupler(1, 10)
    assert Demande.objects.count() == 2 * len(StatutDemande)  # one demande per status and type
    petit = nombre_de_requetes(client, INDEX, rechauffer=True)
    _peupler(suivant, 1000)
    assert Demande.objects.count() > 1000
    grand = nombre_de_requetes(client, INDEX, rechauffer=True)
    assert grand == petit
    contenu = texte(client.get(INDEX), lu=True)
    assert f"Demandes par statut ({Demande.objects.count()} au total)" in contenu
