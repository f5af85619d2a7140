"""Statuses in colour and what to do next (issue 12, point 5): one status → DSFR badge colour table
(demandes.valeurs) used on the list of demandes, the page of a demande, the home page and the
managers' admin; the page of a demande says what the supplier does next (a rejection: its motif, a
new demande for the same beneficiaries, whom to contact; pieces missing: the attachments step of
its import); amounts written « 10 750,00 € »; the list's buttons show their label."""

import re

import pytest
from django.contrib.staticfiles import finders

from demandes.admin import DemandeAdmin
from demandes.valeurs import COULEUR_PAIEMENT, COULEUR_STATUT, StatutDemande, StatutPaiement
from tests.demandes.actions_attendues import demande_rejetee, import_a_terminer
from tests.factories import creer_demande
from tests.gestion.outils import LISTE, agir
from tests.pages import lire_csv, page, texte

# The colours the supplier sees, written out (not read from demandes.valeurs): a change of colour
# is a deliberate change of this table.
CLASSES_STATUT = {
    "En attente des pièces": "fr-badge fr-badge--warning",
    "Déposée": "fr-badge fr-badge--new",
    "En instruction": "fr-badge fr-badge--info",
    "En attente de compléments": "fr-badge fr-badge--warning",
    "Décidée": "fr-badge fr-badge--success",
    "Rejetée": "fr-badge fr-badge--error",
    "Annulée": "fr-badge",
}
CLASSES_PAIEMENT = {"Paiement en cours": "fr-badge fr-badge--info", "Paiement effectué": "fr-badge fr-badge--success"}
FINE, INSECABLE = "\u202f", "\u00a0"


def badges_et_classes(fragment: str) -> list[tuple[str, str]]:
    """(label, classes) of each DSFR badge of an HTML fragment, in order."""
    return [
        (libelle, classes) for classes, libelle in re.findall(r'<span class="(fr-badge[^"]*)">([^<]*)</span>', fragment)
    ]


def test_une_couleur_par_statut_et_pas_toutes_bleues():
    assert set(COULEUR_STATUT) == set(StatutDemande) and set(COULEUR_PAIEMENT) == set(StatutPaiement)
    assert {
        StatutDemande(s).label: f"fr-badge fr-badge--{c}" if c else "fr-badge" for s, c in COULEUR_STATUT.items()
    } == CLASSES_STATUT
    # Rejetée does not look like Déposée or En instruction; what waits on the supplier stands out:
    # the two statuses where the supplier must act share the warning colour, no other does.
    attend_le_fournisseur = {StatutDemande.EN_ATTENTE_PIECES, StatutDemande.A_COMPLETER}
    assert {COULEUR_STATUT[s] for s in attend_le_fournisseur} == {"warning"}
    autres = [COULEUR_STATUT[s] for s in StatutDemande if s not in attend_le_fournisseur]
    assert "warning" not in autres and len(set(autres)) == len(autres)


@pytest.fixture
def une_demande_par_statut(demo):
    """relais's demandes FINMDV000701 to 000706, one per status (the Décidée one being paid)."""
    demandes = {}
    for n, statut in enumerate(StatutDemande, start=701):
        paiement = StatutPaiement.EN_COURS if statut == StatutDemande.DECIDEE else ""
        demandes[statut] = creer_demande(n, statut, paiement=paiement)
    return demandes


def test_liste_des_demandes_badges_de_couleur(client_relais, une_demande_par_statut):
    contenu = client_relais.get("/demandes/").content.decode()
    tableau = re.search(r'id="liste-demandes".*?</table>', contenu, re.S).group(0)
    lignes = {
        re.search(r">(FINMDV\d+M\d)</a>", ligne).group(1): badges_et_classes(ligne)
        for ligne in re.findall(r"<tr[^>]*>(.*?)</tr>", tableau, re.S)
        if "FINMDV" in ligne
    }
    attendu = {}
    for statut, demande in une_demande_par_statut.items():
        badges = [(statut.label, CLASSES_STATUT[statut.label])]
        if demande.statut_paiement:
            badges.append(("Paiement en cours", CLASSES_PAIEMENT["Paiement en cours"]))
        attendu[demande.numero_dossier] = badges
    assert lignes == attendu
    # The CSV keeps the labels, without markup.
    export = lire_csv(client_relais.get("/demandes/?export=csv&statut=REJETEE"))
    assert export[1][7:9] == ["Rejetée", ""]


