"""The import screens as issue 12 leaves them, through the test client: buttons with a visible
label, the line errors one link away from the result message (numLigne, numéro éditeur, each code
linked to its rule), the focus given to the result of « Simuler » / « Importer » only, the TVA taux
to choose with the guide's rule under it, the sentence on the tags only for format refusals, the
greyed buttons explained in visible text, the imports list without the failed simulations unless
asked, compact steps on mobile."""

import copy
import datetime
import re

import pytest
from django.utils import timezone

from demandes.models import Solution
from imports.models import ErreurLigne, Import
from tests.documents import vers_octets
from tests.factories import creer_import
from tests.imports.ecran_import import (
    AIDE_ETAPE_SUIVANTE,
    AIDE_IMPORTER_ECHEC,
    AIDE_IMPORTER_IMPORTE,
    AIDE_IMPORTER_VIERGE,
    AIDE_TVA,
    COLONNES_ERREURS,
    CRITERE_ECHECS,
    PHRASE_BALISES,
    VOIR_LES_ERREURS,
    element,
)
from tests.pages import (
    COLONNES_IMPORTS,
    MESSAGE_ERREURS,
    MESSAGE_FORMAT,
    MESSAGE_IMPORT_REFUSE,
    MESSAGE_REGIME,
    Page,
    colonne,
    page,
    texte,
)
from tests.parcours import import_de, importer, simuler

FOCUS = "data-focus-resultat"


def html(reponse) -> str:
    return reponse.content.decode()


def ecran_apres(client, reponse_simulation):
    """The screen the simulation redirects to, as the browser loads it next."""
    return client.get(reponse_simulation["Location"])


def focalises(contenu: str) -> list[str]:
    """The ids of the elements marked to take the focus on load."""
    return re.findall(rf'<[^>]*\bid="([^"]+)"[^>]*\b{FOCUS}\b', contenu)


# --- 1. Buttons with a visible label ---------------------------------------------------------------


def test_boutons_a_icone_de_la_liste_gardent_leur_libelle(client_relais):
    contenu = html(client_relais.get("/imports/"))
    groupes = re.findall(r'<ul class="(fr-btns-group[^"]*)">(.*?)</ul>', contenu, re.S)
    libelles = {}
    for classes, groupe in groupes:
        for classes_bouton, libelle in re.findall(r'<a class="(fr-btn[^"]*)"[^>]*>([^<]+)</a>', groupe):
            libelles[libelle] = (classes.split(), classes_bouton.split())
    assert {"Importer des demandes", "Exporter (CSV)"} <= set(libelles)
    for libelle, (groupe, bouton) in libelles.items():
        if any(c.startswith("fr-icon-") for c in bouton):
            # Without --icon-left on the group, the DSFR shrinks an icon button to a 40 px square.
            assert "fr-btns-group--icon-left" in groupe and "fr-btn--icon-left" in bouton, libelle


# --- 2. Line errors reachable ----------------------------------------------------------------------


