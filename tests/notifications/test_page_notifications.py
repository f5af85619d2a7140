"""The supplier's page « Notifications » (/notifications/): the user's own messages only, newest
first, with the links to the dossiers; an empty state; in the menu; not for ASP staff."""

import re

from demandes.models import Notification
from tests.factories import creer_demande
from tests.gestion.outils import agir
from tests.pages import page, texte, texte_brut


def sujets(reponse) -> list[str]:
    """The subjects of the notifications listed, in order (their h2 titles)."""
    return [
        texte_brut(t).strip()
        for t in re.findall(r'<h2 class="fr-h6[^"]*" id="notification-\d+">(.*?)</h2>', reponse.content.decode())
    ]


def test_la_page_liste_ses_propres_notifications_avec_les_liens(client, comptes, gestionnaire):
    d1, d2 = creer_demande(1), creer_demande(2)
    hopital = creer_demande(11, numero_ans="bnd52qq600")
    client.force_login(gestionnaire)
    agir(client, "rejeter", [d1], motif="Bon de commande illisible")
    agir(client, "rejeter", [d2, hopital], motif="Hors périmètre")
    assert Notification.objects.count() == 5  # 2 + 2 for relais's two users, 1 for hopital's

    client.force_login(comptes["relais"])
    reponse = client.get("/notifications/")
    assert reponse.status_code == 200
    # Its own two (not its colleague's copies, not hopital's), newest first, with their text.
    assert sujets(reponse) == [
        "Ségur numérique : demande FINMDV000002M0 rejetée",  # relais's dossier of the second action only
        "Ségur numérique : demande FINMDV000001M0 rejetée",
    ]
    contenu = texte(reponse, lu=True)
    assert "Motif du rejet : Bon de commande illisible" in contenu and "Motif du rejet : Hors périmètre" in contenu
    assert "FINHOP" not in contenu
    liens = [a.attrs["href"] for a in page(reponse).liens]
    assert liens.count(f"/demandes/{d1.pk}/") == 1 and liens.count(f"/demandes/{d2.pk}/") == 1
    assert f"/demandes/{hopital.pk}/" not in liens


def test_un_autre_fournisseur_ne_voit_rien_et_lit_l_etat_vide(client, comptes, gestionnaire):
    notifications_relais = Notification.objects.create(
        destinataire=comptes["relais"],
        cle="rejet:x:1",
        nature="REJET",
        sujet="Sujet de relais",
        corps="Corps de relais",
    )
    client.force_login(comptes["hopital"])
    reponse = client.get("/notifications/")
    assert reponse.status_code == 200
    assert "Sujet de relais" not in texte(reponse)
    assert "Aucune notification pour le moment" in texte(reponse)
    assert notifications_relais.pk


def test_pagination_les_plus_recentes_d_abord(client, comptes):
    for n in range(25):
        Notification.objects.create(
            destinataire=comptes["relais"], cle=f"rejet:{n}:1", nature="REJET", sujet=f"Notification {n:02d}", corps="C"
        )
    client.force_login(comptes["relais"])
    premiere = texte(client.get("/notifications/"))
    seconde = texte(client.get("/notifications/?page=2"))
    assert "Notification 24" in premiere and "Notification 05" in premiere and "Notification 04" not in premiere
    assert "Notification 04" in seconde and "Notification 00" in seconde and "Notification 05" not in seconde


def test_dans_le_menu_et_reserve_aux_fournisseurs(client, comptes, gestionnaire):
    client.force_login(comptes["relais"])
    reponse = client.get("/notifications/")
    menu = [(a.texte, a.attrs["href"]) for a in page(reponse).liens if "fr-nav__link" in a.attrs.get("class", "")]
    assert ("Notifications", "/notifications/") in menu
    assert [a.texte for a in page(reponse).liens if a.attrs.get("aria-current") == "page"] == ["Notifications"]
    client.force_login(gestionnaire)
    assert client.get("/notifications/").status_code == 403
    client.logout()
    assert client.get("/notifications/")["Location"].startswith("/connexion/")
