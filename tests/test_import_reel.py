"""The real import (spec §5): « Importer » after a successful simulation of the stored file, dossier
numbering FIN{COULOIR}{6 digits}M{version}, C / M / A, lines rejected at import time, the output
file with the dossier numbers, double submission and concurrent imports (PostgreSQL).

Through the screens (test client: POST /imports/simulation/ then POST /imports/<id>/importer/) and
through the service (imports.services.importer_pour_de_vrai).
"""

import copy
import datetime
import json
import re
import threading
from decimal import Decimal

import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connections
from django.utils import timezone

from demandes.models import Beneficiaire, CompteurDossier, Demande, Fournisseur, PieceAttendue, Solution
from demandes.valeurs import StatutDemande, TypeDemande
from imports import services
from imports.models import ErreurLigne, Import

from .conftest import vers_octets
from .test_ecrans import (
    COLONNES_ERREURS,
    COLONNES_IMPORTS,
    MESSAGE_IMPORT_REFUSE,
    contenu_telecharge,
    desactive,
    import_de,
    page,
    simuler,
    texte,
    utilisateur,
)
from .test_regles import en_liberal, en_solde, finess, ligne_valide, piece, rpps

SUR_POSTGRES = django_settings.DATABASES["default"]["ENGINE"].endswith(("postgresql", "postgis"))
postgres_seulement = pytest.mark.skipif(
    not SUR_POSTGRES, reason="concurrence réelle : verrous de lignes PostgreSQL (la CI tourne sur PostgreSQL)"
)

SIRET_RELAIS, SIRET_UNIKALO, SIRET_HOPITAL = "77625125800013", "87950324100017", "41268937400012"
EN_ATTENTE = "En attente des pièces"


@pytest.fixture(autouse=True)
def environnement(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "fichiers")


# --- helpers ------------------------------------------------------------------------------


def montant(ecrit: str) -> str:
    """A number written exactly as `ecrit` in the file (json.dumps would write 10750.0)."""
    return f"#nombre:{ecrit}"


def en_octets(document: dict) -> bytes:
    return re.sub(rb'"#nombre:([-0-9.eE+]+)"', rb"\1", vers_octets(document))


def document_de(document_ttc, *lignes, numero_ans="mlp525off1", siret=SIRET_RELAIS) -> dict:
    document = copy.deepcopy(document_ttc)
    document["numeroAns"], document["siret"] = numero_ans, siret
    document["lignesImport"] = [copy.deepcopy(ligne) for ligne in lignes]
    return document


def ligne(
    document_ttc, n, *, editeur=None, geo=None, action="C", numero_asp=None, valeur="10750.00", prefixe="MDV-LGC-Va1"
):
    """A valid avance line of the TTC example with its own numeroEditeur, FINESS and file names."""
    resultat = ligne_valide(document_ttc, n, editeur=editeur, geo=geo)
    resultat["typeAction"], resultat["numeroASP"] = action, numero_asp
    resultat["commande"]["montantSegurHT"] = montant(valeur)
    editeur = resultat["numeroEditeur"]
    resultat["piecesJustificatives"] = [piece("BON_COMMANDE", f"{prefixe}-BDC-{editeur}.pdf")]
    return resultat


def ligne_solde(document_ttc, n, *, numero_asp, geo, editeur=None):
    resultat = en_solde(ligne(document_ttc, n, editeur=editeur, geo=geo))
    resultat["numeroASP"] = numero_asp
    return resultat


def simuler_service(
    nom_utilisateur, contenu: bytes, *, type_demande="AVANCE", numero_ans="mlp525off1", taux="20", nom="demandes.json"
) -> Import:
    return services.simuler_import(
        utilisateur=utilisateur(nom_utilisateur),
        type_demande=type_demande,
        numero_ans=numero_ans,
        taux_tva=taux,
        fichier=SimpleUploadedFile(nom, contenu, content_type="application/json"),
    )


def importer_service(nom_utilisateur, import_demandes) -> Import:
    return services.importer_pour_de_vrai(utilisateur=utilisateur(nom_utilisateur), import_id=import_demandes.pk)


def simuler_et_importer(nom_utilisateur, contenu: bytes, **options) -> Import:
    import_demandes = simuler_service(nom_utilisateur, contenu, **options)
    assert import_demandes.simulation_reussie, list(import_demandes.erreurs.values_list("code", "champ", "message"))
    return importer_service(nom_utilisateur, import_demandes)


def pieces_listees(reponse) -> set[tuple[str, str, str]]:
    """(nom, format, type) of each row of the page's tables that have these three columns (the
    step « 2 - Pièces jointes » lists the pieces still expected; other columns may come and go)."""
    colonnes = ("Nom du fichier", "Format", "Type")
    trouvees = set()
    for table in page(reponse).tables:
        if table and set(colonnes) <= set(table[0]):
            rangs = [table[0].index(c) for c in colonnes]
            trouvees |= {tuple(r[i] for i in rangs) for r in table[1:] if len(r) == len(table[0])}
    return trouvees


def sortie_de(import_demandes) -> bytes:
    import_demandes.refresh_from_db()
    with import_demandes.fichier_sortie.open("rb") as flux:
        return flux.read()


def lignes_changees(avant: bytes, apres: bytes) -> list[str]:
    """The lines (stripped) that differ; the replacements never add nor remove a line."""
    lignes_avant, lignes_apres = avant.decode("utf-8-sig").splitlines(), apres.decode("utf-8-sig").splitlines()
    assert len(lignes_avant) == len(lignes_apres)
    return [b.strip() for a, b in zip(lignes_avant, lignes_apres, strict=False) if a != b]


def numeros(queryset=None) -> list[str]:
    return sorted(d.numero_dossier for d in (queryset if queryset is not None else Demande.objects.all()))


def creer_demande_vivante(
    solution, *, identifiants, numero, editeur, type_demande=TypeDemande.AVANCE, statut=StatutDemande.DEPOSEE
) -> Demande:
    """A demande as the real import leaves it (beneficiaries carrying type, couloir, logiciel)."""
    demande = Demande.objects.create(
        numero=numero,
        version=0,
        type_demande=type_demande,
        fournisseur=solution.fournisseur,
        solution=solution,
        numero_editeur=editeur,
        date_commande=datetime.date(2021, 11, 24),
        regime_tva="TTC",
        montant_ht=Decimal("1000.00"),
        statut=statut,
    )
    for identifiant in identifiants:
        Beneficiaire.objects.create(
            demande=demande,
            nature=Beneficiaire.Nature.FINESS_GEO,
            identifiant=identifiant,
            type_demande=type_demande,
            couloir=solution.couloir,
            logiciel=solution.logiciel,
            vivant=statut
            in (
                StatutDemande.EN_ATTENTE_PIECES,
                StatutDemande.DEPOSEE,
                StatutDemande.EN_INSTRUCTION,
                StatutDemande.DECIDEE,
            ),
        )
    return demande


