"""The supplier screens through Django's test client: login, menu, import screen (simulation
results, errors table, downloads), documentation, list of imports, enrôlement, aide.

The French labels and messages are those of the ASP guide
(the ASP supplier guide, see docs/specification.md) and of spec §2–§4.
"""

import copy
import hashlib
import html
import json
import re
from collections import namedtuple
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import quote

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile

from imports import documentation
from imports.models import Import
from imports.moteur.regles import catalogue

from .conftest import ligne_type, vers_octets

DOSSIER_SCHEMAS = Path(__file__).resolve().parents[1] / "schemas"
NOTICE = "La réalisation d'une simulation est obligatoire avant d'accéder à l'import de vos demandes."
MESSAGE_SUCCES = "La simulation de l'import s'est déroulée correctement."
MESSAGE_ERREURS = (
    "Une ou plusieurs erreurs ont été retournées lors de la simulation de l'import. "
    "Veuillez corriger votre fichier en suivant les erreurs du fichier de retour."
)
MESSAGE_FORMAT = "Le JSON chargé ne respecte pas le format attendu"
MESSAGE_REGIME = "Le régime de TVA renseigné dans le JSON est différent de celui renseigné dans ce formulaire"
MESSAGE_IMPORT_REFUSE = "L'import n'est possible qu'après une simulation réussie de ce fichier."
COLONNES_ERREURS = ["Ligne", "Numéro éditeur", "Code", "Champ", "Message"]
COLONNES_IMPORTS = [
    "Identifiant",
    "Date d'importation",
    "Numéro ANS",
    "Type de demande",
    "Nom du fichier",
    "Nbre de demande",
    "Nbre de demandes retenues",
    "Nbre de demandes rejetées",
    "Fichier JSON",
    "État",
]


@pytest.fixture(autouse=True)
def environnement(settings, tmp_path):
    """Uploaded and generated files of each test go to its own temporary folder."""
    settings.MEDIA_ROOT = str(tmp_path / "fichiers")


# --- helpers ------------------------------------------------------------------------------

Element = namedtuple("Element", "texte attrs")


def _normaliser(texte: str) -> str:
    return " ".join(texte.split())


class Page(HTMLParser):
    """The parts of a rendered page the tests look at: buttons, links, select options, tables."""

    def __init__(self, contenu: str):
        super().__init__(convert_charrefs=True)
        self.boutons, self.liens, self.tables, self.options = [], [], [], {}
        self._bouton = self._lien = self._option = self._cellule = None
        self._select = None
        self.feed(contenu)
        self.close()

    def handle_starttag(self, tag, attrs):
        attributs = dict(attrs)
        if tag == "button":
            self._bouton = (attributs, [])
        elif tag == "a":
            self._lien = (attributs, [])
        elif tag == "select":
            self._select = attributs.get("name")
            self.options[self._select] = []
        elif tag == "option":
            self._option = (attributs, [])
        elif tag == "table":
            self.tables.append([])
        elif tag == "tr" and self.tables:
            self.tables[-1].append([])
        elif tag in ("td", "th"):
            self._cellule = []

    def handle_endtag(self, tag):
        if tag == "button" and self._bouton:
            self.boutons.append(Element(_normaliser("".join(self._bouton[1])), self._bouton[0]))
            self._bouton = None
        elif tag == "a" and self._lien:
            self.liens.append(Element(_normaliser("".join(self._lien[1])), self._lien[0]))
            self._lien = None
        elif tag == "option" and self._option:
            self.options[self._select].append(Element(_normaliser("".join(self._option[1])), self._option[0]))
            self._option = None
        elif tag in ("td", "th") and self._cellule is not None:
            self.tables[-1][-1].append(_normaliser("".join(self._cellule)))
            self._cellule = None

    def handle_data(self, data):
        for tampon in (self._bouton, self._lien, self._option):
            if tampon:
                tampon[1].append(data)
        if self._cellule is not None:
            self._cellule.append(data)

    def bouton(self, texte) -> Element:
        trouves = [b for b in self.boutons if b.texte == texte]
        assert len(trouves) == 1, (
            f"bouton « {texte} » : {len(trouves)} trouvé(s) parmi {[b.texte for b in self.boutons]}"
        )
        return trouves[0]

    def lien(self, texte) -> Element:
        trouves = [a for a in self.liens if a.texte == texte]
        assert trouves, f"lien « {texte} » absent de {[a.texte for a in self.liens]}"
        return trouves[0]

    def table(self, entetes) -> list[list[str]]:
        """The rows (header excluded) of the table whose first row is `entetes`."""
        for table in self.tables:
            if table and table[0] == entetes:
                return table[1:]
        raise AssertionError(f"aucune table d'en-têtes {entetes} parmi {[t[0] for t in self.tables if t]}")


