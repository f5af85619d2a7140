"""The real import through its screen (spec §5): « Importer » only after a successful simulation of
this very stored file (refused after errors, a rejected or altered file, another fournisseur's
import, a deposit window closed meanwhile), a valid file of three lines imported (demandes,
beneficiaries, expected pieces, exact amounts, the step « 2 - Pièces jointes », the disabled button)
and the output file (downloads, bytes kept but for the dossier numbers, BOM and line ends)."""

import datetime
import json
from decimal import Decimal

import pytest
from django.utils import timezone

from demandes.models import Beneficiaire, CompteurDossier, Demande, PieceAttendue, Solution
from demandes.valeurs import StatutDemande, TypeDemande
from imports import services
from imports.models import Import
from tests.documents import (
    SIRET_RELAIS,
    document_de,
    en_octets,
    finess,
    ligne,
    lignes_changees,
    rpps,
)
from tests.pages import (
    MESSAGE_IMPORT_REFUSE,
    contenu_telecharge,
    desactive,
    page,
    pieces_listees,
    texte,
)
from tests.parcours import (
    import_de,
    importer_service,
    numeros,
    simuler,
    simuler_et_importer,
    simuler_service,
    sortie_de,
)

EN_ATTENTE = "En attente des pièces"


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