def solution_concurrente(siret, numero_ans="conc525lgc") -> Solution:
    """A solution of another fournisseur in the same couloir and logiciel as mlp525off1 (MDV / LGC)."""
    modele = Solution.objects.get(numero_ans="mlp525off1")
    return Solution.objects.create(
        numero_ans=numero_ans,
        nom="Cabinet concurrent",
        fournisseur=Fournisseur.objects.get(siret=siret),
        couloir=modele.couloir,
        logiciel=modele.logiciel,
        vague=1,
        date_referencement=modele.date_referencement,
        plafond_ht=modele.plafond_ht,
        avance_ouverture=modele.avance_ouverture,
        avance_fermeture=modele.avance_fermeture,
        solde_ouverture=modele.solde_ouverture,
        solde_fermeture=modele.solde_fermeture,
    )


@pytest.fixture
def client_relais(client, demo):
    client.force_login(utilisateur("relais"))
    return client


@pytest.fixture
def trois_lignes(document_ttc) -> bytes:
    """Two structures (FINESS géographiques) and one libéral (RPPS), amounts written with cents."""
    liberal = en_liberal(ligne(document_ttc, 3, valeur="1999.99"), rpps(1))
    return en_octets(
        document_de(
            document_ttc,
            ligne(document_ttc, 1, geo=["020015772", "020015111"], valeur="10750.00"),
            ligne(document_ttc, 2, geo=[finess(2)], valeur="0.10"),
            liberal,
        )
    )


# --- « Importer » only after a successful simulation of this very stored file ----------------


def test_import_refuse_apres_une_simulation_en_erreur(client_relais, document_ttc):
    fautif = document_de(document_ttc, ligne(document_ttc, 1, geo=["020015112"]))  # wrong FINESS key
    import_demandes = import_de(simuler(client_relais, en_octets(fautif)))
    assert import_demandes.resultat == Import.Resultat.ERREURS

    reponse = client_relais.post(f"/imports/{import_demandes.pk}/importer/", follow=True)
    assert reponse.redirect_chain == [(f"/imports/{import_demandes.pk}/", 302)]
    assert MESSAGE_IMPORT_REFUSE in texte(reponse)
    assert desactive(page(reponse).bouton("Importer"))
    import_demandes.refresh_from_db()
    assert import_demandes.etat == Import.Etat.SIMULE and not import_demandes.importe
    assert not Demande.objects.exists() and not Beneficiaire.objects.exists() and not PieceAttendue.objects.exists()
    assert not CompteurDossier.objects.filter(dernier__gt=0).exists()


def test_import_refuse_apres_un_fichier_rejete(client_relais):
    import_demandes = import_de(simuler(client_relais, b"pas du json"))
    with pytest.raises(services.ImportImpossible, match="simulation réussie"):
        importer_service("relais", import_demandes)
    reponse = client_relais.post(f"/imports/{import_demandes.pk}/importer/", follow=True)
    assert MESSAGE_IMPORT_REFUSE in texte(reponse)
    assert not Demande.objects.exists()


def test_import_refuse_si_le_fichier_enregistre_a_ete_altere(client_relais, exemple_ttc):
    import_demandes = import_de(simuler(client_relais, exemple_ttc))
    assert import_demandes.importable
    # Someone rewrites the stored file after its simulation (same size, one digit changed).
    with open(import_demandes.fichier.path, "wb") as flux:
        flux.write(exemple_ttc.replace(b"10750.00", b"11750.00"))

    reponse = client_relais.post(f"/imports/{import_demandes.pk}/importer/", follow=True)
    assert reponse.redirect_chain == [(f"/imports/{import_demandes.pk}/", 302)]
    contenu = texte(reponse)
    assert "altéré" in contenu
    assert "L'import s'est déroulé correctement" not in contenu
    import_demandes.refresh_from_db()
    assert import_demandes.etat == Import.Etat.SIMULE
    assert not Demande.objects.exists() and not Beneficiaire.objects.exists()
    with pytest.raises(services.ImportImpossible, match="altéré"):
        importer_service("relais", import_demandes)
    assert not Demande.objects.exists()


def test_import_inconnu_ou_d_un_autre_fournisseur_par_le_service(demo, exemple_ttc):
    import_demandes = simuler_service("relais", exemple_ttc)
    with pytest.raises(Import.DoesNotExist):
        importer_service("unikalo", import_demandes)
    assert not Demande.objects.exists()
    import_demandes.refresh_from_db()
    assert import_demandes.importable


# --- A valid file of three lines through the screens ---------------------------------------


