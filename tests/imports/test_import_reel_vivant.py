"""Beneficiaire.vivant follows the status of its demande through the services that change statuses
(demandes.services.aligner_vivant), not through Demande.save(): a rejection by a manager, a
cancellation (A line) and a modification (M line) leave it right, and the beneficiary they release
can be funded by a new demande (E306 no longer fires, the database's constraint no longer refuses).
The M and A lines keep one history row per demande, by the importing user.
"""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from demandes import services as demandes_services
from demandes.models import Beneficiaire, Demande, PieceAttendue
from demandes.valeurs import STATUTS_VIVANTS, StatutDemande
from imports.models import Import
from piecesjointes.models import PieceRecue, ZipDepose
from tests.documents import document_de, en_octets, finess, ligne
from tests.parcours import importer_service, simuler_et_importer, simuler_service, utilisateur


def _avance(document_ttc, n=1, *, geo) -> Demande:
    """An avance created by a real import of relais (FINMDV00000nM0)."""
    import_demandes = simuler_et_importer(
        "relais", en_octets(document_de(document_ttc, ligne(document_ttc, n, editeur=f"{n:05d}", geo=geo)))
    )
    return Demande.objects.get(import_demandes=import_demandes)


def _vivants(demande) -> list[tuple[str, bool]]:
    return sorted(demande.beneficiaires.values_list("identifiant", "vivant"))


def _nouvelle_demande_pour(document_ttc, *geos, editeur="N1") -> Import:
    """Simulates then imports a C line of relais funding these beneficiaries."""
    import_demandes = simuler_service(
        "relais", en_octets(document_de(document_ttc, ligne(document_ttc, 1, editeur=editeur, geo=list(geos))))
    )
    assert list(import_demandes.erreurs.values_list("code", flat=True)) == []  # no E306
    importer_service("relais", import_demandes)
    import_demandes.refresh_from_db()
    assert (import_demandes.nb_retenues, import_demandes.nb_rejetees) == (1, 0)
    return import_demandes


def test_save_d_une_demande_ne_touche_plus_aux_beneficiaires(demo, document_ttc):
    """vivant is the services' business: the model has no save() of its own any more."""
    assert "save" not in Demande.__dict__
    demande = _avance(document_ttc, geo=[finess(1)])
    demande.statut = StatutDemande.ANNULEE
    demande.save()
    assert _vivants(demande) == [(finess(1), True)]  # until a service aligns it
    demandes_services.aligner_vivant([demande.pk])
    assert _vivants(demande) == [(finess(1), False)]


def test_un_rejet_libere_les_beneficiaires(demo, document_ttc):
    demande = _avance(document_ttc, geo=[finess(1), finess(2)])
    Demande.objects.filter(pk=demande.pk).update(statut=StatutDemande.DEPOSEE)  # pieces complete
    faites, refusees = demandes_services.changer_statut(
        Demande.objects.filter(pk=demande.pk),
        transition="rejet",
        utilisateur=utilisateur("gestionnaire"),
        motif="Pièces illisibles",
    )
    assert [d.pk for d in faites] == [demande.pk] and not refusees
    assert _vivants(demande) == [(finess(1), False), (finess(2), False)]

    nouvelle = _nouvelle_demande_pour(document_ttc, finess(1), finess(2))
    assert _vivants(Demande.objects.get(import_demandes=nouvelle)) == [(finess(1), True), (finess(2), True)]


def test_une_transition_vivante_garde_les_beneficiaires(demo, document_ttc):
    demande = _avance(document_ttc, geo=[finess(1)])
    Demande.objects.filter(pk=demande.pk).update(statut=StatutDemande.DEPOSEE)
    gestionnaire = utilisateur("gestionnaire")
    for transition in ("instruction", "decision"):
        faites, _ = demandes_services.changer_statut(
            Demande.objects.filter(pk=demande.pk), transition=transition, utilisateur=gestionnaire
        )
        assert len(faites) == 1
        assert _vivants(demande) == [(finess(1), True)]
    assert "E306" in simuler_service(
        "relais", en_octets(document_de(document_ttc, ligne(document_ttc, 1, editeur="N1", geo=[finess(1)])))
    ).erreurs.values_list("code", flat=True)


