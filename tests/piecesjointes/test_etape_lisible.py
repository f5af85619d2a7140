"""Step « 2 - Pièces jointes » as a supplier reads it (issue 12): no « missing » warning before any
zip, a badge per zip outcome in the DSFR system colours, refusal reasons readable without a click,
never « 0 / 0 », the limits read from the settings, a greyed « Terminer » that says why, the menu
entry « Importation JSONs » current, and the result of the user's action first and focused."""

import html as entites
import re

from imports.models import Import
from piecesjointes.models import ZipDepose
from tests.factories import ELF, NOM_PIECE, NOM_PIECE_2, PDF, PDF_BIS, zip_de
from tests.pages import COLONNES_ZIPS, DEMANDE_NOUVEAU_ZIP, MESSAGE_COMPLET, MOTIF_INCONNU, desactive, page, texte
from tests.parcours import deposer, deposer_et_traiter, ecran, import_de, simuler
from tests.piecesjointes.etape import (
    AIDE_TERMINER_MANQUANTES,
    PIECES_A_DEPOSER,
    REGLES_PIECES,
    TERMINE,
)

MOTIF_ELF = "le contenu (application/x-executable) n'est pas un fichier PDF"


def _html(reponse) -> str:
    return reponse.content.decode()


def _ligne_du_zip(reponse, nom: str) -> str:
    """The HTML of the zip's row in « Fichiers zip importés »."""
    (ligne,) = [m for m in re.findall(r"<tr data-zip=.*?</tr>", _html(reponse), flags=re.S) if f">{nom}<" in m]
    return ligne


def _badge(ligne_html: str) -> tuple[str, str]:
    """(texte, couleur) of the DSFR badge in a row."""
    trouve = re.search(r'<span class="fr-badge fr-badge--sm fr-badge--(\w+)">([^<]+)</span>', ligne_html)
    assert trouve, ligne_html
    return trouve.group(2), trouve.group(1)


def _resultat(reponse) -> str:
    """The text of the zip's result message."""
    trouve = re.search(r'<div [^>]*id="resultat-zip".*?</div>', _html(reponse), re.S)
    assert trouve, "pas de résultat du zip"
    return texte_de(trouve.group(0))


def _focus(reponse) -> list[str]:
    """The elements marked to take the focus on load (at most one per page)."""
    return re.findall(r"<[^>]*data-focus-resultat[^>]*>", _html(reponse))


# --- 4a: before the first zip, an information; the warning only after a processed zip -----------


def test_avant_tout_zip_une_information_et_pas_d_avertissement(client_relais, import_deux):
    reponse = ecran(client_relais, import_deux)
    contenu = texte(reponse, lu=True)
    html = _html(reponse)
    assert 'id="pieces-manquantes"' not in html and "fr-alert--warning" not in html
    assert "manquante(s)" not in contenu and DEMANDE_NOUVEAU_ZIP not in contenu
    information = re.search(r'<div class="fr-alert fr-alert--info[^"]*" id="pieces-a-deposer">.*?</div>', html, re.S)
    assert information, "pas d'information sur les pièces à déposer"
    lu = texte_de(information.group(0))
    assert lu.startswith("2 pièce(s) jointe(s) attendue(s) " + PIECES_A_DEPOSER)
    assert f": {NOM_PIECE}" in lu and f": {NOM_PIECE_2}" in lu
    # the information comes before the form: it is read before choosing the zip
    assert html.index('id="pieces-a-deposer"') < html.index('id="formulaire-zip"')

    # a zip sent but not processed yet: still an information
    deposer(client_relais, import_deux, zip_de((NOM_PIECE, PDF)))
    html = _html(ecran(client_relais, import_deux))
    assert 'id="pieces-a-deposer"' in html and 'id="pieces-manquantes"' not in html


def test_apres_un_zip_traite_l_avertissement_des_pieces_manquantes(client_relais, import_deux):
    deposer_et_traiter(client_relais, import_deux, zip_de((NOM_PIECE, PDF)))
    reponse = ecran(client_relais, import_deux)
    html = _html(reponse)
    assert 'id="pieces-a-deposer"' not in html
    assert re.search(r'<div class="fr-alert fr-alert--warning[^"]*" id="pieces-manquantes">', html)
    contenu = texte(reponse, lu=True)
    assert "1 pièce(s) jointe(s) manquante(s) " + DEMANDE_NOUVEAU_ZIP in contenu
    assert f"(00002) : {NOM_PIECE_2}" in contenu