def test_import_reel_de_trois_demandes(client_relais, trois_lignes):
    import_demandes = import_de(simuler(client_relais, trois_lignes, nom="trois demandes.json"))
    assert import_demandes.simulation_reussie and import_demandes.nb_lignes == 3
    assert not Demande.objects.exists()  # a simulation creates nothing

    reponse = client_relais.post(f"/imports/{import_demandes.pk}/importer/")
    assert reponse.status_code == 302 and reponse["Location"] == f"/pieces-jointes/{import_demandes.pk}/"

    import_demandes.refresh_from_db()
    assert import_demandes.etat == Import.Etat.IMPORTE and import_demandes.importe and not import_demandes.importable
    assert (import_demandes.nb_retenues, import_demandes.nb_rejetees) == (3, 0)
    assert import_demandes.date_import is not None

    demandes = list(Demande.objects.order_by("rang"))
    assert [d.numero for d in demandes] == ["FINMDV000001", "FINMDV000002", "FINMDV000003"]
    assert [d.version for d in demandes] == [0, 0, 0]
    assert [d.numero_dossier for d in demandes] == ["FINMDV000001M0", "FINMDV000002M0", "FINMDV000003M0"]
    assert CompteurDossier.objects.get(couloir__code="MDV").dernier == 3
    for rang, demande in enumerate(demandes, start=1):
        assert demande.statut == StatutDemande.EN_ATTENTE_PIECES
        assert demande.get_statut_display() == EN_ATTENTE
        assert demande.statut_paiement == ""
        assert demande.type_demande == TypeDemande.AVANCE
        assert demande.fournisseur.siret == SIRET_RELAIS and demande.solution.numero_ans == "mlp525off1"
        assert demande.import_demandes_id == import_demandes.pk and demande.rang == rang
        assert demande.numero_editeur == f"{rang:05d}"
        assert demande.date_commande == datetime.date(2021, 11, 24)
        assert demande.regime_tva == "TTC"
        assert demande.avance is None

    # Exact decimals, read back from the database
    assert [str(d.montant_ht) for d in Demande.objects.order_by("rang")] == ["10750.00", "0.10", "1999.99"]
    assert Demande.objects.get(numero="FINMDV000001").montant_ht == Decimal("10750.00")

    premiere, seconde, liberal = demandes
    assert premiere.commande_pour == "STRUCTURE" and premiere.nom_responsable == "DURAND"
    assert premiere.email_responsable == "durand@mail.com" and premiere.finess_juridique == "020015087"
    assert premiere.scenario["operateurMessagerie"] == "MAI_15"
    assert sorted(premiere.beneficiaires.values_list("nature", "identifiant")) == [
        ("FINESS_GEO", "020015111"),
        ("FINESS_GEO", "020015772"),
    ]
    assert list(seconde.beneficiaires.values_list("nature", "identifiant")) == [("FINESS_GEO", finess(2))]
    assert liberal.commande_pour == "LIBERAL" and liberal.is_client_unique
    beneficiaire = liberal.beneficiaires.get()
    assert (beneficiaire.nature, beneficiaire.identifiant, beneficiaire.nom) == ("RPPS", rpps(1), "MARTIN 0")
    assert beneficiaire.email == "martin0@cabinet.fr"
    for b in Beneficiaire.objects.all():
        assert (b.type_demande, b.couloir.code, b.logiciel.code, b.vivant) == ("AVANCE", "MDV", "LGC", True)

    assert list(
        PieceAttendue.objects.order_by("demande__rang").values_list(
            "demande__numero", "nom_fichier", "format_fichier", "type_fichier"
        )
    ) == [
        ("FINMDV000001", "MDV-LGC-Va1-BDC-00001.pdf", "PDF", "BON_COMMANDE"),
        ("FINMDV000002", "MDV-LGC-Va1-BDC-00002.pdf", "PDF", "BON_COMMANDE"),
        ("FINMDV000003", "MDV-LGC-Va1-BDC-00003.pdf", "PDF", "BON_COMMANDE"),
    ]

    # « 2 - Pièces jointes » lists what each demande expects
    etape = client_relais.get(reponse["Location"])
    assert etape.status_code == 200
    contenu = texte(etape)
    assert "L'import s'est déroulé correctement : 3 demande(s) retenue(s), 0 demande(s) rejetée(s)." in contenu
    assert pieces_listees(etape) == {
        ("MDV-LGC-Va1-BDC-00001.pdf", "PDF", "BON_COMMANDE"),
        ("MDV-LGC-Va1-BDC-00002.pdf", "PDF", "BON_COMMANDE"),
        ("MDV-LGC-Va1-BDC-00003.pdf", "PDF", "BON_COMMANDE"),
    }
    for numero in ("FINMDV000001M0", "FINMDV000002M0", "FINMDV000003M0"):
        assert numero in contenu
    assert page(etape).lien("2 - Pièces jointes").attrs.get("aria-current") == "step"

    # The import screen: « Importer » disabled, « Etape suivante » is now a link
    ecran_reponse = client_relais.get(f"/imports/{import_demandes.pk}/")
    ecran = page(ecran_reponse)
    assert desactive(ecran.bouton("Importer"))
    assert f'action="/imports/{import_demandes.pk}/importer/"' not in ecran_reponse.content.decode()
    assert ecran.lien("Etape suivante").attrs["href"] == f"/pieces-jointes/{import_demandes.pk}/"
    assert "Etape suivante" not in [b.texte for b in ecran.boutons]
    assert "3 demande(s) retenue(s), 0 demande(s) rejetée(s)" in texte(ecran_reponse)


def test_fichier_de_sortie_apres_l_import(client_relais, trois_lignes):
    import_demandes = import_de(simuler(client_relais, trois_lignes, nom="trois demandes.json"))
    client_relais.post(f"/imports/{import_demandes.pk}/importer/")
    import_demandes.refresh_from_db()

    # Downloadable from the import screen …
    ecran = page(client_relais.get(f"/imports/{import_demandes.pk}/"))
    lien = ecran.lien("Télécharger le fichier de sortie").attrs["href"]
    assert lien == f"/imports/{import_demandes.pk}/sortie/"
    telechargement = client_relais.get(lien)
    assert telechargement.status_code == 200
    assert telechargement["Content-Disposition"].startswith("attachment")
    assert 'filename="trois demandes_sortie.json"' in telechargement["Content-Disposition"]
    sortie = contenu_telecharge(telechargement)
    assert sortie == sortie_de(import_demandes)

    # … and from the table of imports
    liste = page(client_relais.get("/imports/"))
    assert liste.lien("Sortie").attrs["href"] == f"/imports/{import_demandes.pk}/sortie/"
    assert contenu_telecharge(client_relais.get(liste.lien("Sortie").attrs["href"])) == sortie
    assert liste.lien("JSON").attrs["href"] == f"/imports/{import_demandes.pk}/fichier/"
    assert contenu_telecharge(client_relais.get(f"/imports/{import_demandes.pk}/fichier/")) == trois_lignes

    document = json.loads(sortie)
    assert document["impId"] == import_demandes.pk
    for rang, ligne_sortie in enumerate(document["lignesImport"], start=1):
        numero = f"FINMDV{rang:06d}M0"
        assert ligne_sortie["numeroASP"] == numero
        assert ligne_sortie["codeTraitement"] == "OK"
        assert ligne_sortie["libelleTraitement"] == f"Demande créée : {numero}"

    # Every other byte as uploaded: only impId and, per line, numeroASP and the two codes change.
    attendues = [f'"impId": {import_demandes.pk},']
    for rang in range(1, 4):
        numero = f"FINMDV{rang:06d}M0"
        attendues += [
            f'"numeroASP": "{numero}",',
            '"codeTraitement": "OK",',
            f'"libelleTraitement": "Demande créée : {numero}"',
        ]
    assert lignes_changees(trois_lignes, sortie) == attendues
    assert b'"montantSegurHT": 10750.00\n' in sortie and b'"montantSegurHT": 0.10\n' in sortie


def test_fichier_de_sortie_garde_bom_et_fins_de_ligne(demo, exemple_ttc):
    televerse = b"\xef\xbb\xbf" + exemple_ttc.replace(b"\n", b"\r\n")
    import_demandes = simuler_et_importer("relais", televerse)
    sortie = sortie_de(import_demandes)
    assert sortie.startswith(b"\xef\xbb\xbf") and sortie.count(b"\r\n") == televerse.count(b"\r\n")
    assert lignes_changees(televerse, sortie) == [
        f'"impId": {import_demandes.pk},',
        '"numeroASP": "FINMDV000001M0",',
        '"codeTraitement": "OK",',
        '"libelleTraitement": "Demande créée : FINMDV000001M0"',
    ]


# --- numbering ------------------------------------------------------------------------------