def test_erreurs_de_ligne_a_un_lien_du_message(client_relais, document_ttc):
    document = copy.deepcopy(document_ttc)
    document["lignesImport"][0]["numLigne"] = 7
    document["lignesImport"][0]["beneficiaires"]["structure"]["FINESSGeo"][1] = "020015112"
    reponse = simuler(client_relais, vers_octets(document))
    import_demandes = import_de(reponse)
    ecran = ecran_apres(client_relais, reponse)
    contenu = html(ecran)

    # the result message comes first, before the form, and takes the focus
    assert focalises(contenu) == ["resultat-simulation"]
    assert contenu.index('id="resultat-simulation"') < contenu.index('id="formulaire-simulation"')
    assert contenu.index('id="resultat-simulation"') < contenu.index('aria-label="Étapes de l\'import"')
    # its link leads to the errors table, which comes before « Retour » / « Etape suivante »
    alerte = element(contenu, id="resultat-simulation")
    assert MESSAGE_ERREURS in alerte[2]
    liens = [attrs for tag, attrs in alerte[3] if tag == "a"]
    assert any(a["href"] == "#erreurs" for a in liens)
    assert page(ecran).lien(VOIR_LES_ERREURS).attrs["href"] == "#erreurs"
    cible = element(contenu, id="erreurs")
    assert cible[0] == "h3" and cible[2] == "Erreurs par demande" and cible[1].get("tabindex") == "-1"
    assert contenu.index('id="erreurs"') < contenu.index(">Retour</a>")
    # numLigne and numéro éditeur of the file; each code links to its rule in the documentation
    assert page(ecran).table(COLONNES_ERREURS) == [
        ["7", "00001", "E302", "beneficiaires.structure.FINESSGeo[1]", "clé FINESS invalide (020015112)"]
    ]
    assert page(ecran).lien("E302").attrs["href"] == "/imports/documentation/#regle-E302"
    assert list(ErreurLigne.objects.filter(import_demandes=import_demandes).values_list("rang", "num_ligne")) == [
        (1, "7")
    ]
    # at 375 px the table scrolls in a region the keyboard reaches, named by the heading
    region = element(contenu, critere=lambda tag, attrs: attrs.get("role") == "region")
    assert region[1]["tabindex"] == "0" and region[1]["aria-labelledby"] == "erreurs"
    assert any(tag == "table" for tag, _ in region[3])


def test_focus_sur_le_resultat_seulement_apres_l_action(client_relais, fichier_une_erreur):
    reponse = simuler(client_relais, fichier_une_erreur)
    assert focalises(html(ecran_apres(client_relais, reponse))) == ["resultat-simulation"]
    # the same screen opened again (from the list, a reload, another page of errors): no focus grab
    assert focalises(html(ecran_apres(client_relais, reponse))) == []
    assert focalises(html(client_relais.get("/imports/simulation/"))) == []


def test_formulaire_incomplet_annonce_ses_erreurs(client_relais):
    reponse = client_relais.post("/imports/simulation/", {"type_demande": "AVANCE", "numero_ans": "mlp525off1"})
    assert reponse.status_code == 400
    contenu = html(reponse)
    assert focalises(contenu) == ["resultat-formulaire"]
    resume = element(contenu, id="resultat-formulaire")
    assert "Sélectionnez le taux de TVA applicable à la solution logicielle." in resume[2]
    assert "Choisissez le fichier JSON à simuler." in resume[2]
    assert {attrs["href"] for tag, attrs in resume[3] if tag == "a"} == {"#id_taux_tva", "#id_fichier"}
    assert contenu.index('id="resultat-formulaire"') < contenu.index('id="formulaire-simulation"')


def test_import_refuse_annonce_dans_le_message_de_resultat(client_relais, fichier_une_erreur):
    import_demandes = import_de(simuler(client_relais, fichier_une_erreur))
    client_relais.get(f"/imports/{import_demandes.pk}/")
    refus = client_relais.post(f"/imports/{import_demandes.pk}/importer/", follow=True)
    assert refus.redirect_chain == [(f"/imports/{import_demandes.pk}/", 302)]
    contenu = html(refus)
    assert focalises(contenu) == ["resultat-import"]
    assert MESSAGE_IMPORT_REFUSE in element(contenu, id="resultat-import")[2]
    assert contenu.index('id="resultat-import"') < contenu.index('id="formulaire-simulation"')


def test_fenetre_fermee_au_moment_d_importer_annoncee(client_relais, exemple_ttc):
    import_demandes = import_de(simuler(client_relais, exemple_ttc))
    Solution.objects.filter(numero_ans="mlp525off1").update(
        avance_fermeture=timezone.now() - datetime.timedelta(days=1)
    )
    contenu = html(client_relais.post(f"/imports/{import_demandes.pk}/importer/", follow=True))
    assert focalises(contenu) == ["resultat-import"]
    assert "fermée" in element(contenu, id="resultat-import")[2]


# --- 3. TVA ------------------------------------------------------------------------------------------


