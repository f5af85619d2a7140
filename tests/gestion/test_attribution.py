"""« M'attribuer » and « Mes dossiers » (issue 13, point 3): a manager takes dossiers from the
changelist; the list shows who holds each one and filters on his own; a dossier another manager
holds is taken with a message naming him; closed dossiers are refused; every attribution is in the
dossier's history, in the manager's name; a staff account without the right has no such action."""

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from demandes.models import Demande
from demandes.valeurs import StatutDemande
from tests.factories import creer_demande, nouveau_staff
from tests.gestion.outils import COLONNES_ADMIN, LISTE, agir, lignes_admin, messages_de, resultats
from tests.marques import postgres_seulement
from tests.pages import options_d_action, page
from tests.parcours import utilisateur


def _gestionnaires(*demandes) -> list[str | None]:
    return [Demande.objects.filter(pk=d.pk).values_list("gestionnaire__username", flat=True).get() for d in demandes]


def test_m_attribuer_puis_mes_dossiers(client_gestionnaire, gestionnaire, six_demandes):
    d1, h2 = six_demandes["d1"], six_demandes["h2"]
    reponse = agir(client_gestionnaire, "m_attribuer", [d1, h2])
    assert reponse.status_code == 302
    assert messages_de(reponse) == [("success", "2 dossier(s) vous sont attribués : FINMDV000001M0, FINHOP000012M0.")]
    assert _gestionnaires(d1, h2) == ["gestionnaire", "gestionnaire"]

    # The list shows who holds each dossier (« — » for the others).
    colonne = COLONNES_ADMIN.index("Gestionnaire")
    lignes = {ligne[1]: ligne[colonne] for ligne in lignes_admin(client_gestionnaire.get(LISTE))}
    assert lignes["FINMDV000001M0"] == "gestionnaire"
    assert lignes["FINHOP000012M0"] == "gestionnaire"
    assert lignes["FINMDV000002M0"] == "—"

    # « Mes dossiers »: the filter of the sidebar, clicked as the manager would.
    liste = client_gestionnaire.get(LISTE)
    lien = page(liste).lien("Mes dossiers").attrs["href"]
    assert lien == "?attribution=miens"
    assert resultats(client_gestionnaire.get(LISTE + lien)) == ["FINMDV000001M0", "FINHOP000012M0"]
    non_attribues = page(liste).lien("Non attribués").attrs["href"]
    assert resultats(client_gestionnaire.get(LISTE + non_attribues)) == [
        "FINMDV000002M0",
        "FINMDV000003M0",
        "FINHOP000011M0",
        "FINHOP000021M0",
    ]


def test_attribution_historisee_au_nom_du_gestionnaire(client_gestionnaire, gestionnaire, six_demandes):
    d1 = six_demandes["d1"]
    avant = d1.history.count()
    modification = Demande.objects.get(pk=d1.pk).date_modification
    agir(client_gestionnaire, "m_attribuer", [d1])
    assert d1.history.count() == avant + 1
    derniere = d1.history.order_by("-history_date", "-history_id").first()
    assert (derniere.history_user, derniere.gestionnaire_id, derniere.history_type) == (
        gestionnaire,
        gestionnaire.pk,
        "~",
    )
    demande = Demande.objects.get(pk=d1.pk)
    assert demande.date_attribution is not None
    assert demande.date_modification == modification  # the dossier's content is untouched
    # The history page of the dossier shows the change and who made it.
    historique = client_gestionnaire.get(f"{LISTE}{d1.pk}/history/").content.decode()
    assert "gestionnaire" in historique


def test_dossier_d_un_autre_gestionnaire_pris_avec_un_message(
    client_gestionnaire, gestionnaire, autre_gestionnaire, six_demandes
):
    d1, d2 = six_demandes["d1"], six_demandes["d2"]
    agir(client_gestionnaire, "m_attribuer", [d1])

    client = Client()  # the colleague, in his own browser
    client.force_login(autre_gestionnaire)
    reponse = agir(client, "m_attribuer", [d1, d2])
    assert messages_de(reponse) == [
        ("success", "2 dossier(s) vous sont attribués : FINMDV000001M0, FINMDV000002M0."),
        ("warning", "FINMDV000001M0 était attribué à gestionnaire : il vous est maintenant attribué."),
    ]
    assert _gestionnaires(d1, d2) == ["collegue", "collegue"]
    assert resultats(client.get(LISTE, {"attribution": "miens"})) == ["FINMDV000001M0", "FINMDV000002M0"]
    # The first manager's « Mes dossiers » no longer has it.
    assert resultats(client_gestionnaire.get(LISTE, {"attribution": "miens"})) == []

    # Taking again what one already holds changes nothing and says so.
    avant = d1.history.count()
    reponse = agir(client, "m_attribuer", [d1])
    assert messages_de(reponse) == [("info", "Déjà attribué(s) à vous : FINMDV000001M0.")]
    assert d1.history.count() == avant


def test_dossier_clos_refuse(client_gestionnaire, six_demandes):
    h1 = six_demandes["h1"]  # rejected
    annulee = creer_demande(4, StatutDemande.ANNULEE)
    reponse = agir(client_gestionnaire, "m_attribuer", [h1, annulee])
    assert messages_de(reponse) == [
        ("error", "FINHOP000011M0 non attribué : une demande « Rejetée » est close, elle ne s'attribue plus."),
        ("error", "FINMDV000004M0 non attribué : une demande « Annulée » est close, elle ne s'attribue plus."),
    ]
    assert _gestionnaires(h1, annulee) == [None, None]


def test_sans_le_droit_d_instruire_pas_d_attribution(client, demo):
    demande = creer_demande(1)
    client.force_login(nouveau_staff("lecteur", "demandes.view_demande"))
    assert "m_attribuer" not in options_d_action(client.get(LISTE))
    reponse = agir(client, "m_attribuer", [demande])
    assert reponse.status_code in (200, 302)
    assert _gestionnaires(demande) == [None]
    assert demande.history.count() == 1


@pytest.mark.parametrize("nom", ["relais"])
def test_un_fournisseur_n_attribue_rien(client, demo, nom):
    demande = creer_demande(1)
    client.force_login(utilisateur(nom))
    reponse = client.post(LISTE, {"action": "m_attribuer", "_selected_action": [demande.pk], "index": "0"})
    assert reponse.status_code == 302 and reponse["Location"].startswith("/admin/login/")
    assert _gestionnaires(demande) == [None]


@postgres_seulement("concurrence réelle : PostgreSQL (la CI)")
def test_deux_gestionnaires_prennent_le_meme_dossier_en_meme_temps(demo_transactionnel, monkeypatch):
    """The row lock: the second one sees the first one's attribution, and is told whom he took it
    from (without it, both would believe they took a free dossier)."""
    from demandes import services
    from tests.gestion.test_deux_gestionnaires import _a_deux

    demande = creer_demande(1)
    collegue = get_user_model().objects.create_user("collegue", password="x", is_staff=True)
    gestionnaire = utilisateur("gestionnaire")

    def prendre(qui):
        return lambda: services.attribuer(Demande.objects.filter(pk=demande.pk), utilisateur=qui)

    resultats = _a_deux(monkeypatch, Demande, "save", [prendre(gestionnaire), prendre(collegue)])
    precedents = sorted(
        (precedent.username if precedent else "") for resultat in resultats for _, precedent in resultat.prises
    )
    gagnant = Demande.objects.get(pk=demande.pk).gestionnaire
    perdant = collegue if gagnant == gestionnaire else gestionnaire
    assert precedents == ["", perdant.username]
    assert demande.history.filter(history_type="~").count() == 2