def test_numerotation_continue_d_un_import_a_l_autre_et_par_couloir(client, demo, document_ttc, exemple_ttc):
    client.force_login(utilisateur("relais"))
    premier = import_de(simuler(client, exemple_ttc))
    assert client.post(f"/imports/{premier.pk}/importer/").status_code == 302
    assert numeros() == ["FINMDV000001M0"]

    second = import_de(
        simuler(
            client,
            en_octets(
                document_de(
                    document_ttc,
                    ligne(document_ttc, 1, editeur="B1", geo=[finess(11)]),
                    ligne(document_ttc, 2, editeur="B2", geo=[finess(12)]),
                )
            ),
        )
    )
    client.post(f"/imports/{second.pk}/importer/")
    assert numeros(Demande.objects.filter(import_demandes=second)) == ["FINMDV000002M0", "FINMDV000003M0"]

    # Another couloir has its own sequence (hopital: bnd52qq600, HOP / RI).
    client.force_login(utilisateur("hopital"))
    hop = document_de(
        document_ttc,
        ligne(document_ttc, 1, geo=["020015772"], prefixe="HOP-RI-Va1"),
        numero_ans="bnd52qq600",
        siret=SIRET_HOPITAL,
    )
    import_hop = import_de(simuler(client, en_octets(hop), numero_ans="bnd52qq600"))
    assert import_hop.simulation_reussie, list(import_hop.erreurs.values_list("code", "message"))
    assert client.post(f"/imports/{import_hop.pk}/importer/")["Location"] == f"/pieces-jointes/{import_hop.pk}/"
    demande_hop = Demande.objects.get(import_demandes=import_hop)
    assert demande_hop.numero_dossier == "FINHOP000001M0"
    assert demande_hop.fournisseur.siret == SIRET_HOPITAL
    assert dict(CompteurDossier.objects.values_list("couloir__code", "dernier")) == {"MDV": 3, "HOP": 1}

    # … and MDV goes on where it stopped
    client.force_login(utilisateur("relais"))
    troisieme = import_de(
        simuler(client, en_octets(document_de(document_ttc, ligne(document_ttc, 1, editeur="C1", geo=[finess(13)]))))
    )
    client.post(f"/imports/{troisieme.pk}/importer/")
    assert numeros(Demande.objects.filter(import_demandes=troisieme)) == ["FINMDV000004M0"]


def test_les_soldes_partagent_la_sequence_du_couloir(demo, document_ttc):
    avance = simuler_et_importer(
        "relais", en_octets(document_de(document_ttc, ligne(document_ttc, 1, geo=[finess(1)])))
    )
    demande_avance = Demande.objects.get(import_demandes=avance)
    solde = simuler_et_importer(
        "relais",
        en_octets(document_de(document_ttc, ligne_solde(document_ttc, 1, numero_asp=None, geo=[finess(2)]))),
        type_demande="SOLDE",
    )
    assert demande_avance.numero_dossier == "FINMDV000001M0"
    assert Demande.objects.get(import_demandes=solde).numero_dossier == "FINMDV000002M0"


# --- lines rejected at import time -----------------------------------------------------------


def _deux_lignes(document_ttc) -> bytes:
    return en_octets(
        document_de(document_ttc, ligne(document_ttc, 1, geo=[finess(1)]), ligne(document_ttc, 2, geo=[finess(2)]))
    )


def test_ligne_rejetee_a_l_import_par_un_autre_import_entre_temps(client_relais, document_ttc):
    import_demandes = import_de(simuler(client_relais, _deux_lignes(document_ttc), nom="deux.json"))
    assert import_demandes.simulation_reussie

    # Meanwhile another file of the same fournisseur funds the beneficiary of line 2.
    autre = import_de(
        simuler(
            client_relais,
            en_octets(document_de(document_ttc, ligne(document_ttc, 1, editeur="AUTRE1", geo=[finess(2)]))),
            nom="autre.json",
        )
    )
    client_relais.post(f"/imports/{autre.pk}/importer/")
    assert numeros() == ["FINMDV000001M0"]

    reponse = client_relais.post(f"/imports/{import_demandes.pk}/importer/")
    assert reponse["Location"] == f"/pieces-jointes/{import_demandes.pk}/"
    import_demandes.refresh_from_db()
    assert (import_demandes.nb_retenues, import_demandes.nb_rejetees) == (1, 1)
    assert import_demandes.etat == Import.Etat.IMPORTE
    retenue = Demande.objects.get(import_demandes=import_demandes)
    assert (retenue.numero_dossier, retenue.numero_editeur) == ("FINMDV000002M0", "00001")
    assert Demande.objects.count() == 2

    message = (
        f"le bénéficiaire {finess(2)} a déjà une demande d'avance en cours pour une solution MDV / LGC (FINMDV000001M0)"
    )
    document = json.loads(sortie_de(import_demandes))
    premiere, seconde = document["lignesImport"]
    assert (premiere["codeTraitement"], premiere["libelleTraitement"], premiere["numeroASP"]) == (
        "OK",
        "Demande créée : FINMDV000002M0",
        "FINMDV000002M0",
    )
    assert seconde["codeTraitement"] == "E306" and seconde["numeroASP"] is None
    assert seconde["libelleTraitement"] == f"E306 beneficiaires.structure.FINESSGeo[0] : {message}"

    ecran = client_relais.get(f"/imports/{import_demandes.pk}/")
    assert page(ecran).table(COLONNES_ERREURS) == [
        ["2", "00002", "E306", "beneficiaires.structure.FINESSGeo[0]", message]
    ]
    assert "1 demande(s) retenue(s), 1 demande(s) rejetée(s)" in texte(ecran)
    assert list(ErreurLigne.objects.filter(import_demandes=import_demandes).values_list("code", flat=True)) == ["E306"]

    lignes = page(client_relais.get("/imports/")).table(COLONNES_IMPORTS)[1:]
    ligne_import = next(l for l in lignes if l[0] == str(import_demandes.pk))
    assert ligne_import[4:8] == ["deux.json", "2", "1", "1"]

    etape = client_relais.get(f"/pieces-jointes/{import_demandes.pk}/")
    assert pieces_listees(etape) == {("MDV-LGC-Va1-BDC-00001.pdf", "PDF", "BON_COMMANDE")}
    assert "MDV-LGC-Va1-BDC-00002.pdf" not in texte(etape)


def test_ligne_rejetee_a_l_import_par_une_demande_d_un_autre_fournisseur(demo, document_ttc):
    """The duplicate was created directly in the database by another fournisseur of the same couloir
    and logiciel: the line is rejected and the other fournisseur's dossier number is not disclosed."""
    import_demandes = simuler_service("relais", _deux_lignes(document_ttc))
    assert import_demandes.simulation_reussie
    concurrente = solution_concurrente(SIRET_UNIKALO)
    creer_demande_vivante(concurrente, identifiants=[finess(1)], numero="FINMDV000777", editeur="U1")

    importer_service("relais", import_demandes)
    import_demandes.refresh_from_db()
    assert (import_demandes.nb_retenues, import_demandes.nb_rejetees) == (1, 1)
    assert Demande.objects.get(import_demandes=import_demandes).numero_editeur == "00002"
    premiere = json.loads(sortie_de(import_demandes))["lignesImport"][0]
    assert premiere["codeTraitement"] == "E306" and premiere["numeroASP"] is None
    assert "FINMDV000777" not in premiere["libelleTraitement"]
    assert "pour une solution MDV / LGC" in premiere["libelleTraitement"]


