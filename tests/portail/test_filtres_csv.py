"""Hardening of the tracking tables and their CSV exports (spec §7), from an attack on a
production-like instance:

- a criterion or a column filter written with other digits than 0-9 (« ² », « ① », Arabic-Indic
  digits…) or holding a NUL character is refused with a French message on the page, never a 500;
- a request whose query string or form holds a NUL character (admin included) is answered 400 with a
  short French page by `segur_portal.requetes.RequeteSansNulMiddleware`;
- a CSV cell that a spreadsheet would read as a formula (=, +, -, @, tab, carriage return) is
  neutralised with a leading quote, in every export (imports, demandes, ASP managers' export);
- the « Exporter (CSV) » link of each list downloads exactly the rows the page shows."""

from urllib.parse import urljoin

import pytest
from django.utils import timezone

from demandes.models import Demande, Fournisseur
from demandes.valeurs import StatutDemande, StatutPaiement, TypeDemande
from imports.models import Import
from tests.documents import SIRET_RELAIS
from tests.factories import copie_de_solution, creer_demandes, creer_import, deposee_le, le
from tests.pages import (
    COLONNES_DEMANDES,
    COLONNES_IMPORTS,
    ENTETES_CSV_IMPORTS,
    lignes_du_tableau,
    lire_csv,
    page,
    texte,
)
from tests.parcours import simuler

MIDDLEWARE_NUL = "segur_portal.requetes.RequeteSansNulMiddleware"


MESSAGE_NUL = "La requête contient un caractère non autorisé."


CARACTERE_NON_AUTORISE = "la saisie contient un caractère non autorisé."


@pytest.fixture
def sans_nul(settings):
    """The middleware where the team puts it: right after SecurityMiddleware."""
    middleware = list(settings.MIDDLEWARE)
    middleware.insert(middleware.index("django.middleware.security.SecurityMiddleware") + 1, MIDDLEWARE_NUL)
    settings.MIDDLEWARE = middleware


@pytest.fixture
def sans_middleware_nul(settings):
    """The criteria forms on their own, whether or not the middleware is installed."""
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if m != MIDDLEWARE_NUL]


@pytest.fixture
def imports_relais(demo):
    copie_de_solution("mlp525off2")
    return {
        "alpha": creer_import(
            nom="alpha.json", nb_lignes=3, etat=Import.Etat.IMPORTE, retenues=2, rejetees=1, date=le("2024-01-10")
        ),
        "beta": creer_import(nom="beta.json", nb_lignes=12, date=le("2024-02-15")),
        "gamma": creer_import(
            nom="gamma.json", numero_ans="mlp525off2", nb_lignes=1, etat=Import.Etat.IMPORTE, date=le("2024-03-20")
        ),
    }


def ids_du_tableau(reponse) -> list[str]:
    assert reponse.status_code == 200, reponse.status_code
    return [ligne[0] for ligne in lignes_du_tableau(reponse, COLONNES_IMPORTS)]


# --- 1. digits other than 0-9, NUL characters ---------------------------------------------------


def message_entier(libelle):
    return f"{libelle} : saisissez un nombre entier, avec les chiffres de 0 à 9."


@pytest.mark.parametrize(
    "filtre, valeur, en_chiffres, message",
    [
        ("f_id", "²", "{alpha}", message_entier("Identifiant")),
        ("f_retenues", "①", "2", message_entier("Nbre de demandes retenues")),
        ("f_rejetees", "𝟏", "1", message_entier("Nbre de demandes rejetées")),
        ("f_lignes", "٣", "3", message_entier("Nbre de demande")),
        (
            "f_date",
            "١٥/٠٢/٢٠٢٤",
            "{jour_alpha}",
            "Date d'importation : saisissez une date JJ/MM/AAAA, avec les chiffres de 0 à 9.",
        ),
    ],
)
def test_filtre_de_colonne_en_chiffres_non_ascii_refuse_avec_un_message(
    client_relais, imports_relais, filtre, valeur, en_chiffres, message
):
    alpha = imports_relais["alpha"]
    reponse = client_relais.get("/imports/", {filtre: valeur})
    assert reponse.status_code == 200
    assert f"Critères invalides : {message}" in texte(reponse)
    assert ids_du_tableau(reponse) == []
    export = client_relais.get("/imports/", {filtre: valeur, "export": "csv"})
    assert lire_csv(export) == [ENTETES_CSV_IMPORTS]
    # the same filter written with 0-9 finds the import
    jour_alpha = timezone.localtime(alpha.date_creation).strftime("%d/%m/%Y")
    reponse = client_relais.get("/imports/", {filtre: en_chiffres.format(alpha=alpha.pk, jour_alpha=jour_alpha)})
    assert "Critères invalides" not in texte(reponse)
    assert ids_du_tableau(reponse) == [str(alpha.pk)]