@pytest.mark.parametrize("statut", list(StatutDemande))
def test_page_d_une_demande_badge_de_couleur(client_relais, une_demande_par_statut, statut):
    demande = une_demande_par_statut[statut]
    reponse = client_relais.get(f"/demandes/{demande.pk}/")
    attendus = [(statut.label, CLASSES_STATUT[statut.label])]
    if demande.statut_paiement:
        attendus.append(("Paiement en cours", CLASSES_PAIEMENT["Paiement en cours"]))
    assert badges_et_classes(reponse.content.decode()) == attendus


def test_admin_liste_et_detail_memes_couleurs(client_gestionnaire, une_demande_par_statut):
    contenu = client_gestionnaire.get(LISTE).content.decode()
    cellules = re.findall(r'<td class="field-badge_statut">(.*?)</td>', contenu, re.S)
    assert sorted(b for cellule in cellules for b in badges_et_classes(cellule)) == sorted(CLASSES_STATUT.items())
    paiements = re.findall(r'<td class="field-badge_paiement">(.*?)</td>', contenu, re.S)
    assert sorted(paiements, key=len)[-1] == '<span class="fr-badge fr-badge--info">Paiement en cours</span>'
    assert paiements.count("-") == len(StatutDemande) - 1  # no payment: the admin's « - »
    # The admin draws the DSFR badge classes with its own small stylesheet.
    assert '<link href="/static/css/admin-statuts.css" media="all" rel="stylesheet">' in contenu
    assert finders.find("css/admin-statuts.css")
    # The dossier page: the same badge under its title, no payment badge before any payment.
    rejetee = une_demande_par_statut[StatutDemande.REJETEE]
    detail = client_gestionnaire.get(f"{LISTE}{rejetee.pk}/change/").content.decode()
    statuts = re.search(r'<p class="dossier-statuts">(.*?)</p>', detail, re.S).group(1)
    assert badges_et_classes(statuts) == [("Rejetée", "fr-badge fr-badge--error")]
    # The confirmation page of an action lists the demandes with the same badges.
    decidee = une_demande_par_statut[StatutDemande.DECIDEE]
    confirmation = agir(client_gestionnaire, "enregistrer_un_paiement", [decidee]).content.decode()
    assert badges_et_classes(confirmation) == [
        ("Décidée", "fr-badge fr-badge--success"),
        ("Paiement en cours", "fr-badge fr-badge--info"),
    ]
    assert 'href="/static/css/admin-statuts.css"' in confirmation
    # Sorting by the status column sorts on the field (« o » counts the action checkbox first).
    rang = DemandeAdmin.list_display.index("badge_statut") + 1
    trie = client_gestionnaire.get(f"{LISTE}?o={rang}").content.decode()
    ordre = [
        libelle
        for cellule in re.findall(r'<td class="field-badge_statut">(.*?)</td>', trie, re.S)
        for libelle, _ in badges_et_classes(cellule)
    ]
    assert ordre == [StatutDemande(code).label for code in sorted(StatutDemande.values)]


# --- what to do next ---------------------------------------------------------------------------


def suite(reponse) -> str:
    """The text of the page's « what to do next » block."""
    bloc = re.search(r'<div id="suite-a-donner"[^>]*>(.*?)\n</div>', reponse.content.decode(), re.S).group(1)
    return " ".join(re.sub(r"<[^>]+>", " ", bloc).replace("&#x27;", "'").split()).replace(" ,", ",")


def test_demande_rejetee_dit_quoi_faire(client_relais):
    demande = demande_rejetee("Bon de commande non signé")
    reponse = client_relais.get(f"/demandes/{demande.pk}/")
    texte_suite = suite(reponse)
    assert texte_suite.startswith("Demande rejetée : que faire ? Motif du rejet : Bon de commande non signé")
    assert (
        "Le rejet libère les bénéficiaires de cette demande : vous pouvez déposer une nouvelle demande d'avance pour "
        "les mêmes bénéficiaires, en tenant compte du motif, dans un nouveau fichier JSON" in texte_suite
    )
    assert f"contactez l'assistance de l'ASP en indiquant le numéro de dossier {demande.numero_dossier}" in texte_suite
    liens = page(reponse)
    # The supplier follows the two links of the alert.
    assert liens.lien("Importer des demandes").attrs["href"] == "/imports/simulation/"
    assert liens.lien("Besoin d'aide ?").attrs["href"] == "/aide/"
    for libelle in ("Importer des demandes", "Besoin d'aide ?"):
        assert client_relais.get(liens.lien(libelle).attrs["href"]).status_code == 200
    assert 'class="fr-alert fr-alert--error"' in reponse.content.decode()