def test_toutes_les_lignes_rejetees_a_l_import(client_relais, document_ttc):
    import_demandes = import_de(simuler(client_relais, _deux_lignes(document_ttc)))
    solution = Solution.objects.get(numero_ans="mlp525off1")
    creer_demande_vivante(solution, identifiants=[finess(1)], numero="FINMDV000501", editeur="X1")
    creer_demande_vivante(solution, identifiants=[finess(2)], numero="FINMDV000502", editeur="X2")

    reponse = client_relais.post(f"/imports/{import_demandes.pk}/importer/", follow=True)
    assert reponse.redirect_chain[-1] == (f"/pieces-jointes/{import_demandes.pk}/", 302)
    assert reponse.status_code == 200 and not pieces_listees(reponse)
    assert "MDV-LGC-Va1-BDC-0000" not in texte(reponse)
    import_demandes.refresh_from_db()
    assert (import_demandes.nb_retenues, import_demandes.nb_rejetees, import_demandes.etat) == (
        0,
        2,
        Import.Etat.IMPORTE,
    )
    assert not Demande.objects.filter(import_demandes=import_demandes).exists()
    assert CompteurDossier.objects.get(couloir__code="MDV").dernier == 0  # no number is burnt
    assert [l["codeTraitement"] for l in json.loads(sortie_de(import_demandes))["lignesImport"]] == ["E306", "E306"]


def test_numero_editeur_pris_entre_temps_rejete_en_e104(demo, document_ttc):
    import_demandes = simuler_service("relais", _deux_lignes(document_ttc))
    creer_demande_vivante(
        Solution.objects.get(numero_ans="mlp525off1"), identifiants=[finess(40)], numero="FINMDV000600", editeur="00002"
    )
    importer_service("relais", import_demandes)
    import_demandes.refresh_from_db()
    assert (import_demandes.nb_retenues, import_demandes.nb_rejetees) == (1, 1)
    assert json.loads(sortie_de(import_demandes))["lignesImport"][1]["codeTraitement"] == "E104"


# --- typeAction M and A ---------------------------------------------------------------------


def _premiere_avance(document_ttc) -> Demande:
    simuler_et_importer(
        "relais", en_octets(document_de(document_ttc, ligne(document_ttc, 1, geo=[finess(1), finess(2)])))
    )
    return Demande.objects.get()


def test_modification_remplace_le_contenu_et_incremente_la_version(client_relais, document_ttc):
    demande = _premiere_avance(document_ttc)
    assert demande.numero_dossier == "FINMDV000001M0"

    modifiee = ligne(document_ttc, 1, action="M", numero_asp="FINMDV000001M0", geo=[finess(3)], valeur="9999.99")
    modifiee["commande"]["dateCommande"] = "01/12/2021"
    modifiee["piecesJustificatives"].append(piece("AUTRE", "MDV-LGC-Va1-AUT-00001.pdf"))
    televerse = en_octets(document_de(document_ttc, modifiee))
    import_demandes = import_de(simuler(client_relais, televerse, nom="modif.json"))
    assert import_demandes.simulation_reussie, list(import_demandes.erreurs.values_list("code", "message"))
    assert (
        client_relais.post(f"/imports/{import_demandes.pk}/importer/")["Location"]
        == f"/pieces-jointes/{import_demandes.pk}/"
    )

    demande.refresh_from_db()
    assert Demande.objects.count() == 1
    assert (demande.numero, demande.version, demande.numero_dossier) == ("FINMDV000001", 1, "FINMDV000001M1")
    assert demande.montant_ht == Decimal("9999.99") and demande.date_commande == datetime.date(2021, 12, 1)
    assert demande.import_demandes_id == import_demandes.pk
    assert demande.statut == StatutDemande.EN_ATTENTE_PIECES
    assert list(demande.beneficiaires.values_list("identifiant", flat=True)) == [finess(3)]
    assert sorted(demande.pieces_attendues.values_list("nom_fichier", flat=True)) == [
        "MDV-LGC-Va1-AUT-00001.pdf",
        "MDV-LGC-Va1-BDC-00001.pdf",
    ]
    assert CompteurDossier.objects.get(couloir__code="MDV").dernier == 1  # no new number for a modification

    import_demandes.refresh_from_db()
    assert (import_demandes.nb_retenues, import_demandes.nb_rejetees) == (1, 0)
    sortie = sortie_de(import_demandes)
    ligne_sortie = json.loads(sortie)["lignesImport"][0]
    assert ligne_sortie["codeTraitement"] == "OK"
    assert ligne_sortie["libelleTraitement"] == "Demande modifiée : FINMDV000001M1"
    assert ligne_sortie["numeroASP"] == "FINMDV000001M1"
    assert lignes_changees(televerse, sortie) == [
        f'"impId": {import_demandes.pk},',
        '"numeroASP": "FINMDV000001M1",',
        '"codeTraitement": "OK",',
        '"libelleTraitement": "Demande modifiée : FINMDV000001M1"',
    ]

    # the freed beneficiaries can be funded again, the new one cannot
    nouvelle = simuler_service(
        "relais",
        en_octets(
            document_de(
                document_ttc,
                ligne(document_ttc, 1, editeur="N1", geo=[finess(1)]),
                ligne(document_ttc, 2, editeur="N2", geo=[finess(3)]),
            )
        ),
    )
    assert [e for e in nouvelle.erreurs.values_list("rang", "code")] == [(2, "E306")]

    # the demande page shows the current version
    contenu = texte(client_relais.get(f"/demandes/{demande.pk}/"))
    assert "FINMDV000001M1" in contenu and "Version : M1" in contenu


def test_modification_d_une_version_depassee_rejetee(demo, document_ttc):
    demande = _premiere_avance(document_ttc)

    def fichier_m(valeur, editeur="00001"):
        return en_octets(
            document_de(
                document_ttc,
                ligne(
                    document_ttc,
                    1,
                    editeur=editeur,
                    action="M",
                    numero_asp="FINMDV000001M0",
                    geo=[finess(1)],
                    valeur=valeur,
                ),
            )
        )

    # two files modify M0; both simulate, the first one imported wins
    premier, second = simuler_service("relais", fichier_m("5000.00")), simuler_service("relais", fichier_m("6000.00"))
    assert premier.simulation_reussie and second.simulation_reussie
    importer_service("relais", premier)
    importer_service("relais", second)
    second.refresh_from_db()
    assert (second.nb_retenues, second.nb_rejetees) == (0, 1)
    demande.refresh_from_db()
    assert (demande.numero_dossier, demande.montant_ht) == ("FINMDV000001M1", Decimal("5000.00"))
    ligne_sortie = json.loads(sortie_de(second))["lignesImport"][0]
    assert ligne_sortie["codeTraitement"] == "E103"
    assert "version dépassée : la version actuelle est FINMDV000001M1" in ligne_sortie["libelleTraitement"]
    assert ligne_sortie["numeroASP"] == "FINMDV000001M0"  # a rejected line keeps what the supplier wrote

    # simulated now, the outdated number is an error of the simulation itself
    troisieme = simuler_service("relais", fichier_m("7000.00"))
    assert troisieme.resultat == Import.Resultat.ERREURS
    assert list(troisieme.erreurs.values_list("code", "champ")) == [("E103", "numeroASP")]
    with pytest.raises(services.ImportImpossible):
        importer_service("relais", troisieme)