@pytest.mark.parametrize(
    "url, criteres, message",
    [
        ("/imports/", {"numero_ans": "mlp٥٢٥"}, "Numéro ANS : saisissez les chiffres de 0 à 9."),
        (
            "/imports/",
            {"depose_apres": "٢٠٢٤-٠٢-٠١"},
            "Déposée entre le : saisissez une date avec les chiffres de 0 à 9.",
        ),
        ("/imports/", {"depose_avant": "2024-0²-01"}, "et le : saisissez une date avec les chiffres de 0 à 9."),
        ("/demandes/", {"numero": "FINMDV٠٠٠٠٠١"}, "Numéro de demande : saisissez les chiffres de 0 à 9."),
        ("/demandes/", {"numero": "①"}, "Numéro de demande : saisissez les chiffres de 0 à 9."),
        (
            "/demandes/",
            {"depose_apres": "٢٠٢٤-٠١-٠١"},
            "Déposée entre le : saisissez une date avec les chiffres de 0 à 9.",
        ),
    ],
)
def test_critere_en_chiffres_non_ascii_refuse_avec_un_message(client_relais, imports_relais, url, criteres, message):
    creer_demandes()
    reponse = client_relais.get(url, criteres)
    assert reponse.status_code == 200
    assert f"Critères invalides : {message}" in texte(reponse)
    assert client_relais.get(url, {**criteres, "export": "csv"}).status_code == 200


@pytest.mark.parametrize(
    "url, champ, libelle",
    [
        ("/imports/", "numero_ans", "Numéro ANS"),
        ("/imports/", "type_demande", "Type"),
        ("/imports/", "depose_apres", "Déposée entre le"),
        ("/imports/", "f_id", "Identifiant"),
        ("/imports/", "f_nom", "Nom du fichier"),
        ("/imports/", "f_date", "Date d'importation"),
        ("/demandes/", "numero", "Numéro de demande"),
        ("/demandes/", "statut", "Statut de la demande"),
        ("/demandes/", "logiciel", "Logiciel"),
        ("/demandes/", "depose_avant", "Et le"),
    ],
)
def test_caractere_nul_dans_un_critere_refuse_avec_un_message(
    client_relais, imports_relais, sans_middleware_nul, url, champ, libelle
):
    """Without the middleware too: the criteria form itself refuses it, and never echoes it."""
    creer_demandes()
    reponse = client_relais.get(url, {champ: "a\x00b"})
    assert reponse.status_code == 200
    assert f"Critères invalides : {libelle} : {CARACTERE_NON_AUTORISE}" in texte(reponse)
    assert "\x00" not in reponse.content.decode()
    assert client_relais.get(url, {champ: "\x00", "export": "csv"}).status_code == 200


# --- 1. NUL anywhere in a request: 400 with a French page -------------------------------------------


def assert_refus_nul(reponse):
    assert reponse.status_code == 400
    assert reponse["Content-Type"] == "text/html; charset=utf-8"
    assert MESSAGE_NUL in texte(reponse)
    assert "\x00" not in reponse.content.decode()


@pytest.mark.parametrize(
    "url",
    [
        "/admin/demandes/demande/?statut__exact=%00",
        "/admin/demandes/demande/?q=FIN%00",
        "/admin/demandes/demande/exporter/?statut__exact=%00",
        "/admin/demandes/demande/?%00=1",
    ],
)
def test_admin_caractere_nul_dans_la_requete_refuse_400(client_gestionnaire, sans_nul, url):
    creer_demandes()
    assert_refus_nul(client_gestionnaire.get(url))


@pytest.mark.parametrize(
    "url",
    [
        "/imports/?f_nom=%00",
        "/imports/?numero_ans=mlp&f_id=1%00",
        "/imports/?f%00nom=a",
        "/demandes/?numero=FIN%00MDV",
        "/demandes/?export=csv&statut=%00",
    ],
)
def test_espace_fournisseur_caractere_nul_dans_la_requete_refuse_400(client_relais, sans_nul, url):
    assert_refus_nul(client_relais.get(url))


def test_connexion_caractere_nul_dans_le_formulaire_refuse_400(client, demo, sans_nul):
    assert_refus_nul(client.post("/connexion/", {"username": "relais\x00", "password": "demo"}))
    assert_refus_nul(client.post("/connexion/", {"username": "relais", "password": "demo", "x\x00": "1"}))
    assert "_auth_user_id" not in client.session