def test_taux_de_tva_vide_obligatoire_et_explique(client_relais, exemple_ttc):
    contenu = html(client_relais.get("/imports/simulation/"))
    select = element(contenu, critere=lambda tag, attrs: tag == "select" and attrs.get("name") == "taux_tva")
    assert "required" in select[1]
    options = [attrs for tag, attrs in select[3] if tag == "option"]
    assert options[0]["value"] == "" and not any("selected" in o and o["value"] for o in options)
    assert AIDE_TVA in texte(client_relais.get("/imports/simulation/"))
    # the hint is the select's description
    descriptions = [element(contenu, id=i) for i in select[1].get("aria-describedby", "").split()]
    assert any(d is not None and AIDE_TVA in d[2] for d in descriptions), select[1]

    sans_taux = simuler(client_relais, exemple_ttc, taux="")
    assert sans_taux.status_code == 400
    assert "Sélectionnez le taux de TVA applicable à la solution logicielle." in texte(sans_taux)
    assert not Import.objects.exists()


def test_phrase_des_balises_seulement_pour_un_rejet_de_format(client_relais, exemple_ttc, document_ttc):
    format_invalide = import_de(simuler(client_relais, b"ceci n'est pas du JSON\n"))
    assert format_invalide.rejet_de_format
    contenu = texte(client_relais.get(f"/imports/{format_invalide.pk}/"), lu=True)
    assert MESSAGE_FORMAT in contenu and PHRASE_BALISES in contenu

    cle_mal_ecrite = import_de(simuler(client_relais, exemple_ttc.replace(b'"numeroAns"', b'"numeroANS"', 1)))
    assert cle_mal_ecrite.rejet_de_format
    assert PHRASE_BALISES in texte(client_relais.get(f"/imports/{cle_mal_ecrite.pk}/"), lu=True)

    autre_siret = copy.deepcopy(document_ttc)
    autre_siret["siret"] = "87950324100017"
    autre_ans = copy.deepcopy(document_ttc)
    autre_ans["numeroAns"] = "cpiPFI0001"
    refus_de_contenu = {
        "régime de TVA": simuler(client_relais, exemple_ttc, taux="0"),
        "SIRET": simuler(client_relais, vers_octets(autre_siret)),
        "numéro ANS": simuler(client_relais, vers_octets(autre_ans)),
    }
    Solution.objects.filter(numero_ans="mlp525off1").update(
        avance_fermeture=timezone.now() - datetime.timedelta(days=1)
    )
    refus_de_contenu["période de dépôt"] = simuler(client_relais, exemple_ttc)
    for motif, reponse in refus_de_contenu.items():
        import_demandes = import_de(reponse)
        assert import_demandes.resultat == Import.Resultat.FICHIER_REJETE and not import_demandes.rejet_de_format
        contenu = texte(client_relais.get(f"/imports/{import_demandes.pk}/"), lu=True)
        assert import_demandes.message in contenu, motif
        assert PHRASE_BALISES not in contenu, motif
    assert MESSAGE_REGIME in texte(client_relais.get(refus_de_contenu["régime de TVA"]["Location"]))


# --- 8. Greyed buttons explained in visible text -----------------------------------------------------


def _aide_du_bouton(contenu: str, libelle: str) -> str:
    """The visible hint that describes the greyed button `libelle` (aria-describedby), not a tooltip."""
    attrs = Page(contenu).bouton(libelle).attrs
    assert "disabled" in attrs and "title" not in attrs
    aide = element(contenu, id=attrs["aria-describedby"])
    assert aide is not None and "fr-hint-text" in aide[1]["class"]
    return aide[2]