def test_modification_d_une_demande_en_instruction_rejetee(demo, document_ttc):
    demande = _premiere_avance(document_ttc)
    fichier_m = en_octets(
        document_de(
            document_ttc,
            ligne(document_ttc, 1, action="M", numero_asp="FINMDV000001M0", geo=[finess(1)], valeur="5000.00"),
        )
    )
    import_demandes = simuler_service("relais", fichier_m)
    assert import_demandes.simulation_reussie
    demande.statut = StatutDemande.EN_INSTRUCTION
    demande.save()

    importer_service("relais", import_demandes)
    import_demandes.refresh_from_db()
    assert (import_demandes.nb_retenues, import_demandes.nb_rejetees) == (0, 1)
    demande.refresh_from_db()
    assert (demande.version, demande.montant_ht, demande.statut) == (
        0,
        Decimal("10750.00"),
        StatutDemande.EN_INSTRUCTION,
    )
    ligne_sortie = json.loads(sortie_de(import_demandes))["lignesImport"][0]
    assert ligne_sortie["codeTraitement"] == "E103"
    assert "ne peut plus être modifiée ni annulée (statut : En instruction)" in ligne_sortie["libelleTraitement"]

    # and the simulation refuses it from now on, for M as for A
    for action in ("M", "A"):
        contenu = fichier_m.replace(b'"typeAction": "M"', f'"typeAction": "{action}"'.encode())
        assert list(simuler_service("relais", contenu).erreurs.values_list("code", flat=True)) == ["E103"]


def test_annulation_puis_nouvelle_creation_pour_le_meme_beneficiaire(client_relais, document_ttc):
    demande = _premiere_avance(document_ttc)
    annulation = en_octets(
        document_de(
            document_ttc, ligne(document_ttc, 1, action="A", numero_asp="FINMDV000001M0", geo=[finess(1), finess(2)])
        )
    )
    import_demandes = import_de(simuler(client_relais, annulation))
    assert import_demandes.simulation_reussie, list(import_demandes.erreurs.values_list("code", "message"))
    client_relais.post(f"/imports/{import_demandes.pk}/importer/")

    demande.refresh_from_db()
    assert demande.statut == StatutDemande.ANNULEE and demande.get_statut_display() == "Annulée"
    assert demande.numero_dossier == "FINMDV000001M0"
    assert not demande.beneficiaires.filter(vivant=True).exists()
    ligne_sortie = json.loads(sortie_de(import_demandes))["lignesImport"][0]
    assert (ligne_sortie["codeTraitement"], ligne_sortie["libelleTraitement"]) == (
        "OK",
        "Demande annulée : FINMDV000001M0",
    )
    assert "Annulée" in texte(client_relais.get(f"/demandes/{demande.pk}/"))

    # A new C for the same beneficiary (and even the same numéro éditeur) now passes.
    nouvelle = import_de(
        simuler(client_relais, en_octets(document_de(document_ttc, ligne(document_ttc, 1, geo=[finess(1), finess(2)]))))
    )
    assert nouvelle.simulation_reussie, list(nouvelle.erreurs.values_list("code", "message"))
    client_relais.post(f"/imports/{nouvelle.pk}/importer/")
    nouvelle.refresh_from_db()
    assert (nouvelle.nb_retenues, nouvelle.nb_rejetees) == (1, 0)
    assert Demande.objects.get(import_demandes=nouvelle).numero_dossier == "FINMDV000002M0"

    # a cancelled demande can be neither modified nor cancelled again
    encore = simuler_service("relais", annulation)
    assert list(encore.erreurs.values_list("code", flat=True)) == ["E103"]


@pytest.mark.parametrize("par", ["rejet-par-le-gestionnaire", "annulation-par-une-ligne-a"])
def test_demande_rejetee_par_l_asp_ne_bloque_plus_le_beneficiaire(demo, document_ttc, par):
    demande = _premiere_avance(document_ttc)
    if par == "rejet-par-le-gestionnaire":
        from demandes import services as demandes_services

        demande.statut = StatutDemande.DEPOSEE  # pieces complete
        demande.save()
        faites, refusees = demandes_services.changer_statut(
            Demande.objects.filter(pk=demande.pk),
            transition="rejet",
            utilisateur=utilisateur("gestionnaire"),
            motif="Pièces illisibles",
        )
        assert len(faites) == 1 and not refusees
    else:
        # The status changes through the services only (a save() of a Demande leaves `vivant` alone).
        annulation = ligne(document_ttc, 1, action="A", numero_asp="FINMDV000001M0", geo=[finess(1), finess(2)])
        simuler_et_importer("relais", en_octets(document_de(document_ttc, annulation)))
    demande.refresh_from_db()
    assert demande.statut in (StatutDemande.REJETEE, StatutDemande.ANNULEE)

    nouvelle = simuler_service(
        "relais", en_octets(document_de(document_ttc, ligne(document_ttc, 1, editeur="N1", geo=[finess(1), finess(2)])))
    )
    assert nouvelle.simulation_reussie  # E306 no longer sees a live demande …
    importer_service("relais", nouvelle)  # … but the beneficiaries still block in the database
    nouvelle.refresh_from_db()
    assert (nouvelle.nb_retenues, nouvelle.nb_rejetees) == (1, 0)


def test_modification_vers_un_numero_editeur_deja_pris(demo, document_ttc):
    simuler_et_importer(
        "relais",
        en_octets(
            document_de(document_ttc, ligne(document_ttc, 1, geo=[finess(1)]), ligne(document_ttc, 2, geo=[finess(2)]))
        ),
    )
    modification = simuler_service(
        "relais",
        en_octets(
            document_de(
                document_ttc,
                ligne(document_ttc, 1, editeur="00002", action="M", numero_asp="FINMDV000001M0", geo=[finess(1)]),
            )
        ),
    )
    if modification.simulation_reussie:
        importer_service("relais", modification)  # raises IntegrityError today
        modification.refresh_from_db()
        assert (modification.nb_retenues, modification.nb_rejetees) == (0, 1)
    else:
        assert "E104" in modification.erreurs.values_list("code", flat=True)
    assert sorted(Demande.objects.values_list("numero_editeur", flat=True)) == ["00001", "00002"]


def test_deux_modifications_du_meme_dossier_dans_un_fichier(demo, document_ttc):
    _premiere_avance(document_ttc)
    import_demandes = simuler_service(
        "relais",
        en_octets(
            document_de(
                document_ttc,
                ligne(
                    document_ttc,
                    1,
                    editeur="00001",
                    action="M",
                    numero_asp="FINMDV000001M0",
                    geo=[finess(1)],
                    valeur="5000.00",
                ),
                ligne(
                    document_ttc,
                    2,
                    editeur="00001b",
                    action="M",
                    numero_asp="FINMDV000001M0",
                    geo=[finess(2)],
                    valeur="6000.00",
                ),
            )
        ),
    )
    if import_demandes.simulation_reussie:
        importer_service("relais", import_demandes)
        import_demandes.refresh_from_db()
        assert (import_demandes.nb_retenues, import_demandes.nb_rejetees) == (1, 1)
    assert Demande.objects.get().version <= 1