def test_admin_action_caractere_nul_dans_le_formulaire_refuse_400(client_gestionnaire, sans_nul):
    (demande,) = creer_demandes()
    reponse = client_gestionnaire.post(
        "/admin/demandes/demande/", {"action": "passer_en_instruction\x00", "_selected_action": [str(demande.pk)]}
    )
    assert_refus_nul(reponse)
    demande.refresh_from_db()
    assert demande.statut == StatutDemande.EN_ATTENTE_PIECES


def test_cookie_avec_caractere_nul_ignore(client_relais, sans_nul):
    """A session cookie spelling NUL (« \\000 » in a quoted value) is ignored: the person is simply
    not signed in (it ended in a 500 on PostgreSQL, when the session was looked up)."""
    client_relais.cookies["sessionid"] = "abcdefgh\x00ijklmnop"
    reponse = client_relais.get("/imports/")
    assert reponse.status_code == 302 and reponse["Location"].startswith("/connexion/")
    assert client_relais.get("/connexion/").status_code == 200


def test_requetes_sans_nul_inchangees(client_relais, imports_relais, sans_nul, exemple_ttc):
    """Ordinary pages, and a file whose bytes hold NUL characters (its content is not inspected):
    the file reaches the simulation, which explains why it refuses it."""
    assert ids_du_tableau(client_relais.get("/imports/?f_nom=alpha")) == [str(imports_relais["alpha"].pk)]
    reponse = simuler(client_relais, b"\x00\x01\x02binaire\x00", nom="binaire.json")
    assert MESSAGE_NUL not in texte(reponse)
    assert Import.objects.filter(nom_fichier="binaire.json").exists()
    assert simuler(client_relais, exemple_ttc, nom="valide.json").status_code == 302


# --- 2. CSV formula injection -------------------------------------------------------------------------


FORMULES = [
    '=SUM(A1:A9)+HYPERLINK(CONCAT("https:",A1),"Voir").json',
    "+33 cmd.json",
    "-2+3+cmd|' /C calc'!A0.json",
    "@SUM(1+1)*cmd.json",
    "\t=1+1.json",
    "\r=1+1.json",
]


def test_export_csv_des_imports_neutralise_les_formules(client_relais, demo, exemple_ttc):
    # the way the attack went: a simulated file whose name is a formula
    assert simuler(client_relais, exemple_ttc, nom=FORMULES[0]).status_code == 302
    for nom in FORMULES[1:]:
        creer_import(nom=nom)
    creer_import(nom="normal-1.json")
    noms = [ligne[4] for ligne in lire_csv(client_relais.get("/imports/?export=csv"))[1:]]
    assert noms == ["normal-1.json", *("'" + nom for nom in reversed(FORMULES))]
    # the page itself shows the names as they are
    assert FORMULES[0] in texte(client_relais.get("/imports/"))


def test_export_csv_des_demandes_neutralise_les_formules_et_garde_les_montants_negatifs(client_relais, demo):
    creer_demandes(debut=1, editeur="=HYPERLINK(A", montant="1000.50")
    creer_demandes(debut=2, editeur="-", montant="-10.50")  # numéro éditeur « -2 » is a plain number
    creer_demandes(debut=3, editeur="@A", montant="12.00")
    for n, demande in enumerate(Demande.objects.order_by("numero"), start=1):
        deposee_le(demande, f"2024-01-{n:02d}")
    lignes = lire_csv(client_relais.get("/demandes/?export=csv"))[1:]
    assert [(l[0], l[2], l[9]) for l in lignes] == [
        ("FINMDV000003M0", "'@A3", "12,00"),
        ("FINMDV000002M0", "-2", "-10,50"),
        ("FINMDV000001M0", "'=HYPERLINK(A1", "1000,50"),
    ]


def test_export_csv_des_gestionnaires_neutralise_les_formules(client_gestionnaire, demo):
    Fournisseur.objects.filter(siret=SIRET_RELAIS).update(denomination="=cmd|' /C calc'!A0")
    creer_demandes(debut=1, montant="-5.00")
    for reponse in (
        client_gestionnaire.get("/admin/demandes/demande/exporter/"),
        client_gestionnaire.post(
            "/admin/demandes/demande/",
            {"action": "exporter_csv", "_selected_action": [str(d.pk) for d in Demande.objects.all()]},
        ),
    ):
        lignes = lire_csv(reponse)
        assert [(l[0], l[3], l[7]) for l in lignes[1:]] == [("FINMDV000001M0", "'=cmd|' /C calc'!A0", "-5,00")]


