"""The supplier's home page (spec §7): « Ce qui attend votre action » (demandes rejected lately with
their motif, imports whose pieces are missing or whose « Terminer » is still to click, successful
simulations never imported — each block only when it has something, with its count, and links the
supplier follows), « Tout est à jour » otherwise; the counters of its imports and of its demandes by
status (in their badge colours); a page whose queries do not grow with the number of rows."""

import datetime
import html
import re

import pytest
from django.utils import timezone

from demandes import services
from demandes.models import Demande
from demandes.valeurs import StatutDemande
from imports.models import Import
from tests.demandes.actions_attendues import demande_rejetee, import_a_terminer, simulation_reussie
from tests.documents import SIRET_HOPITAL
from tests.factories import creer_demande, creer_import
from tests.pages import COLONNES_DEMANDES, colonne, nombre_de_requetes, page, texte, texte_brut

TOUT_EST_A_JOUR = "Tout est à jour"


def bloc(reponse, identifiant) -> str | None:
    """The text of the block `identifiant` of « Ce qui attend votre action », None if absent."""
    trouve = re.search(rf'<div id="{identifiant}"[^>]*>(.*?)</div>', reponse.content.decode(), re.S)
    return " ".join(texte_brut(trouve.group(1)).split()) if trouve else None


def liens_du_bloc(reponse, identifiant) -> list[tuple[str, str]]:
    contenu = re.search(rf'<div id="{identifiant}"[^>]*>(.*?)</div>', reponse.content.decode(), re.S).group(1)
    return [
        (html.unescape(href), " ".join(texte_brut(libelle).split()))
        for href, libelle in re.findall(r'<a href="([^"]+)">(.*?)</a>', contenu, re.S)
    ]


# --- home page counters ---------------------------------------------------------------------


def test_accueil_compteurs(client_relais, quatre_demandes):
    creer_import(nom="e1.json", resultat=Import.Resultat.ERREURS)
    creer_import(nom="e2.json", resultat=Import.Resultat.FICHIER_REJETE)
    creer_import(nom="s1.json")
    creer_import(nom="s2.json")
    creer_import(nom="s3.json")
    creer_import(nom="i1.json", etat=Import.Etat.IMPORTE, retenues=1)
    creer_import(nom="t1.json", etat=Import.Etat.TERMINE, retenues=1)
    creer_import("41268937400012", nom="h.json", numero_ans="bnd52qq600", etat=Import.Etat.IMPORTE)

    reponse = client_relais.get("/")
    assert reponse.status_code == 200
    contenu = reponse.content.decode()
    bloc_imports = re.search(r'<ul id="compteurs-imports">(.*?)</ul>', contenu, re.S).group(1)
    assert [" ".join(html.unescape(l).split()) for l in re.findall(r"<li>(.*?)</li>", bloc_imports, re.S)] == [
        "Simulations en erreur : 2",
        "Simulés, en attente d'import : 3",
        "Importés, pièces jointes à déposer : 1",
        "Terminés : 1",
    ]

    bloc_demandes = re.search(r'<ul id="compteurs-demandes">(.*?)</ul>', contenu, re.S).group(1)
    liens = re.findall(r'<a href="([^"]+)">(.*?)</a>', bloc_demandes, re.S)
    assert [(html.unescape(href), " ".join(texte_brut(libelle).split())) for href, libelle in liens] == [
        ("/demandes/?statut=DECIDEE", "Décidée : 2"),
        ("/demandes/?statut=EN_ATTENTE_PIECES", "En attente des pièces : 1"),
        ("/demandes/?statut=REJETEE", "Rejetée : 1"),
    ]
    # Each status in the badge of its colour, as on the list and the page of a demande.
    assert re.findall(r'<span class="(fr-badge[^"]*)">([^<]*)</span>', bloc_demandes) == [
        ("fr-badge fr-badge--success", "Décidée"),
        ("fr-badge fr-badge--warning", "En attente des pièces"),
        ("fr-badge fr-badge--error", "Rejetée"),
    ]
    for href, libelle in liens:
        nombre = int(texte_brut(libelle).rsplit(":", 1)[1])
        assert len(colonne(client_relais.get(html.unescape(href)), COLONNES_DEMANDES)) == nombre


def test_accueil_sans_rien(client_relais):
    reponse = client_relais.get("/")
    assert reponse.status_code == 200
    assert "Aucune demande déposée pour le moment." in texte(reponse)
    assert "Simulations en erreur : 0" in texte(reponse)
    assert bloc(reponse, "a-faire-rien") == (
        f"{TOUT_EST_A_JOUR} Aucune action n'est attendue de vous : pas de complément demandé, pas de demande "
        "rejetée ces 90 derniers "
        "jours, pas de pièce jointe à déposer, pas de simulation réussie en attente d'import."
    )
    for identifiant in ("a-faire-complements", "a-faire-rejets", "a-faire-pieces", "a-faire-simulations"):
        assert bloc(reponse, identifiant) is None