# --- solde referencing its avance -----------------------------------------------------------


def test_solde_rattache_a_une_avance_decidee(client_relais, document_ttc):
    avance = _premiere_avance(document_ttc)
    avance.statut = StatutDemande.DECIDEE
    avance.save()

    solde = en_octets(
        document_de(document_ttc, ligne_solde(document_ttc, 1, numero_asp="FINMDV000001M0", geo=[finess(1), finess(2)]))
    )
    import_demandes = import_de(simuler(client_relais, solde, type_demande="SOLDE"))
    assert import_demandes.simulation_reussie, list(import_demandes.erreurs.values_list("code", "message"))
    client_relais.post(f"/imports/{import_demandes.pk}/importer/")

    import_demandes.refresh_from_db()
    assert (import_demandes.nb_retenues, import_demandes.nb_rejetees) == (1, 0)
    demande_solde = Demande.objects.get(import_demandes=import_demandes)
    assert demande_solde.type_demande == TypeDemande.SOLDE
    assert demande_solde.avance_id == avance.pk
    assert demande_solde.numero_dossier == "FINMDV000002M0"
    assert list(avance.soldes.all()) == [demande_solde]
    assert sorted(demande_solde.pieces_attendues.values_list("type_fichier", flat=True)) == ["FACTURE", "PV_VSR"]
    ligne_sortie = json.loads(sortie_de(import_demandes))["lignesImport"][0]
    assert ligne_sortie["libelleTraitement"] == "Demande créée : FINMDV000002M0"
    assert "Avance : FINMDV000001M0" in texte(client_relais.get(f"/demandes/{demande_solde.pk}/"))


def test_solde_d_une_avance_non_decidee_rejete(demo, document_ttc):
    _premiere_avance(document_ttc)  # « En attente des pièces »
    solde = en_octets(
        document_de(document_ttc, ligne_solde(document_ttc, 1, numero_asp="FINMDV000001M0", geo=[finess(1), finess(2)]))
    )
    import_demandes = simuler_service("relais", solde, type_demande="SOLDE")
    assert import_demandes.resultat == Import.Resultat.ERREURS
    assert list(import_demandes.erreurs.values_list("code", "message")) == [
        ("E103", "l'avance FINMDV000001M0 n'est pas décidée")
    ]
    with pytest.raises(services.ImportImpossible):
        importer_service("relais", import_demandes)
    assert Demande.objects.count() == 1


def test_solde_dont_l_avance_n_est_plus_decidee_au_moment_de_l_import(demo, document_ttc):
    avance = _premiere_avance(document_ttc)
    avance.statut = StatutDemande.DECIDEE
    avance.save()
    import_demandes = simuler_service(
        "relais",
        en_octets(
            document_de(document_ttc, ligne_solde(document_ttc, 1, numero_asp="FINMDV000001M0", geo=[finess(1)]))
        ),
        type_demande="SOLDE",
    )
    assert import_demandes.simulation_reussie
    avance.statut = StatutDemande.REJETEE
    avance.save()
    importer_service("relais", import_demandes)
    import_demandes.refresh_from_db()
    assert (import_demandes.nb_retenues, import_demandes.nb_rejetees) == (0, 1)
    assert not Demande.objects.filter(type_demande=TypeDemande.SOLDE).exists()


# --- double submission ----------------------------------------------------------------------


def test_double_soumission_sequentielle(client_relais, trois_lignes):
    import_demandes = import_de(simuler(client_relais, trois_lignes))
    premier = importer_service("relais", import_demandes)
    second = importer_service("relais", import_demandes)
    assert second.pk == premier.pk and second.etat == Import.Etat.IMPORTE
    assert (second.nb_retenues, second.nb_rejetees) == (3, 0)
    assert Demande.objects.count() == 3 and Beneficiaire.objects.count() == 4 and PieceAttendue.objects.count() == 3
    assert CompteurDossier.objects.get(couloir__code="MDV").dernier == 3
    sortie = sortie_de(import_demandes)

    # a second click on the screen: back to the pieces, nothing created, no second success message
    reponse = client_relais.post(f"/imports/{import_demandes.pk}/importer/", follow=True)
    assert reponse.redirect_chain == [(f"/pieces-jointes/{import_demandes.pk}/", 302)]
    assert "L'import s'est déroulé correctement" not in texte(reponse)
    assert MESSAGE_IMPORT_REFUSE not in texte(reponse)
    assert Demande.objects.count() == 3
    assert sortie_de(import_demandes) == sortie
    assert ErreurLigne.objects.count() == 0


# --- deposit window closed between simulation and import --------------------------------------


def test_fenetre_fermee_entre_simulation_et_import(client_relais, exemple_ttc):
    import_demandes = import_de(simuler(client_relais, exemple_ttc))
    assert import_demandes.importable
    solution = Solution.objects.get(numero_ans="mlp525off1")
    fermeture = solution.avance_fermeture
    solution.avance_fermeture = timezone.now() - datetime.timedelta(days=1)
    solution.save()

    reponse = client_relais.post(f"/imports/{import_demandes.pk}/importer/", follow=True)
    assert reponse.redirect_chain == [(f"/imports/{import_demandes.pk}/", 302)]
    assert "fermée" in texte(reponse)
    assert not Demande.objects.exists() and not Beneficiaire.objects.exists()
    import_demandes.refresh_from_db()
    assert import_demandes.etat == Import.Etat.SIMULE and import_demandes.importable
    assert not CompteurDossier.objects.filter(dernier__gt=0).exists()
    with pytest.raises(services.ImportImpossible, match="fermée"):
        importer_service("relais", import_demandes)

    # reopened later: the same import can be imported
    solution.avance_fermeture = fermeture
    solution.save()
    assert (
        client_relais.post(f"/imports/{import_demandes.pk}/importer/")["Location"]
        == f"/pieces-jointes/{import_demandes.pk}/"
    )
    assert numeros() == ["FINMDV000001M0"]


# --- concurrency (PostgreSQL) -----------------------------------------------------------------


@pytest.fixture
def demo_transactionnel(transactional_db):
    """A transactional test starts from whatever the previous one left: reload the référentiels."""
    from demandes import referentiels
    from demandes.management.commands.seed_demo import creer_donnees_demo
    from demandes.models import Couloir, Logiciel, OperateurMessagerie, TypePiece

    referentiels.charger(Couloir, Logiciel, OperateurMessagerie, TypePiece)
    return creer_donnees_demo()


def en_parallele(*appels):
    """Runs each call in its own thread (its own database connection), all released at once.
    Returns [(result, exception)] in the order of the calls."""
    depart = threading.Barrier(len(appels))
    resultats = [None] * len(appels)

    def executer(rang, appel):
        try:
            depart.wait(timeout=30)
            resultats[rang] = (appel(), None)
        except Exception as erreur:  # noqa: BLE001 — reported to the test
            resultats[rang] = (None, erreur)
        finally:
            connections.close_all()

    fils = [threading.Thread(target=executer, args=(rang, appel)) for rang, appel in enumerate(appels)]
    for f in fils:
        f.start()
    for f in fils:
        f.join(timeout=120)
        assert not f.is_alive()
    return resultats