def test_demande_rejetee_sans_motif(client_relais):
    demande = demande_rejetee("")
    assert "Motif du rejet : non précisé" in suite(client_relais.get(f"/demandes/{demande.pk}/"))


def test_demande_en_attente_de_pieces_mene_a_l_etape_pieces_jointes(client_relais):
    import_demandes = import_a_terminer("pieces.json", pieces=3, recues=1)
    demande = import_demandes.demandes.get()
    reponse = client_relais.get(f"/demandes/{demande.pk}/")
    texte_suite = suite(reponse)
    assert texte_suite.startswith("2 pièces justificatives à déposer Déposez les pièces manquantes")
    assert "à l'étape « 2 - Pièces jointes » de l'import, puis cliquez sur « Terminer »" in texte_suite
    lien = page(reponse).lien(f"Pièces jointes de l'import n° {import_demandes.pk}")
    assert lien.attrs["href"] == f"/pieces-jointes/{import_demandes.pk}/"
    etape = client_relais.get(lien.attrs["href"])
    assert etape.status_code == 200 and f"Import n° {import_demandes.pk}" in texte(etape)


def test_demande_aux_pieces_toutes_recues_dit_de_terminer(client_relais):
    import_demandes = import_a_terminer("complet.json", pieces=2, recues=2)
    reponse = client_relais.get(f"/demandes/{import_demandes.demandes.get().pk}/")
    assert suite(reponse).startswith(
        "Import à terminer Toutes les pièces attendues sont reçues : cliquez sur « Terminer »"
    )


@pytest.mark.parametrize(
    "statut, debut",
    [
        (StatutDemande.DEPOSEE, "Votre demande est transmise aux gestionnaires de l'ASP"),
        (StatutDemande.EN_INSTRUCTION, "Votre demande est en cours d'instruction"),
        (StatutDemande.DECIDEE, "Votre demande a reçu une décision favorable"),
        (StatutDemande.ANNULEE, "Cette demande a été annulée"),
    ],
)
def test_suite_des_autres_statuts(client_relais, une_demande_par_statut, statut, debut):
    reponse = client_relais.get(f"/demandes/{une_demande_par_statut[statut].pk}/")
    assert suite(reponse).startswith(debut)
    assert "Motif du rejet" not in texte(reponse)


# --- amounts ------------------------------------------------------------------------------------


def test_montants_a_la_francaise_et_csv_lisible_par_un_tableur(client_relais, quatre_demandes):
    rejetee = quatre_demandes[3]  # 10750.50 €
    contenu = client_relais.get(f"/demandes/{rejetee.pk}/").content.decode()
    assert f"Montant Ségur HT : 10{FINE}750,50{INSECABLE}€ (régime TTC)" in contenu
    # The CSV export keeps a number a spreadsheet computes with.
    export = lire_csv(client_relais.get("/demandes/?export=csv&statut=REJETEE"))
    assert export[0][-1] == "Montant Ségur HT" and export[1][-1] == "10750,50"


def test_plafond_des_solutions_a_la_francaise(client_relais):
    assert f"12{FINE}000,00{INSECABLE}€" in client_relais.get("/enrolement/").content.decode()


# --- the list's buttons -------------------------------------------------------------------------


def test_boutons_de_la_liste_avec_leur_libelle(client_relais):
    contenu = client_relais.get("/demandes/").content.decode()
    criteres = re.search(r'<form method="get" id="criteres-demandes".*?</form>', contenu, re.S).group(0)
    groupe = re.search(r'<ul class="([^"]*fr-btns-group[^"]*)">(.*?)</ul>', criteres, re.S)
    # Without fr-btns-group--icon-left, the DSFR shows a button with an icon as a 40 px square.
    assert "fr-btns-group--icon-left" in groupe.group(1).split()
    assert [b for b in page(client_relais.get("/demandes/")).liens if b.texte == "Exporter (CSV)"][0].attrs[
        "href"
    ] == "?export=csv"