def texte(reponse) -> str:
    """The page as read by a person: entities decoded, whitespace collapsed."""
    return _normaliser(html.unescape(reponse.content.decode()))


def page(reponse) -> Page:
    return Page(reponse.content.decode())


def desactive(bouton: Element) -> bool:
    return "disabled" in bouton.attrs


def bouton_fermer(ecran: Page) -> Element:
    """« Fermer » of the simulation result (the DSFR header and theme modal have their own)."""
    trouves = [b for b in ecran.boutons if b.texte == "Fermer" and "data-fermer-alerte" in b.attrs]
    assert len(trouves) == 1, trouves
    return trouves[0]


def contenu_telecharge(reponse) -> bytes:
    return b"".join(reponse.streaming_content) if reponse.streaming else reponse.content


def utilisateur(nom):
    return get_user_model().objects.get(username=nom)


@pytest.fixture
def client_relais(client, demo):
    client.force_login(utilisateur("relais"))
    return client


def simuler(client, contenu: bytes, *, nom="demandes.json", type_demande="AVANCE", numero_ans="mlp525off1", taux="20"):
    return client.post(
        "/imports/simulation/",
        {
            "type_demande": type_demande,
            "numero_ans": numero_ans,
            "taux_tva": taux,
            "fichier": SimpleUploadedFile(nom, contenu, content_type="application/json"),
        },
    )


def import_de(reponse) -> Import:
    """The Import a simulation redirected to (/imports/<id>/)."""
    if reponse.status_code != 302:
        contenu = reponse.content.decode()
        debut = contenu.find("<main")
        raise AssertionError(
            f"statut {reponse.status_code} : {_normaliser(html.unescape(re.sub('<[^>]+>', ' ', contenu[debut:])))[:1500]}"
        )
    prefixe = "/imports/"
    assert reponse["Location"].startswith(prefixe) and reponse["Location"].endswith("/")
    pk = int(reponse["Location"][len(prefixe) : -1])
    return Import.objects.get(pk=pk)


def cle_luhn(chiffres: str) -> int:
    """The key digit that makes `chiffres` + key pass the Luhn check."""
    total = 0
    for rang, chiffre in enumerate(reversed(chiffres)):
        valeur = int(chiffre)
        if rang % 2 == 0:  # these digits are doubled once the key is appended
            valeur *= 2
            if valeur > 9:
                valeur -= 9
        total += valeur
    return (10 - total % 10) % 10


def finess_invalide(rang: int) -> str:
    base = f"0300{rang:04d}"
    return base + str((cle_luhn(base) + 1) % 10)


# --- login, logout, access ----------------------------------------------------------------


def test_la_cle_luhn_des_exemples_du_guide():
    assert cle_luhn("02001577") == 2 and cle_luhn("02001511") == 1 and cle_luhn("02001508") == 7
    assert finess_invalide(1)[-1] != str(cle_luhn("03000001"))


def test_page_de_connexion(client, demo):
    reponse = client.get("/connexion/")
    assert reponse.status_code == 200
    contenu = texte(reponse)
    assert "Identifiant" in contenu and "Mot de passe" in contenu
    assert page(reponse).bouton("Se connecter")


def test_mauvais_mot_de_passe(client, demo):
    reponse = client.post("/connexion/", {"username": "relais", "password": "faux"})
    assert reponse.status_code == 200
    assert "Identifiant ou mot de passe incorrect." in texte(reponse)
    assert "_auth_user_id" not in client.session


def test_connexion_reussie_puis_deconnexion(client, demo):
    reponse = client.post("/connexion/", {"username": "relais", "password": "demo"})
    assert reponse.status_code == 302 and reponse["Location"] == "/"
    accueil = client.get("/")
    assert accueil.status_code == 200
    assert "relais" in texte(accueil)

    reponse = client.post("/deconnexion/")
    assert reponse.status_code == 302 and reponse["Location"] == "/connexion/"
    assert "_auth_user_id" not in client.session
    assert client.get("/imports/")["Location"] == "/connexion/?next=/imports/"


def test_connexion_suit_next(client, demo):
    reponse = client.post("/connexion/", {"username": "relais", "password": "demo", "next": "/imports/simulation/"})
    assert reponse.status_code == 302 and reponse["Location"] == "/imports/simulation/"


PAGES_FOURNISSEUR = [
    "/",
    "/enrolement/",
    "/demandes/",
    "/aide/",
    "/imports/",
    "/imports/simulation/",
    "/imports/1/",
    "/imports/1/sortie/",
    "/imports/1/fichier/",
    "/imports/documentation/",
    "/imports/documentation/schemas/avance.schema.json",
    "/imports/documentation/modeles/solde-structure-ttc.json",
]