def test_une_annulation_libere_les_beneficiaires_et_garde_son_historique(demo, document_ttc):
    demande = _avance(document_ttc, geo=[finess(1), finess(2)])
    historique = demande.history.count()
    annulation = simuler_et_importer(
        "relais",
        en_octets(
            document_de(
                document_ttc,
                ligne(document_ttc, 1, action="A", numero_asp="FINMDV000001M0", geo=[finess(1), finess(2)]),
            )
        ),
    )
    demande.refresh_from_db()
    assert demande.statut == StatutDemande.ANNULEE
    assert _vivants(demande) == [(finess(1), False), (finess(2), False)]
    assert demande.date_modification >= annulation.date_import
    assert demande.history.count() == historique + 1
    derniere = demande.history.order_by("-history_id").first()
    assert (derniere.history_type, derniere.statut, derniere.history_user) == (
        "~",
        StatutDemande.ANNULEE,
        utilisateur("relais"),
    )

    nouvelle = _nouvelle_demande_pour(document_ttc, finess(1), finess(2), editeur="00001")  # même numéro éditeur
    assert Demande.objects.get(import_demandes=nouvelle).numero_dossier == "FINMDV000002M0"


def test_une_modification_libere_les_anciens_beneficiaires_et_tient_les_nouveaux(demo, document_ttc):
    demande = _avance(document_ttc, geo=[finess(1), finess(2)])
    # A piece already received for the old version goes with its expected piece (sent again).
    attendue = demande.pieces_attendues.get()
    depot = ZipDepose.objects.create(
        import_demandes=demande.import_demandes, fournisseur=demande.fournisseur, nom_fichier="p.zip", fichier="p.zip"
    )
    PieceRecue.objects.create(
        piece_attendue=attendue,
        zip_depose=depot,
        cle_stockage="cle",
        fichier="cle",
        taille=1,
        type_mime="application/pdf",
        sha256="0" * 64,
    )
    modification = simuler_et_importer(
        "relais",
        en_octets(
            document_de(
                document_ttc,
                ligne(document_ttc, 1, action="M", numero_asp="FINMDV000001M0", geo=[finess(2), finess(3)]),
            )
        ),
    )
    demande.refresh_from_db()
    assert (demande.numero_dossier, demande.statut, demande.import_demandes_id) == (
        "FINMDV000001M1",
        StatutDemande.EN_ATTENTE_PIECES,
        modification.pk,
    )
    assert _vivants(demande) == [(finess(2), True), (finess(3), True)]
    assert not Beneficiaire.objects.filter(identifiant=finess(1)).exists()
    assert not PieceRecue.objects.exists()
    assert list(PieceAttendue.objects.values_list("demande_id", "nom_fichier")) == [
        (demande.pk, "MDV-LGC-Va1-BDC-00001.pdf")
    ]
    derniere = demande.history.order_by("-history_id").first()
    assert (derniere.history_type, derniere.version, derniere.import_demandes_id, derniere.history_user) == (
        "~",
        1,
        modification.pk,
        utilisateur("relais"),
    )

    # the released beneficiary is free, the new ones are held
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
    assert list(nouvelle.erreurs.values_list("rang", "code")) == [(2, "E306")]


def test_aligner_vivant_en_masse_et_en_deux_requetes_par_lot(demo, document_ttc):
    demandes = [_avance(document_ttc, n, geo=[finess(n)]) for n in range(1, len(StatutDemande) + 1)]
    statuts = list(StatutDemande)
    for demande, statut in zip(demandes, statuts, strict=True):
        Demande.objects.filter(pk=demande.pk).update(statut=statut)
    for demande, statut in zip(demandes, statuts, strict=True):  # every flag wrong to begin with
        Beneficiaire.objects.filter(demande=demande).update(vivant=statut not in STATUTS_VIVANTS)

    with CaptureQueriesContext(connection) as requetes:
        demandes_services.aligner_vivant(d.pk for d in demandes)
    assert len(requetes) == 2
    assert {
        b.demande.statut: b.vivant for b in Beneficiaire.objects.select_related("demande").filter(demande__in=demandes)
    } == {statut: statut in STATUTS_VIVANTS for statut in statuts}