def test_boutons_grises_expliques_en_clair(client_relais, exemple_ttc, fichier_une_erreur):
    vierge = html(client_relais.get("/imports/simulation/"))
    assert _aide_du_bouton(vierge, "Importer") == AIDE_IMPORTER_VIERGE
    assert _aide_du_bouton(vierge, "Etape suivante") == AIDE_ETAPE_SUIVANTE

    echec = html(ecran_apres(client_relais, simuler(client_relais, fichier_une_erreur)))
    assert _aide_du_bouton(echec, "Importer") == AIDE_IMPORTER_ECHEC

    reussi = ecran_apres(client_relais, simuler(client_relais, exemple_ttc, nom="reussi.json"))
    importer_actif = page(reussi).bouton("Importer")
    assert "disabled" not in importer_actif.attrs and "aria-describedby" not in importer_actif.attrs
    assert AIDE_IMPORTER_VIERGE not in texte(reussi) and AIDE_IMPORTER_ECHEC not in texte(reussi)
    assert _aide_du_bouton(html(reussi), "Etape suivante") == AIDE_ETAPE_SUIVANTE

    import_demandes = importer(client_relais, exemple_ttc, nom="importe.json")
    importe = html(client_relais.get(f"/imports/{import_demandes.pk}/"))
    assert _aide_du_bouton(importe, "Importer") == AIDE_IMPORTER_IMPORTE
    assert Page(importe).lien("Etape suivante").attrs["href"] == f"/pieces-jointes/{import_demandes.pk}/"
    assert AIDE_ETAPE_SUIVANTE not in importe


# --- 6. Imports list without the failed simulations by default ---------------------------------------


@pytest.fixture
def trois_resultats(demo):
    reussi = creer_import(nom="reussi.json")
    erreurs = creer_import(nom="erreurs.json", resultat=Import.Resultat.ERREURS)
    rejete = creer_import(nom="rejete.json", resultat=Import.Resultat.FICHIER_REJETE)
    return reussi, erreurs, rejete


def test_liste_sans_les_simulations_en_echec_par_defaut(client_relais, trois_resultats):
    reussi, erreurs, rejete = trois_resultats
    defaut = client_relais.get("/imports/")
    assert colonne(defaut, COLONNES_IMPORTS) == [str(reussi.pk)]
    assert "2 simulation(s) en échec masquée(s)" in texte(defaut)
    case = element(html(defaut), id="id_echecs")
    assert case[1]["type"] == "checkbox" and "checked" not in case[1]
    assert CRITERE_ECHECS in texte(defaut)
    # a search without the box ticked keeps them hidden
    assert colonne(client_relais.get("/imports/?numero_ans=mlp"), COLONNES_IMPORTS) == [str(reussi.pk)]

    avec = client_relais.get("/imports/?echecs=1")
    assert colonne(avec, COLONNES_IMPORTS) == [str(rejete.pk), str(erreurs.pk), str(reussi.pk)]
    assert "checked" in element(html(avec), id="id_echecs")[1]
    assert "masquée(s)" not in texte(avec)
    assert colonne(avec, COLONNES_IMPORTS, 9) == ["Fichier rejeté", "Erreurs dans les demandes", "Simulé"]


def test_colonne_fichier_json_sur_une_ligne(client_relais, trois_resultats):
    reussi, _, _ = trois_resultats
    Import.objects.filter(pk=reussi.pk).update(fichier_sortie="sorties/x.json")
    contenu = html(client_relais.get("/imports/"))
    # the two links joined by no-break spaces, no icon alone on its line
    assert re.search(r"JSON</a>\u00a0·\u00a0<a [^>]*>Sortie</a>", contenu)
    assert 'fr-icon-download-line fr-link--icon-left" href="/imports/' not in contenu


# --- 9. Compact steps on mobile ----------------------------------------------------------------------


def test_etapes_compactes_sur_mobile(client_relais):
    contenu = html(client_relais.get("/imports/simulation/"))
    etapes = element(contenu, critere=lambda tag, attrs: "fr-stepper" in attrs.get("class", "").split())
    assert "fr-hidden-md" in etapes[1]["class"]
    assert "Étape 1 sur 3" in etapes[2] and "a - Simulation" in etapes[2]
    menu = element(contenu, critere=lambda tag, attrs: attrs.get("aria-label") == "Étapes de l'import")
    assert {"fr-hidden", "fr-unhidden-md"} <= set(menu[1]["class"].split())
    recapitulatif = element(contenu, critere=lambda tag, attrs: attrs.get("aria-controls") == "recapitulatif-mobile")
    assert recapitulatif[1]["aria-expanded"] == "false" and recapitulatif[2] == "Récapitulatif"