def _gros_fichier(document_ttc, nombre, *, prefixe_editeur="L", premier_finess=1) -> bytes:
    return en_octets(
        document_de(
            document_ttc,
            *[
                ligne(document_ttc, n, editeur=f"{prefixe_editeur}{n}", geo=[finess(premier_finess + n)])
                for n in range(1, nombre + 1)
            ],
        )
    )


@postgres_seulement
@pytest.mark.django_db(transaction=True)
def test_meme_import_lance_deux_fois_en_meme_temps(demo_transactionnel, document_ttc):
    _compteur(True)
    import_demandes = simuler_service("relais", _gros_fichier(document_ttc, 200))
    assert import_demandes.simulation_reussie
    relais = utilisateur("relais")

    resultats = en_parallele(
        *[lambda: services.importer_pour_de_vrai(utilisateur=relais, import_id=import_demandes.pk) for _ in range(4)]
    )
    assert [erreur for _, erreur in resultats] == [None] * 4
    assert {resultat.pk for resultat, _ in resultats} == {import_demandes.pk}

    import_demandes.refresh_from_db()
    assert import_demandes.etat == Import.Etat.IMPORTE and (
        import_demandes.nb_retenues,
        import_demandes.nb_rejetees,
    ) == (200, 0)
    assert Demande.objects.count() == 200
    assert numeros() == [f"FINMDV{n:06d}M0" for n in range(1, 201)]
    assert Beneficiaire.objects.count() == 200 and PieceAttendue.objects.count() == 200
    assert CompteurDossier.objects.get(couloir__code="MDV").dernier == 200


def _compteur(existant: bool, couloir="MDV"):
    """Whether the couloir's counter row exists before the concurrent imports: it does once the
    couloir has had a first import (the usual case); it does not for the very first one."""
    if existant:
        from demandes.models import Couloir

        CompteurDossier.objects.create(couloir=Couloir.objects.get(code=couloir), dernier=0)


@postgres_seulement
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("compteur_existant", [True, False], ids=["compteur-existant", "premier-import-du-couloir"])
def test_deux_imports_du_meme_beneficiaire_en_meme_temps(demo_transactionnel, document_ttc, compteur_existant):
    """Two files of relais, simulated before either is imported, fund the same beneficiary under
    different numéros éditeur: imported at the same time, one line is retained, the other rejected."""
    _compteur(compteur_existant)
    commun = finess(500)
    premier = simuler_service(
        "relais",
        en_octets(
            document_de(
                document_ttc,
                *[ligne(document_ttc, n, editeur=f"A{n}", geo=[finess(n)]) for n in range(1, 60)],
                ligne(document_ttc, 60, editeur="A-COMMUN", geo=[commun]),
            )
        ),
    )
    second = simuler_service(
        "relais",
        en_octets(
            document_de(
                document_ttc,
                ligne(document_ttc, 1, editeur="B-COMMUN", geo=[commun]),
                *[ligne(document_ttc, n, editeur=f"B{n}", geo=[finess(100 + n)]) for n in range(2, 61)],
            )
        ),
    )
    assert premier.simulation_reussie and second.simulation_reussie
    relais = utilisateur("relais")

    resultats = en_parallele(
        lambda: services.importer_pour_de_vrai(utilisateur=relais, import_id=premier.pk),
        lambda: services.importer_pour_de_vrai(utilisateur=relais, import_id=second.pk),
    )
    assert [erreur for _, erreur in resultats] == [None, None]
    premier.refresh_from_db()
    second.refresh_from_db()
    assert premier.etat == second.etat == Import.Etat.IMPORTE
    assert sorted([(premier.nb_retenues, premier.nb_rejetees), (second.nb_retenues, second.nb_rejetees)]) == [
        (59, 1),
        (60, 0),
    ]
    assert Beneficiaire.objects.filter(identifiant=commun).count() == 1
    assert Demande.objects.filter(beneficiaires__identifiant=commun).count() == 1
    assert Demande.objects.count() == 119
    assert numeros() == [f"FINMDV{n:06d}M0" for n in range(1, 120)]  # unique and without gaps

    perdant = premier if premier.nb_rejetees else second
    rang_commun = 59 if perdant == premier else 0
    ligne_sortie = json.loads(sortie_de(perdant))["lignesImport"][rang_commun]
    assert ligne_sortie["codeTraitement"] == "E306" and ligne_sortie["numeroASP"] is None


@postgres_seulement
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("compteur_existant", [True, False], ids=["compteur-existant", "premier-import-du-couloir"])
def test_deux_fournisseurs_du_meme_couloir_pour_le_meme_beneficiaire_en_meme_temps(
    demo_transactionnel, document_ttc, compteur_existant
):
    """relais (mlp525off1) and unikalo (a second MDV / LGC solution) fund the same FINESS at once."""
    _compteur(compteur_existant)
    solution_concurrente(SIRET_UNIKALO)
    commun = finess(700)
    import_relais = simuler_service(
        "relais",
        en_octets(
            document_de(
                document_ttc,
                ligne(document_ttc, 1, editeur="R1", geo=[commun]),
                *[ligne(document_ttc, n, editeur=f"R{n}", geo=[finess(n)]) for n in range(2, 40)],
            )
        ),
    )
    import_unikalo = simuler_service(
        "unikalo",
        en_octets(
            document_de(
                document_ttc,
                *[ligne(document_ttc, n, editeur=f"U{n}", geo=[finess(200 + n)]) for n in range(1, 40)],
                ligne(document_ttc, 40, editeur="U-COMMUN", geo=[commun]),
                numero_ans="conc525lgc",
                siret=SIRET_UNIKALO,
            )
        ),
        numero_ans="conc525lgc",
    )
    assert import_relais.simulation_reussie, list(import_relais.erreurs.values_list("code", "message"))
    assert import_unikalo.simulation_reussie, list(import_unikalo.erreurs.values_list("code", "message"))
    relais, unikalo = utilisateur("relais"), utilisateur("unikalo")

    resultats = en_parallele(
        lambda: services.importer_pour_de_vrai(utilisateur=relais, import_id=import_relais.pk),
        lambda: services.importer_pour_de_vrai(utilisateur=unikalo, import_id=import_unikalo.pk),
    )
    assert [erreur for _, erreur in resultats] == [None, None]
    import_relais.refresh_from_db()
    import_unikalo.refresh_from_db()
    assert import_relais.nb_rejetees + import_unikalo.nb_rejetees == 1
    assert import_relais.nb_retenues + import_unikalo.nb_retenues == 78
    assert Demande.objects.filter(beneficiaires__identifiant=commun).count() == 1
    assert numeros() == [f"FINMDV{n:06d}M0" for n in range(1, 79)]
