"""Fixtures of the managers' admin tests (tests/gestion/): a demande imported for real with its
piece received, six demandes of three suppliers, and the accounts of the scenarios on accounts."""

import io
import zipfile

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile

from demandes.models import Demande, Solution
from demandes.valeurs import StatutDemande, StatutPaiement, TypeDemande
from tests.documents import document_de, en_octets, finess, ligne, rpps
from tests.factories import PDF, creer_demande
from tests.gestion.comptes import MOT_DE_PASSE_SUPER
from tests.parcours import simuler_et_importer, utilisateur


@pytest.fixture
def demande_importee_avec_piece(demo, document_ttc):
    """The real flow: relais simulates and imports the guide's TTC line, sends the zip of its
    piece (processed by the Celery task's code, here synchronously), then « Terminer »."""
    from piecesjointes import services as pieces_services

    relais = utilisateur("relais")
    import_demandes = simuler_et_importer(
        "relais",
        en_octets(document_de(document_ttc, ligne(document_ttc, 1, geo=["020015772", "020015111"]))),
        nom="avance-structure.json",
    )
    demande = Demande.objects.get()
    piece = demande.pieces_attendues.get()
    tampon = io.BytesIO()
    with zipfile.ZipFile(tampon, "w") as archive:
        archive.writestr(piece.nom_fichier, PDF)
    depot = pieces_services.deposer_zip(
        utilisateur=relais,
        import_demandes=import_demandes,
        fichier=SimpleUploadedFile("pieces.zip", tampon.getvalue(), content_type="application/zip"),
    )
    depot = pieces_services.traiter_zip(depot.pk)
    assert depot.nb_acceptees == 1, list(depot.entrees.values_list("nom", "motif"))
    assert pieces_services.terminer(utilisateur=relais, import_demandes=import_demandes) == 1
    demande.refresh_from_db()
    assert demande.statut == StatutDemande.DEPOSEE
    return demande


@pytest.fixture
def six_demandes(demo):
    """Demandes of the three suppliers with distinct identifiers, statuses, couloirs and dates."""
    modele = Solution.objects.get(numero_ans="mlp525off1")
    Solution.objects.create(
        **{
            **{
                f.name: getattr(modele, f.name)
                for f in Solution._meta.concrete_fields
                if f.name not in ("id", "numero_ans", "vague")
            },
            "numero_ans": "mlp525vag2",
            "vague": 2,
        }
    )
    return {
        "d1": creer_demande(
            1,
            editeur="ED-ALPHA",
            depot="2024-01-10",
            finess_juridique=finess(50),
            beneficiaires=[("FINESS_GEO", finess(1)), ("FINESS_GEO", finess(2))],
        ),
        "d2": creer_demande(
            2,
            StatutDemande.DECIDEE,
            paiement=StatutPaiement.EFFECTUE,
            type_demande=TypeDemande.SOLDE,
            editeur="ED-BETA",
            depot="2024-02-15",
            beneficiaires=[("RPPS", rpps(7))],
        ),
        "d3": creer_demande(
            3,
            StatutDemande.DECIDEE,
            paiement=StatutPaiement.EN_COURS,
            numero_ans="mlp525vag2",
            editeur="ED-GAMMA",
            depot="2024-02-20",
            montant="10750.50",
        ),
        "h1": creer_demande(
            11,
            StatutDemande.REJETEE,
            numero_ans="bnd52qq600",
            editeur="ED-HOP",
            depot="2024-03-05",
            beneficiaires=[("FINESS_GEO", finess(3))],
        ),
        "h2": creer_demande(
            12, StatutDemande.EN_INSTRUCTION, numero_ans="2021k052a", editeur="ED-DPI", depot="2024-04-01"
        ),
        "u1": creer_demande(
            21, StatutDemande.EN_ATTENTE_PIECES, numero_ans="cpiPFI0001", editeur="ED-PFI", depot="2024-05-01"
        ),
    }


# --- The accounts of the scenarios on accounts (test_comptes_*.py) ---------------------------------------


@pytest.fixture
def superutilisateur(demo):
    return get_user_model().objects.create_superuser("chef", "chef@asp.gouv.fr", MOT_DE_PASSE_SUPER)


@pytest.fixture
def autre_gestionnaire(demo):
    compte = get_user_model().objects.create_user("collegue", "collegue@asp.gouv.fr", MOT_DE_PASSE_SUPER, is_staff=True)
    compte.groups.add(Group.objects.get(name="Gestionnaires ASP"))
    return compte


@pytest.fixture
def client_super(client, superutilisateur):
    client.force_login(superutilisateur)
    return client


@pytest.fixture
def compte_relais(demo):
    compte = utilisateur("relais")
    compte.email = "contact@relais.example"
    compte.save()
    return compte
