"""The demande changelist of the admin (spec §7): columns and rows, search (numéro de dossier, numéro
éditeur, SIRET, dénomination, FINESS, RPPS), filters, the detail of a demande (beneficiaries,
scenario, expected and received pieces with their download, the JSON line, the history), pieces and
zips; the query count does not depend on the number of demandes."""

import datetime
import re
from decimal import Decimal

import pytest
from django.utils import timezone

from demandes.models import Demande, Solution
from demandes.valeurs import StatutDemande, StatutPaiement, TypeDemande
from piecesjointes.models import PieceRecue
from tests.documents import SIRET_HOPITAL, SIRET_RELAIS, SIRET_UNIKALO, finess, rpps
from tests.factories import PDF, creer_demande, le
from tests.gestion.outils import EXPORT, LISTE, lignes_admin, resultats
from tests.pages import contenu_telecharge, lire_csv, nombre_de_requetes, page, texte

# --- 2. the list: columns, search, filters, detail, query count -------------------------------


def _attente(jour: str) -> str:
    """The days a dossier deposited on `jour` (at noon, Paris) has waited, today."""
    return str((timezone.localdate() - datetime.date.fromisoformat(jour)).days)


def test_liste_colonnes_et_lignes(client_gestionnaire, six_demandes):
    """The columns a manager works with, the oldest deposit first; the days of waiting for the
    dossiers not yet decided, rejected or cancelled; the amount as the supplier's pages write it."""
    reponse = client_gestionnaire.get(LISTE)
    assert lignes_admin(reponse) == [
        [
            "",
            "FINMDV000001M0",
            "Déposée",
            "1 000,00 €",
            "RELAIS CAP FRANCE AU GAI LOGIS",
            "MDV",
            "10/01/2024",
            _attente("2024-01-10"),
            "—",
            "-",
        ],
        [
            "",
            "FINMDV000002M0",
            "Décidée",
            "1 000,00 €",
            "RELAIS CAP FRANCE AU GAI LOGIS",
            "MDV",
            "15/02/2024",
            "—",
            "—",
            "Paiement effectué",
        ],
        [
            "",
            "FINMDV000003M0",
            "Décidée",
            "10 750,50 €",
            "RELAIS CAP FRANCE AU GAI LOGIS",
            "MDV",
            "20/02/2024",
            "—",
            "—",
            "Paiement en cours",
        ],
        [
            "",
            "FINHOP000011M0",
            "Rejetée",
            "1 000,00 €",
            "SANTÉ NUMÉRIQUE HOSPITALIÈRE",
            "HOP",
            "05/03/2024",
            "—",
            "—",
            "-",
        ],
        [
            "",
            "FINHOP000012M0",
            "En instruction",
            "1 000,00 €",
            "SANTÉ NUMÉRIQUE HOSPITALIÈRE",
            "HOP",
            "01/04/2024",
            _attente("2024-04-01"),
            "—",
            "-",
        ],
        [
            "",
            "FINHOP000021M0",
            "En attente des pièces",
            "1 000,00 €",
            "NUANCES UNIKALO COTE D'AZUR",
            "HOP",
            "01/05/2024",
            _attente("2024-05-01"),
            "—",
            "-",
        ],
    ]
    # Each status is the badge of its colour (demandes.valeurs, as on the supplier's pages), the
    # dossier number links to the dossier.
    html_liste = reponse.content.decode()
    for numero, classes, libelle in (
        ("FINMDV000001M0", "fr-badge fr-badge--new", "Déposée"),
        ("FINMDV000002M0", "fr-badge fr-badge--success", "Décidée"),
        ("FINHOP000011M0", "fr-badge fr-badge--error", "Rejetée"),
        ("FINHOP000012M0", "fr-badge fr-badge--info", "En instruction"),
        ("FINHOP000021M0", "fr-badge fr-badge--warning", "En attente des pièces"),
    ):
        rangee = re.search(rf"<tr>.*?>{numero}</a>.*?</tr>", html_liste, re.S).group()
        assert f'<td class="field-badge_statut"><span class="{classes}">{libelle}</span></td>' in rangee, numero
    d1 = six_demandes["d1"]
    assert page(reponse).lien("FINMDV000001M0").attrs["href"].startswith(f"{LISTE}{d1.pk}/change/")
    contenu = texte(reponse, lu=True)
    for titre in (
        "Par type",
        "Par statut",
        "Par gestionnaire",
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
        ("FINHOP", ["FINHOP000011M0", "FINHOP000012M0", "FINHOP000021M0"]),
        ("ED-GAMMA", ["FINMDV000003M0"]),
        ("ed-hop", ["FINHOP000011M0"]),
        (SIRET_HOPITAL, ["FINHOP000011M0", "FINHOP000012M0"]),
        (SIRET_UNIKALO, ["FINHOP000021M0"]),
        ("UNIKALO", ["FINHOP000021M0"]),
        ("relais cap", ["FINMDV000001M0", "FINMDV000002M0", "FINMDV000003M0"]),
        ("hospitali", ["FINHOP000011M0", "FINHOP000012M0"]),
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
        ({"statut__exact": "DECIDEE"}, ["FINMDV000002M0", "FINMDV000003M0"]),
        ({"statut__exact": "EN_ATTENTE_PIECES"}, ["FINHOP000021M0"]),
        ({"statut_paiement__exact": "EFFECTUE"}, ["FINMDV000002M0"]),
        ({"statut_paiement__exact": "EN_COURS"}, ["FINMDV000003M0"]),
        ({"solution__couloir__id__exact": ("couloir", "HOP")}, ["FINHOP000011M0", "FINHOP000012M0", "FINHOP000021M0"]),
        ({"solution__logiciel__id__exact": ("logiciel", "DPI")}, ["FINHOP000012M0"]),
        ({"solution__vague": "2"}, ["FINMDV000003M0"]),
        (
            {"date_depot__gte": "2024-02-01 00:00:00+01:00", "date_depot__lt": "2024-03-01 00:00:00+01:00"},
            ["FINMDV000002M0", "FINMDV000003M0"],
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
    # (the CSV keeps its own order: the latest deposit first)
    assert [l[0] for l in lire_csv(client_gestionnaire.get(lien))[1:]] == attendus[::-1]


def test_fiche_d_une_demande_importee(client_gestionnaire, demande_importee_avec_piece):
    demande = demande_importee_avec_piece
    reponse = client_gestionnaire.get(f"{LISTE}{demande.pk}/change/")
    assert reponse.status_code == 200
    contenu = texte(reponse, lu=True)
    for attendu in (
        "FINMDV000001M0",
        "Avance",
        "Déposée",
        "RELAIS CAP FRANCE AU GAI LOGIS (77625125800013)",
        "mlp525off1",
        "Numéro éditeur 00001",
        "Montant Ségur HT 10 750,00 €",
        "Responsable DURAND",
        "FINESS juridique 020015087",
        # beneficiaries
        "Établissement (FINESS géographique) 020015772",
        "Établissement (FINESS géographique) 020015111",
        # scenario
        "Scénario d'installation",
        "isCentreDeSante oui",
        "operateurMessagerie MAI_15",
        "isDirectToDMP non",
        # expected piece, received
        "MDV-LGC-Va1-BDC-00001.pdf",
        f"({len(PDF)} octets, application/pdf)",
    ):
        assert attendu in contenu, attendu
    # The line as it was in the JSON
    assert "Ligne telle que déposée" in contenu
    assert '"numeroEditeur": "00001"' in contenu and '"FINESSJuridique": "020015087"' in contenu
    assert f"/admin/imports/import/{demande.import_demandes_id}/change/" in reponse.content.decode()
    assert page(reponse).lien("Historique détaillé (toutes les modifications)").attrs["href"] == (
        f"{LISTE}{demande.pk}/history/"
    )
    # Read-only: no form field for the content, no deletion.
    assert 'name="statut"' not in reponse.content.decode() and 'name="montant_ht"' not in reponse.content.decode()
    assert f"{LISTE}{demande.pk}/delete/" not in reponse.content.decode()

    lien = page(reponse).lien("Télécharger MDV-LGC-Va1-BDC-00001.pdf").attrs["href"]
    piece = PieceRecue.objects.get()
    assert lien == f"/pieces-jointes/piece/{piece.pk}/"
    telechargement = client_gestionnaire.get(lien)
    assert telechargement.status_code == 200
    assert contenu_telecharge(telechargement) == PDF
    assert telechargement["Content-Type"] == "application/pdf"
    assert 'filename="MDV-LGC-Va1-BDC-00001.pdf"' in telechargement["Content-Disposition"]


def test_fiche_d_une_demande_sans_piece_recue_ni_import(client_gestionnaire):
    demande = creer_demande(1, pieces=["MDV-LGC-Va1-BDC-X.pdf"], beneficiaires=[("RPPS", rpps(3))])
    contenu = texte(client_gestionnaire.get(f"{LISTE}{demande.pk}/change/"), lu=True)
    assert f"Professionnel libéral (RPPS) {rpps(3)}" in contenu
    assert "MDV-LGC-Va1-BDC-X.pdf" in contenu and "Non reçue" in contenu
    assert "Ligne telle que déposée" in contenu and "Ligne indisponible" in contenu  # no import, no file


def test_fiche_montre_la_ligne_avec_ses_nombres_tels_que_deposes(client_gestionnaire, demande_importee_avec_piece):
    demande = demande_importee_avec_piece
    with demande.import_demandes.fichier.open("rb") as flux:
        assert b'"montantSegurHT": 10750.00' in flux.read()
    contenu = texte(client_gestionnaire.get(f"{LISTE}{demande.pk}/change/"), lu=True)
    assert '"montantSegurHT": 10750.00' in contenu


def test_pieces_et_zips_dans_l_admin(client_gestionnaire, demande_importee_avec_piece):
    piece = PieceRecue.objects.get()
    reponse = client_gestionnaire.get("/admin/piecesjointes/piecerecue/", {"q": "FINMDV000001"})
    assert reponse.status_code == 200
    assert (
        "MDV-LGC-Va1-BDC-00001.pdf" in texte(reponse, lu=True)
        and f"/pieces-jointes/piece/{piece.pk}/" in reponse.content.decode()
    )
    assert "MDV-LGC-Va1-BDC-00001.pdf" not in texte(
        client_gestionnaire.get("/admin/piecesjointes/piecerecue/", {"q": "FINHOP"}), lu=True
    )
    reponse = client_gestionnaire.get("/admin/piecesjointes/zipdepose/", {"q": SIRET_RELAIS})
    assert "pieces.zip" in texte(reponse, lu=True)
    depot = piece.zip_depose
    fiche = texte(client_gestionnaire.get(f"/admin/piecesjointes/zipdepose/{depot.pk}/change/"), lu=True)
    assert "MDV-LGC-Va1-BDC-00001.pdf" in fiche and "Traité" in fiche


def test_nombre_de_requetes_de_la_liste_independant_de_sa_taille(client_gestionnaire, gestionnaire, autre_gestionnaire):
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
        # Half the dossiers taken, by two managers: the column « Gestionnaire » reads them in the same query.
        prises = list(Demande.objects.filter(numero__in=[d.numero for d in demandes[::2]]))
        for demande in prises:
            demande.gestionnaire = gestionnaire if demande.pk % 2 else autre_gestionnaire
        Demande.objects.bulk_update(prises, ["gestionnaire"])

    urls = [
        LISTE,
        f"{LISTE}?statut__exact=DECIDEE",
        f"{LISTE}?q=E1",
        f"{LISTE}?o=3",
        f"{LISTE}?solution__couloir__id__exact={solutions[0].couloir_id}&date_depot__year=2024",
        f"{LISTE}?date_depot__year=2024&date_depot__month=2&date_depot__day=15",
        f"{LISTE}?attribution=miens",
        f"{LISTE}?o=9",  # sorted by gestionnaire
    ]
    creer(1, 10)
    petites = [nombre_de_requetes(client_gestionnaire, url, rechauffer=True) for url in urls]
    assert len(resultats(client_gestionnaire.get(LISTE))) == 10
    creer(11, 990)
    assert Demande.objects.count() == 1000
    grandes = [nombre_de_requetes(client_gestionnaire, url, rechauffer=True) for url in urls]
    assert grandes == petites
    assert len(resultats(client_gestionnaire.get(LISTE))) == 50
    # Pages further down and sorted by fournisseur (o=4): still the same count as the first page of 10 demandes.
    assert nombre_de_requetes(client_gestionnaire, f"{LISTE}?o=4&p=5", rechauffer=True) == nombre_de_requetes(
        client_gestionnaire, f"{LISTE}?o=4", rechauffer=True
    )