def test_rien_a_faire_quand_tout_est_termine_ou_en_erreur(client_relais):
    """Finished imports, failed simulations, demandes with the ASP, an old rejection: nothing to do."""
    creer_import(nom="t.json", etat=Import.Etat.TERMINE, retenues=1, sha256="1" * 64)
    creer_import(nom="e.json", resultat=Import.Resultat.ERREURS, sha256="2" * 64)
    creer_demande(601, StatutDemande.DEPOSEE)
    creer_demande(602, StatutDemande.EN_INSTRUCTION)
    demande_rejetee("Rejet ancien", il_y_a_jours=91)
    reponse = client_relais.get("/")
    assert bloc(reponse, "a-faire-rien").startswith(TOUT_EST_A_JOUR)
    assert bloc(reponse, "a-faire-rejets") is None


# --- « Ce qui attend votre action » -----------------------------------------------------------------


def test_demandes_rejetees_avec_leur_motif(client_relais, gestionnaire):
    # A rejection through the managers' service, as in real life.
    demande = creer_demande(611, StatutDemande.DEPOSEE)
    faites, _ = services.changer_statut(
        Demande.objects.filter(pk=demande.pk),
        transition="rejet",
        utilisateur=gestionnaire,
        motif="Bon de commande <b>illisible</b>",
    )
    assert faites
    ancienne = demande_rejetee("Rejet trop ancien pour l'accueil", il_y_a_jours=120)
    creer_demande(1, StatutDemande.REJETEE, numero_ans="bnd52qq600")  # hopital's: not relais's business

    reponse = client_relais.get("/")
    assert bloc(reponse, "a-faire-rien") is None
    aujourd_hui = timezone.localdate().strftime("%d/%m/%Y")
    assert bloc(reponse, "a-faire-rejets") == (
        "1 demande rejetée ces 90 derniers jours "
        "Le rejet libère les bénéficiaires : vous pouvez déposer pour eux une nouvelle demande dans un nouveau "
        "fichier JSON, en tenant compte du motif. "
        f"FINMDV000611M0, rejetée le {aujourd_hui} — motif : Bon de commande <b>illisible</b>"
    )
    assert "<b>illisible</b>" not in reponse.content.decode()  # the motif is escaped
    assert ancienne.numero_dossier not in texte(reponse)
    assert liens_du_bloc(reponse, "a-faire-rejets") == [(f"/demandes/{demande.pk}/", "FINMDV000611M0")]

    # The link opens the demande, which says what to do next.
    page_demande = client_relais.get(f"/demandes/{demande.pk}/")
    assert page_demande.status_code == 200
    assert "Motif du rejet : Bon de commande <b>illisible</b>" in texte(page_demande, lu=True)


def test_rejets_nombreux_cinq_listes_et_lien_vers_tous(client_relais):
    for jours in range(1, 8):
        demande_rejetee(f"Motif {jours}", il_y_a_jours=jours)
    reponse = client_relais.get("/")
    contenu = bloc(reponse, "a-faire-rejets")
    assert contenu.startswith("7 demandes rejetées ces 90 derniers jours")
    assert [f"Motif {j}" in contenu for j in range(1, 8)] == [True] * 5 + [False] * 2  # the latest first
    liens = liens_du_bloc(reponse, "a-faire-rejets")
    assert liens[-1] == ("/demandes/?statut=REJETEE", "Voir toutes mes demandes rejetées")
    toutes = client_relais.get(liens[-1][0])
    assert len(colonne(toutes, COLONNES_DEMANDES)) == 7


def test_imports_a_terminer_pieces_manquantes(client_relais):
    manque = import_a_terminer("manque.json", pieces=3, recues=1)
    complet = import_a_terminer("complet.json", pieces=2, recues=2)
    import_a_terminer("autre.json", pieces=1, siret=SIRET_HOPITAL)  # hopital's
    creer_import(nom="fini.json", etat=Import.Etat.TERMINE, retenues=1, sha256="3" * 64)

    reponse = client_relais.get("/")
    assert bloc(reponse, "a-faire-pieces") == (
        "2 imports à terminer : pièces jointes "
        "Les demandes de ces imports attendent leurs pièces justificatives : déposez-les dans un fichier zip à "
        "l'étape « 2 - Pièces jointes », puis cliquez sur « Terminer » pour transmettre les demandes aux "
        "gestionnaires de l'ASP. "
        f"Pièces jointes de l'import n° {complet.pk} (complet.json) — toutes les pièces sont reçues : cliquez sur "
        "« Terminer » "
        f"Pièces jointes de l'import n° {manque.pk} (manque.json) — 2 pièces manquantes"
    )
    liens = liens_du_bloc(reponse, "a-faire-pieces")
    assert [href for href, _ in liens] == [f"/pieces-jointes/{complet.pk}/", f"/pieces-jointes/{manque.pk}/"]
    # The link opens the step « 2 - Pièces jointes » of that import, which lists the missing pieces.
    etape = client_relais.get(liens[1][0])
    assert etape.status_code == 200
    assert f"Import n° {manque.pk} — fichier « manque.json »" in texte(etape)
    assert "Terminer" in [b.texte for b in page(etape).boutons]