@pytest.mark.parametrize("chemin", PAGES_FOURNISSEUR)
def test_acces_anonyme_renvoie_vers_la_connexion(client, db, chemin):
    reponse = client.get(chemin)
    assert reponse.status_code == 302
    assert reponse["Location"] == f"/connexion/?next={quote(chemin)}"


def test_acces_anonyme_au_post_importer(client, db):
    reponse = client.post("/imports/1/importer/")
    assert reponse.status_code == 302 and reponse["Location"].startswith("/connexion/?next=")


def test_gestionnaire_va_dans_l_admin_et_n_a_pas_l_espace_fournisseur(client, demo):
    reponse = client.post("/connexion/", {"username": "gestionnaire", "password": "demo"})
    assert reponse.status_code == 302 and reponse["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200
    assert client.get("/")["Location"] == "/admin/"
    for chemin in (
        "/imports/",
        "/imports/simulation/",
        "/imports/documentation/",
        "/enrolement/",
        "/demandes/",
        "/aide/",
    ):
        reponse = client.get(chemin)
        assert reponse.status_code == 403, chemin
        assert "Cet espace est réservé aux fournisseurs." in texte(reponse), chemin
    reponse = simuler(client, b"{}")
    assert reponse.status_code == 403
    assert not Import.objects.exists()


def test_menu_de_l_en_tete(client_relais):
    reponse = client_relais.get("/imports/")
    menu = [(a.texte, a.attrs["href"]) for a in page(reponse).liens if "fr-nav__link" in a.attrs.get("class", "")]
    assert menu == [
        ("Accueil", "/"),
        ("Enrôlement", "/enrolement/"),
        ("Importation JSONs", "/imports/"),
        ("Demandes financement", "/demandes/"),
        ("Besoin d'aide ?", "/aide/"),
    ]
    courant = [a.texte for a in page(reponse).liens if a.attrs.get("aria-current") == "page"]
    assert courant == ["Importation JSONs"]


# --- import screen ------------------------------------------------------------------------


def test_ecran_d_import_vierge(client_relais):
    reponse = client_relais.get("/imports/simulation/")
    assert reponse.status_code == 200
    contenu = texte(reponse)
    for attendu in (
        "Importer les demandes",
        "1 - Fichier JSON",
        "a - Simulation",
        "b - Importation",
        "2 - Pièces jointes",
        "Récapitulatif",
        "SIRET : 77625125800013",
        "Dénomination sociale : RELAIS CAP FRANCE AU GAI LOGIS",
        NOTICE,
        "Type de demande",
        "Numéro ANS",
        "Taux de TVA",
        "Choisissez le fichier",
    ):
        assert attendu in contenu, attendu
    ecran = page(reponse)
    assert [(o.texte, o.attrs["value"]) for o in ecran.options["type_demande"]] == [
        ("Avance", "AVANCE"),
        ("Solde", "SOLDE"),
    ]
    assert [o.texte for o in ecran.options["numero_ans"]] == ["mlp525off1"]
    assert "cpiPFI0001" not in contenu and "bnd52qq600" not in contenu
    assert [(o.texte, o.attrs["value"]) for o in ecran.options["taux_tva"]] == [
        ("20 %", "20"),
        ("8,5 %", "8.5"),
        ("0 %", "0"),
    ]
    assert not desactive(ecran.bouton("Simuler"))
    assert desactive(ecran.bouton("Importer"))
    assert ecran.lien("Retour").attrs["href"] == "/imports/"
    assert ecran.bouton("Etape suivante")
    assert "resultat-simulation" not in reponse.content.decode()


def test_ecran_d_un_autre_fournisseur_propose_ses_seules_solutions(client, demo):
    client.force_login(utilisateur("hopital"))
    ecran = page(client.get("/imports/simulation/"))
    assert [o.texte for o in ecran.options["numero_ans"]] == ["2021k052a", "bnd52qq600"]


def test_simulation_reussie(client_relais, exemple_ttc):
    reponse = simuler(client_relais, exemple_ttc, nom="EJMDV7 structure.json")
    import_demandes = import_de(reponse)
    assert import_demandes.sha256 == hashlib.sha256(exemple_ttc).hexdigest()
    assert import_demandes.nom_fichier == "EJMDV7 structure.json"
    assert import_demandes.nb_lignes == 1 and import_demandes.nb_valides == 1 and import_demandes.nb_invalides == 0
    assert import_demandes.type_demande == "AVANCE" and import_demandes.taux_tva == "20"
    assert import_demandes.numero_ans == "mlp525off1"
    assert import_demandes.fournisseur.siret == "77625125800013"
    assert import_demandes.taille == len(exemple_ttc)
    with import_demandes.fichier.open("rb") as fichier:
        assert fichier.read() == exemple_ttc

    ecran_reponse = client_relais.get(reponse["Location"])
    assert ecran_reponse.status_code == 200
    contenu = texte(ecran_reponse)
    assert MESSAGE_SUCCES in contenu
    assert MESSAGE_ERREURS not in contenu
    ecran = page(ecran_reponse)
    assert not desactive(ecran.bouton("Importer"))
    assert ecran.bouton("Importer").attrs.get("form") == "formulaire-importer"
    assert f'action="/imports/{import_demandes.pk}/importer/"' in ecran_reponse.content.decode()
    assert bouton_fermer(ecran)

    # « Importer » on a successful simulation is accepted (the real import is not built yet)
    suite = client_relais.post(f"/imports/{import_demandes.pk}/importer/", follow=True)
    assert suite.status_code == 200
    assert MESSAGE_IMPORT_REFUSE not in texte(suite)


def test_fichier_json_d_origine_telechargeable(client_relais, exemple_ttc):
    import_demandes = import_de(simuler(client_relais, exemple_ttc, nom="mes demandes.json"))
    reponse = client_relais.get(f"/imports/{import_demandes.pk}/fichier/")
    assert reponse.status_code == 200
    assert contenu_telecharge(reponse) == exemple_ttc
    assert reponse["Content-Disposition"].startswith("attachment")
    assert "mes demandes.json" in reponse["Content-Disposition"]


@pytest.fixture
def fichier_une_erreur(document_ttc) -> bytes:
    document = copy.deepcopy(document_ttc)
    document["lignesImport"][0]["beneficiaires"]["structure"]["FINESSGeo"][1] = "020015112"
    return vers_octets(document)


def test_simulation_avec_une_ligne_en_erreur(client_relais, fichier_une_erreur):
    reponse = simuler(client_relais, fichier_une_erreur, nom="EJMDV7 structure.json")
    import_demandes = import_de(reponse)
    assert import_demandes.nb_lignes == 1 and import_demandes.nb_invalides == 1
    assert import_demandes.resultat == Import.Resultat.ERREURS

    ecran_reponse = client_relais.get(reponse["Location"])
    assert ecran_reponse.status_code == 200
    contenu = texte(ecran_reponse)
    assert MESSAGE_ERREURS in contenu
    assert MESSAGE_SUCCES not in contenu
    ecran = page(ecran_reponse)
    assert ecran.lien("Télécharger le fichier de sortie").attrs["href"] == f"/imports/{import_demandes.pk}/sortie/"
    assert bouton_fermer(ecran)
    assert desactive(ecran.bouton("Importer"))
    assert ecran.table(COLONNES_ERREURS) == [
        ["1", "00001", "E302", "beneficiaires.structure.FINESSGeo[1]", "clé FINESS invalide (020015112)"],
    ]

    # the output file
    sortie = client_relais.get(ecran.lien("Télécharger le fichier de sortie").attrs["href"])
    assert sortie.status_code == 200
    assert sortie["Content-Disposition"].startswith("attachment")
    assert 'filename="EJMDV7 structure_sortie.json"' in sortie["Content-Disposition"]
    document = json.loads(contenu_telecharge(sortie))
    assert document["impId"] == import_demandes.pk
    ligne = document["lignesImport"][0]
    assert ligne["codeTraitement"] == "E302"
    assert ligne["libelleTraitement"] == "E302 beneficiaires.structure.FINESSGeo[1] : clé FINESS invalide (020015112)"

    # the original file is kept as uploaded
    origine = client_relais.get(f"/imports/{import_demandes.pk}/fichier/")
    assert contenu_telecharge(origine) == fichier_une_erreur

    # « Importer » refused after a failed simulation
    refus = client_relais.post(f"/imports/{import_demandes.pk}/importer/", follow=True)
    assert refus.status_code == 200
    assert refus.redirect_chain == [(f"/imports/{import_demandes.pk}/", 302)]
    assert MESSAGE_IMPORT_REFUSE in texte(refus)


def test_tableau_des_erreurs_pagine(client_relais, document_ttc):
    document = copy.deepcopy(document_ttc)
    lignes = []
    for rang in range(1, 61):
        numero = f"{rang:05d}"
        ligne = ligne_type(document_ttc, numLigne=rang, numeroEditeur=numero)
        ligne["beneficiaires"]["structure"]["FINESSGeo"] = [finess_invalide(rang)]
        ligne["piecesJustificatives"][0]["nomFichier"] = f"MDV-LGC-Va1-BDC-{numero}.pdf"
        lignes.append(ligne)
    document["lignesImport"] = lignes
    import_demandes = import_de(simuler(client_relais, vers_octets(document), nom="soixante.json"))
    assert import_demandes.nb_lignes == 60 and import_demandes.nb_invalides == 60
    assert import_demandes.erreurs.count() == 60

    premiere = client_relais.get(f"/imports/{import_demandes.pk}/")
    lignes_1 = page(premiere).table(COLONNES_ERREURS)
    assert len(lignes_1) == 50
    assert [l[0] for l in lignes_1] == [str(r) for r in range(1, 51)]
    assert lignes_1[0] == [
        "1",
        "00001",
        "E302",
        "beneficiaires.structure.FINESSGeo[0]",
        f"clé FINESS invalide ({finess_invalide(1)})",
    ]
    assert "60 erreur(s) — page 1 sur 2" in texte(premiere)
    assert any("page=2" in a.attrs.get("href", "") for a in page(premiere).liens)

    seconde = client_relais.get(f"/imports/{import_demandes.pk}/?page=2")
    assert seconde.status_code == 200
    lignes_2 = page(seconde).table(COLONNES_ERREURS)
    assert [l[0] for l in lignes_2] == [str(r) for r in range(51, 61)]
    assert lignes_2[-1] == [
        "60",
        "00060",
        "E302",
        "beneficiaires.structure.FINESSGeo[0]",
        f"clé FINESS invalide ({finess_invalide(60)})",
    ]
    assert "page 2 sur 2" in texte(seconde)
    assert MESSAGE_ERREURS in texte(seconde)

    # the output file carries every line's code
    document_sortie = json.loads(contenu_telecharge(client_relais.get(f"/imports/{import_demandes.pk}/sortie/")))
    assert [l["codeTraitement"] for l in document_sortie["lignesImport"]] == ["E302"] * 60


# --- files refused as a whole -------------------------------------------------------------


def _ecran_rejet(client, reponse) -> tuple[Import, str]:
    import_demandes = import_de(reponse)
    assert import_demandes.resultat == Import.Resultat.FICHIER_REJETE
    ecran_reponse = client.get(reponse["Location"])
    assert ecran_reponse.status_code == 200
    ecran = page(ecran_reponse)
    assert desactive(ecran.bouton("Importer"))
    contenu = texte(ecran_reponse)
    assert MESSAGE_SUCCES not in contenu
    return import_demandes, contenu


def test_fichier_non_json(client_relais):
    import_demandes, contenu = _ecran_rejet(
        client_relais, simuler(client_relais, b"ceci n'est pas du JSON\n", nom="notes.json")
    )
    assert MESSAGE_FORMAT in contenu
    assert "ligne 1, colonne 1" in contenu
    assert import_demandes.nom_fichier == "notes.json"
    assert not import_demandes.fichier_sortie


def test_fichier_non_utf8(client_relais, exemple_ttc):
    contenu_latin1 = exemple_ttc.decode("utf-8").replace("DURAND", "DURÉ").encode("latin-1")
    _, contenu = _ecran_rejet(client_relais, simuler(client_relais, contenu_latin1))
    assert MESSAGE_FORMAT in contenu
    assert "n'est pas encodé en UTF-8" in contenu


def test_cle_mal_orthographiee(client_relais, exemple_ttc):
    fautif = exemple_ttc.replace(b'"numeroAns"', b'"numeroANS"', 1)
    assert fautif != exemple_ttc
    _, contenu = _ecran_rejet(client_relais, simuler(client_relais, fautif))
    assert MESSAGE_FORMAT in contenu
    # the place (key, line of the file) and the expected spelling
    assert "numeroANS" in contenu and "(ligne 3)" in contenu
    assert "« numeroANS » (attendu : « numeroAns »)" in contenu


def test_regime_tva_incoherent(client_relais, exemple_ttc):
    _, contenu = _ecran_rejet(client_relais, simuler(client_relais, exemple_ttc, taux="0"))
    assert MESSAGE_REGIME in contenu
    assert "lignesImport[0].commande.regimeTVA" in contenu


# --- form errors: never a 500 -------------------------------------------------------------


def test_sans_fichier(client_relais):
    reponse = client_relais.post(
        "/imports/simulation/", {"type_demande": "AVANCE", "numero_ans": "mlp525off1", "taux_tva": "20"}
    )
    assert reponse.status_code == 400
    assert "Choisissez le fichier JSON à simuler." in texte(reponse)
    assert desactive(page(reponse).bouton("Importer"))
    assert not Import.objects.exists()


def test_fichier_vide_refuse_sans_erreur_serveur(client_relais):
    reponse = simuler(client_relais, b"", nom="vide.json")
    assert reponse.status_code == 400
    assert "vide" in texte(reponse)
    assert not Import.objects.exists()


def test_fichier_vide_message_du_portail(client_relais):
    reponse = simuler(client_relais, b"", nom="vide.json")
    assert "Le fichier choisi est vide." in texte(reponse)


def test_numero_ans_d_un_autre_fournisseur(client_relais, exemple_ttc):
    reponse = simuler(client_relais, exemple_ttc, numero_ans="cpiPFI0001")
    assert reponse.status_code == 400
    contenu = texte(reponse)
    assert "Sélectionnez un choix valide" in contenu and "cpiPFI0001" in contenu
    assert not Import.objects.exists()


def test_valeurs_de_formulaire_inconnues(client_relais, exemple_ttc):
    reponse = simuler(client_relais, exemple_ttc, type_demande="AUTRE", taux="19.6")
    assert reponse.status_code == 400
    assert "Sélectionnez un choix valide" in texte(reponse)
    assert not Import.objects.exists()


def test_fichier_trop_gros(client_relais, settings):
    settings.SEGUR_MAX_JSON_BYTES = 1000
    message = documentation.message_fichier_trop_gros()
    assert "taille maximale" in message
    reponse = simuler(client_relais, b"{" + b" " * 4998 + b"}", nom="gros.json")
    assert reponse.status_code == 400
    assert message in texte(reponse)
    assert not Import.objects.exists()


def test_fichier_juste_sous_la_limite_accepte(client_relais, settings, exemple_ttc):
    settings.SEGUR_MAX_JSON_BYTES = len(exemple_ttc)
    import_demandes = import_de(simuler(client_relais, exemple_ttc))
    assert import_demandes.simulation_reussie


def test_nom_de_fichier_avec_chemin(client_relais, exemple_ttc):
    import_demandes = import_de(simuler(client_relais, exemple_ttc, nom="..\\..\\evil.json"))
    assert import_demandes.nom_fichier == "evil.json"
    assert import_demandes.simulation_reussie
    assert "evil" not in import_demandes.fichier.name
    sortie = client_relais.get(f"/imports/{import_demandes.pk}/fichier/")
    assert 'filename="evil.json"' in sortie["Content-Disposition"]


def _multipart_brut(parametre_nom: bytes, contenu: bytes) -> tuple[bytes, str]:
    """A multipart body written by hand, to send file names no test client would produce."""
    limite = "----limite-de-test-7d3f"
    morceaux = []
    for nom, valeur in (("type_demande", b"AVANCE"), ("numero_ans", b"mlp525off1"), ("taux_tva", b"20")):
        morceaux.append(
            f'--{limite}\r\nContent-Disposition: form-data; name="{nom}"\r\n\r\n'.encode() + valeur + b"\r\n"
        )
    morceaux.append(
        f"--{limite}\r\n".encode()
        + b'Content-Disposition: form-data; name="fichier"; '
        + parametre_nom
        + b"\r\n"
        + b"Content-Type: application/json\r\n\r\n"
        + contenu
        + b"\r\n"
    )
    morceaux.append(f"--{limite}--\r\n".encode())
    return b"".join(morceaux), f"multipart/form-data; boundary={limite}"


def test_nom_de_fichier_latin1_avec_chemin(client_relais, exemple_ttc):
    """RFC 2231 name in ISO-8859-1, with a Windows path: only « démo.json » is kept."""
    corps, type_contenu = _multipart_brut(b"filename*=iso-8859-1''..%5C..%5Cd%E9mo%07.json", exemple_ttc)
    import_demandes = import_de(client_relais.generic("POST", "/imports/simulation/", corps, content_type=type_contenu))
    assert import_demandes.nom_fichier == "démo.json"
    assert import_demandes.simulation_reussie
    assert client_relais.get(f"/imports/{import_demandes.pk}/").status_code == 200
    assert "démo.json" in texte(client_relais.get("/imports/"))
    telechargement = client_relais.get(f"/imports/{import_demandes.pk}/fichier/")
    assert telechargement.status_code == 200
    assert contenu_telecharge(telechargement) == exemple_ttc


def test_nom_de_fichier_en_octets_non_utf8(client_relais, exemple_ttc):
    """Raw ISO-8859-1 bytes in the part header: Django drops the part; the form says the file
    is missing (400), nothing is recorded, no server error."""
    corps, type_contenu = _multipart_brut('filename="..\\..\\\xe9vil.json"'.encode("latin-1"), exemple_ttc)
    reponse = client_relais.generic("POST", "/imports/simulation/", corps, content_type=type_contenu)
    assert reponse.status_code == 400
    assert "Choisissez le fichier JSON à simuler." in texte(reponse)
    assert not Import.objects.exists()


def test_nom_affichable():
    from imports.services import nom_affichable

    assert nom_affichable("..\\..\\evil.json") == "evil.json"
    assert nom_affichable("../../etc/evil.json") == "evil.json"
    assert nom_affichable("d\x07\u200emo\n.json") == "dmo.json"
    assert nom_affichable("") == nom_affichable("..\\") == "fichier.json"
    assert len(nom_affichable("a" * 400 + ".json")) == 255


# --- isolation ----------------------------------------------------------------------------


def test_isolation_entre_fournisseurs(client, demo, fichier_une_erreur):
    client.force_login(utilisateur("relais"))
    import_demandes = import_de(simuler(client, fichier_une_erreur))
    client.force_login(utilisateur("unikalo"))
    for chemin in (
        f"/imports/{import_demandes.pk}/",
        f"/imports/{import_demandes.pk}/sortie/",
        f"/imports/{import_demandes.pk}/fichier/",
    ):
        assert client.get(chemin).status_code == 404, chemin
    assert client.post(f"/imports/{import_demandes.pk}/importer/").status_code == 404
    assert str(import_demandes.pk) not in [a.texte for a in page(client.get("/imports/")).liens]


def test_identifiants_inconnus(client_relais):
    for chemin in ("/imports/999999/", "/imports/999999/sortie/", "/imports/999999/fichier/"):
        assert client_relais.get(chemin).status_code == 404, chemin
    assert client_relais.post("/imports/999999/importer/").status_code == 404


def test_sortie_d_un_fichier_rejete_introuvable(client_relais):
    import_demandes = import_de(simuler(client_relais, b"[]"))
    assert client_relais.get(f"/imports/{import_demandes.pk}/sortie/").status_code == 404
    assert client_relais.get(f"/imports/{import_demandes.pk}/fichier/").status_code == 200


# --- documentation ------------------------------------------------------------------------


def test_page_de_documentation(client_relais):
    reponse = client_relais.get("/imports/documentation/")
    assert reponse.status_code == 200
    contenu = texte(reponse)
    doc = page(reponse)
    regles = catalogue()
    assert len(regles) >= 20
    lignes_regles = doc.table(["Code", "Champ", "Règle"])
    assert [l[0] for l in lignes_regles] == [r.code for r in regles]
    for regle, ligne in zip(regles, lignes_regles, strict=False):
        assert ligne[2] == _normaliser(regle.description), regle.code
    for code in ("E101", "E206", "E302", "E406", "E502"):
        assert code in [r.code for r in regles]

    lignes_champs = doc.table(["Champ", "Type", "Description"])
    assert [l[0] for l in lignes_champs] == [_normaliser(c[0]) for c in documentation.CHAMPS]
    for champ in ("impId", "numeroAns", "siret", "lignesImport[].commande.regimeTVA", "lignesImport[].codeTraitement"):
        assert champ in contenu

    nomenclature = doc.table(["typeFichier", "CODE dans le nom", "Pièce"])
    assert {l[0]: l[1] for l in nomenclature} == {
        "BON_COMMANDE": "BDC",
        "PRELVE_HT": "HT",
        "MANDAT": "MAN",
        "FACTURE": "FAC",
        "PV_VSR": "VSR",
        "AUTRE": "AUT",
    }
    assert "MDV-LGC-Va1-BDC-00001.pdf" in contenu
    assert MESSAGE_FORMAT in contenu
    liens = {a.attrs["href"] for a in doc.liens}
    for lien in (
        "/imports/documentation/schemas/avance.schema.json",
        "/imports/documentation/schemas/solde.schema.json",
        "/imports/documentation/modeles/avance-structure-ttc.json",
        "/imports/documentation/modeles/avance-structure-ht.json",
        "/imports/documentation/modeles/solde-structure-ttc.json",
    ):
        assert lien in liens


@pytest.mark.parametrize("type_demande", ["avance", "solde"])
def test_schemas_telechargeables(client_relais, type_demande):
    reponse = client_relais.get(f"/imports/documentation/schemas/{type_demande}.schema.json")
    assert reponse.status_code == 200
    assert reponse["Content-Disposition"].startswith("attachment")
    octets = contenu_telecharge(reponse)
    assert octets == (DOSSIER_SCHEMAS / f"{type_demande}.schema.json").read_bytes()
    assert json.loads(octets)["$schema"].endswith("2020-12/schema")


@pytest.mark.parametrize(
    "nom_fichier, type_formulaire, taux",
    [
        ("avance-structure-ttc.json", "AVANCE", "20"),
        ("avance-structure-ttc.json", "AVANCE", "8.5"),
        ("avance-structure-ht.json", "AVANCE", "0"),
        ("solde-structure-ttc.json", "SOLDE", "20"),
    ],
)
def test_modeles_valides_par_le_simulateur(client_relais, nom_fichier, type_formulaire, taux):
    """Each model linked from the documentation page is the file shipped in schemas/modeles/ and
    simulates without error with the taux its description gives."""
    documentation_page = page(client_relais.get("/imports/documentation/"))
    reponse = client_relais.get(documentation_page.lien(nom_fichier).attrs["href"])
    assert reponse.status_code == 200
    assert reponse["Content-Disposition"] == f'attachment; filename="{nom_fichier}"'
    modele = contenu_telecharge(reponse)
    assert modele == (DOSSIER_SCHEMAS / "modeles" / nom_fichier).read_bytes()
    nb_lignes = len(json.loads(modele)["lignesImport"])

    simulation = simuler(client_relais, modele, nom=nom_fichier, type_demande=type_formulaire, taux=taux)
    import_demandes = import_de(simulation)
    assert import_demandes.simulation_reussie, list(import_demandes.erreurs.values_list("code", "champ", "message"))
    assert import_demandes.nb_lignes == import_demandes.nb_valides == nb_lignes and import_demandes.nb_invalides == 0
    ecran = client_relais.get(simulation["Location"])
    assert MESSAGE_SUCCES in texte(ecran)
    assert not desactive(page(ecran).bouton("Importer"))


@pytest.mark.parametrize(
    "chemin",
    [
        "/imports/documentation/schemas/autre.schema.json",
        "/imports/documentation/modeles/autre.json",
        "/imports/documentation/schemas/AVANCE.schema.json",
        "/imports/documentation/modeles/..%2Fsettings.json",
    ],
)
def test_type_de_documentation_inconnu(client_relais, chemin):
    assert client_relais.get(chemin).status_code == 404


# --- list of imports, enrôlement, aide ----------------------------------------------------


def test_liste_des_imports(client, demo, exemple_ttc, fichier_une_erreur):
    client.force_login(utilisateur("unikalo"))
    import_unikalo = import_de(simuler(client, b"pas du json", nom="unikalo-secret.json", numero_ans="cpiPFI0001"))

    client.force_login(utilisateur("relais"))
    reussi = import_de(simuler(client, exemple_ttc, nom="EJMDV7 structure.json"))
    en_erreur = import_de(simuler(client, fichier_une_erreur, nom="MDV-liberal.json"))

    reponse = client.get("/imports/")
    assert reponse.status_code == 200
    contenu = texte(reponse)
    liste = page(reponse)
    assert liste.lien("Importer des demandes").attrs["href"] == "/imports/simulation/"
    assert liste.lien("Accéder à la documentation").attrs["href"] == "/imports/documentation/"
    lignes = liste.table(COLONNES_IMPORTS)[1:]  # the first row under the headers holds the column filters
    assert [l[0] for l in lignes] == [str(en_erreur.pk), str(reussi.pk)]
    # Retained / rejected counts exist once a file is imported for real; simulations show « — ».
    assert lignes[0][2:8] == ["mlp525off1", "Avance", "MDV-liberal.json", "1", "—", "—"]
    assert lignes[1][2:8] == ["mlp525off1", "Avance", "EJMDV7 structure.json", "1", "—", "—"]
    assert lignes[0][9] == "Erreurs dans les demandes" and lignes[1][9] == "Simulé"
    assert "unikalo-secret.json" not in contenu
    hrefs = {a.attrs["href"] for a in liste.liens}
    assert f"/imports/{reussi.pk}/fichier/" in hrefs and f"/imports/{reussi.pk}/" in hrefs
    assert f"/imports/{import_unikalo.pk}/" not in hrefs


def test_liste_vide(client_relais):
    reponse = client_relais.get("/imports/")
    assert reponse.status_code == 200
    assert "Aucun import pour le moment." in texte(reponse)


def test_enrolement(client, demo):
    client.force_login(utilisateur("relais"))
    reponse = client.get("/enrolement/")
    assert reponse.status_code == 200
    contenu = texte(reponse)
    assert "77625125800013" in contenu and "RELAIS CAP FRANCE AU GAI LOGIS" in contenu
    assert "mlp525off1" in contenu
    for autre in ("cpiPFI0001", "bnd52qq600", "2021k052a"):
        assert autre not in contenu

    client.force_login(utilisateur("hopital"))
    contenu = texte(client.get("/enrolement/"))
    assert "bnd52qq600" in contenu and "2021k052a" in contenu
    assert "mlp525off1" not in contenu and "cpiPFI0001" not in contenu


def test_besoin_d_aide(client_relais):
    reponse = client_relais.get("/aide/")
    assert reponse.status_code == 200
    assert "Besoin d'aide ?" in texte(reponse)
    assert "/imports/documentation/" in {a.attrs["href"] for a in page(reponse).liens}