def texte_de(fragment: str) -> str:
    """An HTML fragment as read: tags removed, entities decoded, whitespace collapsed."""
    return " ".join(entites.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


# --- 4b: a badge per outcome, the reasons in sight -------------------------------------------------


def test_badges_selon_l_issue_du_zip(client_relais, import_deux):
    tout_refuse = deposer_et_traiter(
        client_relais, import_deux, zip_de((NOM_PIECE, ELF), ("inattendu.pdf", PDF)), nom="refuse.zip"
    )
    assert (tout_refuse.statut, tout_refuse.nb_acceptees, tout_refuse.nb_refusees) == (ZipDepose.Statut.TRAITE, 0, 2)
    en_partie = deposer_et_traiter(
        client_relais, import_deux, zip_de((NOM_PIECE, PDF), ("inattendu.pdf", PDF)), nom="partiel.zip"
    )
    tout_accepte = deposer_et_traiter(client_relais, import_deux, zip_de((NOM_PIECE_2, PDF_BIS)), nom="complet.zip")
    assert (tout_accepte.nb_acceptees, tout_accepte.nb_refusees) == (1, 0)
    deposer(client_relais, import_deux, zip_de((NOM_PIECE_2, PDF)), nom="attente.zip")
    vide = deposer_et_traiter(client_relais, import_deux, zip_de(), nom="vide.zip")
    assert vide.statut == ZipDepose.Statut.REFUSE

    reponse = ecran(client_relais, import_deux)
    assert _badge(_ligne_du_zip(reponse, "refuse.zip")) == ("Refusé", "error")
    assert _badge(_ligne_du_zip(reponse, "partiel.zip")) == ("Traité avec refus", "warning")
    assert _badge(_ligne_du_zip(reponse, "complet.zip")) == ("OK", "success")
    assert _badge(_ligne_du_zip(reponse, "attente.zip")) == ("En attente de traitement", "new")
    assert _badge(_ligne_du_zip(reponse, "vide.zip")) == ("Refusé", "error")
    lignes = dict(page(reponse).table(COLONNES_ZIPS))
    assert lignes["refuse.zip"].startswith("Refusé 0 accepté(s), 2 refusé(s)")
    assert lignes["partiel.zip"].startswith("Traité avec refus 1 accepté(s), 1 refusé(s)")
    assert lignes["vide.zip"] == "Refusé L'archive est vide : elle ne contient aucun fichier."
    assert "Traité " not in lignes["refuse.zip"]

    # the reasons are in sight: the detail of a zip with refusals is open, the others closed
    assert '<details class="fr-mt-1w" open>' in _ligne_du_zip(reponse, "refuse.zip")
    assert '<details class="fr-mt-1w" open>' in _ligne_du_zip(reponse, "partiel.zip")
    assert '<details class="fr-mt-1w">' in _ligne_du_zip(reponse, "complet.zip")
    assert f"{NOM_PIECE} — refusé : {MOTIF_ELF}" in lignes["refuse.zip"]
    assert f"inattendu.pdf — refusé : {MOTIF_INCONNU}" in lignes["partiel.zip"]
    assert en_partie.nb_acceptees == 1


def test_en_cours_jamais_zero_sur_zero(client_relais, import_ttc):
    deposer(client_relais, import_ttc, zip_de((NOM_PIECE, PDF)), nom="lot.zip")
    ZipDepose.objects.update(statut=ZipDepose.Statut.EN_COURS)  # taken by the worker, entries not counted yet
    reponse = ecran(client_relais, import_ttc)
    assert _badge(_ligne_du_zip(reponse, "lot.zip")) == ("En cours", "info")
    assert dict(page(reponse).table(COLONNES_ZIPS))["lot.zip"] == "En cours Préparation du traitement…"
    assert "0 / 0" not in texte(reponse, lu=True)
    # the page's script says the same while it polls
    assert '"Préparation du traitement…"' in _html(reponse)
    ZipDepose.objects.update(nb_entrees=4, nb_traitees=2)
    assert dict(page(ecran(client_relais, import_ttc)).table(COLONNES_ZIPS))["lot.zip"] == (
        "En cours 2 / 4 fichier(s) traité(s)"
    )


# --- the result of a zip, first and focused --------------------------------------------------------


def test_resultat_d_un_zip_en_partie_refuse(client_relais, import_deux):
    depot = deposer_et_traiter(
        client_relais,
        import_deux,
        zip_de((NOM_PIECE, PDF), (NOM_PIECE_2, ELF), ("inattendu.pdf", PDF)),
        nom="lot 1.zip",
    )
    reponse = client_relais.get(f"/pieces-jointes/{import_deux.pk}/?zip={depot.pk}")
    html = _html(reponse)
    assert _focus(reponse) == [
        '<div class="fr-alert fr-alert--warning fr-mb-3w" id="resultat-zip" data-focus-resultat>'
    ]
    # the first content of the main region, before the title and the form
    principal = html.split('<main id="content" role="main">')[1]
    assert principal.lstrip().startswith('<div class="fr-alert fr-alert--warning fr-mb-3w" id="resultat-zip"')
    resultat = _resultat(reponse)
    assert "Fichier « lot 1.zip » traité avec refus : 1 fichier(s) accepté(s), 2 refusé(s)" in resultat
    assert f"{NOM_PIECE_2} — {MOTIF_ELF}" in resultat
    assert f"inattendu.pdf — {MOTIF_INCONNU}" in resultat
    assert "1 pièce(s) jointe(s) encore manquante(s) : déposez-les dans un nouveau fichier zip." in resultat
    assert page(reponse).lien("1 pièce(s) jointe(s) encore manquante(s)").attrs["href"] == "#pieces-manquantes"


def test_resultat_d_un_zip_tout_refuse_puis_tout_accepte(client_relais, import_ttc, settings):
    refuse = deposer_et_traiter(client_relais, import_ttc, zip_de((NOM_PIECE, ELF)), nom="faux.zip")
    reponse = client_relais.get(f"/pieces-jointes/{import_ttc.pk}/?zip={refuse.pk}")
    (focus,) = _focus(reponse)
    assert "fr-alert--error" in focus
    resultat = _resultat(reponse)
    assert "Fichier « faux.zip » refusé : aucun de ses 1 fichier(s) n'a été accepté" in resultat
    assert f"{NOM_PIECE} — {MOTIF_ELF}" in resultat

    accepte = deposer_et_traiter(client_relais, import_ttc, zip_de((NOM_PIECE, PDF)), nom="bon.zip")
    reponse = client_relais.get(f"/pieces-jointes/{import_ttc.pk}/?zip={accepte.pk}")
    (focus,) = _focus(reponse)
    assert "fr-alert--success" in focus
    resultat = _resultat(reponse)
    assert resultat.startswith("Fichier « bon.zip » traité : 1 fichier(s) accepté(s)")
    assert "Plus aucune pièce jointe ne manque : cliquez sur « Terminer »." in resultat
    assert MESSAGE_COMPLET in texte(reponse, lu=True)


def test_resultat_limite_aux_premiers_refus(client_relais, import_ttc, monkeypatch):
    from piecesjointes import views

    monkeypatch.setattr(views, "REFUS_AFFICHES", 2)
    depot = deposer_et_traiter(
        client_relais, import_ttc, zip_de(*[(f"inconnu-{n}.pdf", PDF) for n in range(5)]), nom="lot.zip"
    )
    reponse = client_relais.get(f"/pieces-jointes/{import_ttc.pk}/?zip={depot.pk}")
    resultat = _resultat(reponse)
    assert "inconnu-0.pdf" in resultat and "inconnu-1.pdf" in resultat and "inconnu-2.pdf" not in resultat
    assert "… et 3 autre(s) fichier(s) refusé(s) : voir le « Détail des fichiers » de ce zip." in resultat


def test_pas_de_resultat_sans_zip_termine_de_cet_import(client_relais, import_ttc, exemple_ttc):
    # a processed zip of another import of the same supplier (a simulation, here)
    autre = deposer_et_traiter(client_relais, import_ttc, zip_de((NOM_PIECE, PDF)))
    ZipDepose.objects.filter(pk=autre.pk).update(import_demandes=import_de(simuler(client_relais, exemple_ttc)))
    deposer(client_relais, import_ttc, zip_de((NOM_PIECE, PDF)))
    en_attente = ZipDepose.objects.get(import_demandes=import_ttc)
    ecran(client_relais, import_ttc)  # the upload's message, read
    for parametre in (str(autre.pk), str(en_attente.pk), "abc", "", "99999"):
        reponse = client_relais.get(f"/pieces-jointes/{import_ttc.pk}/?zip={parametre}")
        assert reponse.status_code == 200
        assert 'id="resultat-zip"' not in _html(reponse)
    # the flash message of the upload (without the page's script) is then the result, focused
    deposer(client_relais, import_ttc, zip_de((NOM_PIECE, PDF)), nom="second.zip")
    reponse = ecran(client_relais, import_ttc)
    (focus,) = _focus(reponse)
    assert "fr-alert--info" in focus
    assert "Le fichier « second.zip » est en cours de traitement." in texte(reponse, lu=True)
    assert _focus(ecran(client_relais, import_ttc)) == []  # shown once: reloading focuses nothing


def test_le_message_de_l_import_est_le_resultat_a_l_arrivee(client_relais, import_ttc):
    """« Importer » lands here: its message takes the focus (the guide's flow goes on here)."""
    # `importer` (tests/parcours.py) did not follow the redirect: the message waits in the session.
    reponse = ecran(client_relais, import_ttc)
    (focus,) = _focus(reponse)
    assert "fr-alert--success" in focus
    principal = _html(reponse).split('<main id="content" role="main">')[1]
    assert principal.index("data-focus-resultat") < principal.index("<h1>")


# --- 4e: the limits come from the settings ----------------------------------------------------------


def test_limites_lues_dans_les_reglages(client_relais, import_ttc, settings):
    contenu = texte(ecran(client_relais, import_ttc), lu=True)
    for regle in REGLES_PIECES:
        assert regle in contenu, regle
    settings.SEGUR_MAX_PIECE_BYTES = 5 * 1024 * 1024
    settings.SEGUR_MAX_ZIP_BYTES = 150 * 1024 * 1024
    reponse = ecran(client_relais, import_ttc)
    contenu = texte(reponse, lu=True)
    assert "Chaque fichier ne doit pas dépasser 5 Mo" in contenu and "3 Mo" not in contenu
    assert "Chaque fichier Zip ne doit pas dépasser 150 Mo" in contenu and "200 Mo" not in contenu
    assert "Archive .zip de 150 Mo au plus." in contenu
    assert f'data-limite="{150 * 1024 * 1024}"' in _html(reponse)
    settings.SEGUR_MAX_PIECE_BYTES = 2_500_000
    assert "Chaque fichier ne doit pas dépasser 2 500 000 octets" in texte(ecran(client_relais, import_ttc), lu=True)


# --- 8: a greyed « Terminer » says why, in the page ---------------------------------------------


def test_terminer_grise_s_explique(client_relais, import_deux):
    def terminer(reponse):
        return page(reponse).bouton("Terminer")

    reponse = ecran(client_relais, import_deux)
    bouton = terminer(reponse)
    assert desactive(bouton) and "title" not in bouton.attrs
    assert bouton.attrs["aria-describedby"] == "aide-terminer"
    aide = re.search(r'<p class="fr-hint-text[^"]*" id="aide-terminer">([^<]*)</p>', _html(reponse))
    assert aide and aide.group(1) == AIDE_TERMINER_MANQUANTES.format(n=2)

    deposer_et_traiter(client_relais, import_deux, zip_de((NOM_PIECE, PDF)))
    reponse = ecran(client_relais, import_deux)
    assert desactive(terminer(reponse))
    assert AIDE_TERMINER_MANQUANTES.format(n=1) in texte(reponse, lu=True)

    # nothing missing: available, even while a later zip waits (only a missing piece blocks)
    deposer_et_traiter(client_relais, import_deux, zip_de((NOM_PIECE_2, PDF_BIS)))
    deposer(client_relais, import_deux, zip_de((NOM_PIECE, PDF)))
    assert ZipDepose.objects.last().statut == ZipDepose.Statut.EN_ATTENTE
    reponse = ecran(client_relais, import_deux)
    bouton = terminer(reponse)
    assert not desactive(bouton) and "aria-describedby" not in bouton.attrs
    assert 'id="aide-terminer"' not in _html(reponse)


def test_terminer_revient_sur_l_etape_avec_le_resultat_en_premier(client_relais, import_ttc):
    deposer_et_traiter(client_relais, import_ttc, zip_de((NOM_PIECE, PDF)))
    ecran(client_relais, import_ttc)  # the upload's message, read
    reponse = client_relais.post(f"/pieces-jointes/{import_ttc.pk}/terminer/", follow=True)
    assert reponse.redirect_chain == [(f"/pieces-jointes/{import_ttc.pk}/", 302)]
    (focus,) = _focus(reponse)
    assert "fr-alert--success" in focus
    principal = _html(reponse).split('<main id="content" role="main">')[1]
    assert texte_de(principal[: principal.index("<h1>")]) == TERMINE.format(n=1)
    contenu = texte(reponse, lu=True)
    assert "Cet import est terminé : ses demandes ont été transmises aux gestionnaires de l'ASP." in contenu
    vue = page(reponse)
    assert vue.lien("Suivre mes demandes de financement").attrs["href"] == "/demandes/"
    assert vue.lien("Retour à la liste des imports").attrs["href"] == "/imports/"
    import_ttc.refresh_from_db()
    assert import_ttc.etat == Import.Etat.TERMINE


# --- 4d: the menu entry of the journey --------------------------------------------------------------


def test_entree_de_menu_importation_jsons_courante(client_relais, import_ttc):
    html = _html(ecran(client_relais, import_ttc))
    courantes = re.findall(r'<a class="fr-nav__link" href="([^"]+)" aria-current="page">([^<]+)</a>', html)
    assert courantes == [("/imports/", "Importation JSONs")]