# --- 3. the « Exporter (CSV) » link ---------------------------------------------------------------------


def suivre_le_lien_d_export(client, url):
    """Loads the list page, finds « Exporter (CSV) » in it and follows it, as a browser would."""
    reponse = client.get(url)
    assert reponse.status_code == 200
    lien = page(reponse).lien("Exporter (CSV)").attrs["href"]
    return reponse, client.get(urljoin(url, lien))


@pytest.fixture
def imports_a_trier(demo):
    """Two imports meet every criterion of CRITERES_IMPORTS; each of the others fails exactly one."""
    copie_de_solution("mlp525off2")
    a_garder = [
        creer_import(nom="rapport-1.json", nb_lignes=3, date=le("2024-03-10")),
        creer_import(nom="rapport-2.json", nb_lignes=3, etat=Import.Etat.IMPORTE, retenues=3, date=le("2024-04-10")),
    ]
    for nom, options in [
        ("rapport-ans.json", {"numero_ans": "mlp525off2"}),
        ("rapport-type.json", {"type_demande": "SOLDE"}),
        ("rapport-avant.json", {"date": le("2024-01-10")}),
        ("rapport-apres.json", {"date": le("2024-08-10")}),
        ("autre.json", {}),
        ("rapport-lignes.json", {"nb_lignes": 5}),
    ]:
        creer_import(nom=nom, **{"nb_lignes": 3, "date": le("2024-03-10"), **options})
    return a_garder


CRITERES_IMPORTS = (
    "numero_ans=off1&type_demande=AVANCE&depose_apres=2024-02-01&depose_avant=2024-06-30"
    "&f_nom=rapport&f_lignes=3&f_type=av&par_page=50"
)


@pytest.mark.parametrize("criteres", [CRITERES_IMPORTS, ""])
def test_lien_exporter_csv_des_imports(client_relais, imports_a_trier, criteres):
    liste, export = suivre_le_lien_d_export(client_relais, f"/imports/?{criteres}")
    montres = lignes_du_tableau(liste, COLONNES_IMPORTS)
    if criteres:
        assert [l[4] for l in montres] == ["rapport-2.json", "rapport-1.json"]
    else:
        assert len(montres) == 8
    exportees = lire_csv(export)
    assert exportees[0] == ENTETES_CSV_IMPORTS
    assert [l[:6] for l in exportees[1:]] == [l[:6] for l in montres]


CRITERES_DEMANDES = (
    "numero=FINMDV00000&type_demande=AVANCE&statut=DECIDEE&statut_paiement=EN_COURS&logiciel=LGC"
    "&depose_apres=2024-02-01&depose_avant=2024-06-30"
)


@pytest.fixture
def demandes_a_trier(demo):
    """FINMDV000001 and FINMDV000002 meet every criterion of CRITERES_DEMANDES; each other one fails one."""
    communs = {"statut": StatutDemande.DECIDEE, "paiement": StatutPaiement.EN_COURS}
    variantes = {
        1: {},
        2: {},
        3: {"type_demande": TypeDemande.SOLDE},
        4: {"statut": StatutDemande.REJETEE},
        5: {"paiement": StatutPaiement.EFFECTUE},
        6: {},  # deposited too early
        7: {},  # deposited too late
        10: {},  # numéro FINMDV000010
    }
    jours = {6: "2024-01-15", 7: "2024-09-15", 2: "2024-04-15"}
    for n, options in variantes.items():
        (demande,) = creer_demandes(debut=n, **{**communs, **options})
        # Each at an hour of its own: the list and its export sort by date of deposit, whose ties
        # have no order (PostgreSQL may return them differently to the page and to the export).
        deposee_le(demande, jours.get(n, "2024-03-15"), heure=n)


@pytest.mark.parametrize("criteres", [CRITERES_DEMANDES, ""])
def test_lien_exporter_csv_des_demandes(client_relais, demandes_a_trier, criteres):
    liste, export = suivre_le_lien_d_export(client_relais, f"/demandes/?{criteres}")
    montres = lignes_du_tableau(liste, COLONNES_DEMANDES)
    if criteres:
        assert [l[0] for l in montres] == ["FINMDV000002M0", "FINMDV000001M0"]
    else:
        assert len(montres) == 8
    exportees = lire_csv(export)
    assert [(l[0], l[2], l[5], l[7]) for l in exportees[1:]] == [(l[0], l[2], l[5], l[7]) for l in montres]