def test_une_piece_manquante_au_singulier(client_relais):
    seule = import_a_terminer("seule.json", pieces=1)
    assert bloc(client_relais.get("/"), "a-faire-pieces").startswith(
        "1 import à terminer : pièces jointes Les demandes de cet import attendent"
    )
    assert bloc(client_relais.get("/"), "a-faire-pieces").endswith(
        f"Pièces jointes de l'import n° {seule.pk} (seule.json) — 1 pièce manquante"
    )


def test_simulations_reussies_non_importees(client_relais):
    oubliee = simulation_reussie("oubliee.json", date=timezone.now() - datetime.timedelta(days=2))
    # The same file simulated twice, then imported through the second simulation: nothing left to do.
    simulation_reussie("deux-fois.json", sha256="d" * 64)
    creer_import(nom="deux-fois.json", etat=Import.Etat.IMPORTE, retenues=1, sha256="d" * 64)
    creer_import(nom="erreurs.json", resultat=Import.Resultat.ERREURS, sha256="e" * 64)
    simulation_reussie("h.json", siret=SIRET_HOPITAL, numero_ans="bnd52qq600")  # hopital's

    reponse = client_relais.get("/")
    simule_le = timezone.localtime(oubliee.date_creation).strftime("%d/%m/%Y")
    assert bloc(reponse, "a-faire-simulations") == (
        "1 simulation réussie, non importée "
        "La simulation de ce fichier s'est déroulée correctement, mais aucune demande n'est encore créée : "
        "ouvrez l'import et cliquez sur « Importer ». "
        f"Ouvrir l'import n° {oubliee.pk} (oubliee.json) — avance, mlp525off1, simulé le {simule_le}"
    )
    ((href, _),) = liens_du_bloc(reponse, "a-faire-simulations")
    assert href == f"/imports/{oubliee.pk}/"
    ecran = page(client_relais.get(href))
    assert "disabled" not in ecran.bouton("Importer").attrs  # « Importer » is there, to click


def test_tous_les_blocs_ensemble_dans_l_ordre(client_relais):
    demande_rejetee("Pièce illisible")
    import_a_terminer("pieces.json", pieces=1)
    simulation_reussie("simule.json")
    contenu = client_relais.get("/").content.decode()
    positions = [contenu.index(f'id="{i}"') for i in ("a-faire-rejets", "a-faire-pieces", "a-faire-simulations")]
    assert positions == sorted(positions)
    assert 'id="a-faire-rien"' not in contenu
    # What needs action comes before the tiles and the counters.
    assert contenu.index('id="a-faire"') < contenu.index("Accéder à la documentation")


# --- queries -----------------------------------------------------------------------------------


def _rangs(nombre, depart):
    return range(depart, depart + nombre)


@pytest.mark.parametrize("beaucoup", [12, 30])
def test_accueil_nombre_de_requetes_constant(client_relais, beaucoup):
    """Every block filled: a few rows, then many; the page costs the same queries."""
    for rang in _rangs(2, 0):
        demande_rejetee(f"Motif {rang}")
        import_a_terminer(f"peu-{rang}.json", pieces=2, recues=1)
        simulation_reussie(f"simulation-peu-{rang}.json")
    peu = nombre_de_requetes(client_relais, "/", rechauffer=True)

    for rang in _rangs(beaucoup, 10):
        demande_rejetee(f"Motif {rang}")
        import_a_terminer(f"beaucoup-{rang}.json", pieces=3, recues=rang % 3)
        simulation_reussie(f"simulation-beaucoup-{rang}.json")
    creer_demande(900, StatutDemande.DECIDEE)
    reponse = client_relais.get("/")
    assert bloc(reponse, "a-faire-rejets").startswith(f"{beaucoup + 2} demandes rejetées")
    assert bloc(reponse, "a-faire-pieces").startswith(f"{beaucoup + 2} imports à terminer")
    assert bloc(reponse, "a-faire-simulations").startswith(f"{beaucoup + 2} simulations réussies")
    assert nombre_de_requetes(client_relais, "/") == peu
