"""Dossier numbering of the real import, FIN{COULOIR}{6 digits}M{version}: one sequence per couloir,
carried from one import to the next and shared by avances and soldes; typeAction M (same number,
next version, content replaced), A (cancelled, beneficiaries released) and their refusals; a solde
attached to its decided avance."""

import datetime
import json
from decimal import Decimal

import pytest

from demandes.models import CompteurDossier, Demande
from demandes.valeurs import StatutDemande, TypeDemande
from imports import services
from imports.models import Import
from tests.documents import (
    SIRET_HOPITAL,
    document_de,
    en_octets,
    finess,
    ligne,
    ligne_solde,
    lignes_changees,
    piece,
)
from tests.pages import (
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
    utilisateur,
)

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
