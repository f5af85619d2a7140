"""Migration 0009: beneficiaries written before the real import copied their demande's type,
couloir and logiciel get them, and `vivant` follows their demande's status — on the database the
suite runs on (PostgreSQL in CI: 0010 then makes the columns required in its own transaction). The
database is left at the latest migrations, as every other test expects it."""

import datetime
from decimal import Decimal

from django.db import connection
from django.db.migrations.executor import MigrationExecutor

AVANT = [("demandes", "0008_noms_import_demandes_et_rang")]


def _migrer(cible=None):
    """Migrates the test database to `cible`, or back to the latest migrations (the schema every
    other test expects); returns the models as they are then."""
    executeur = MigrationExecutor(connection)
    executeur.loader.build_graph()
    cible = cible or executeur.loader.graph.leaf_nodes()
    executeur.migrate(cible)
    return executeur.loader.project_state(cible).apps


def test_les_beneficiaires_anciens_recoivent_type_couloir_logiciel_et_vivant(demo_transactionnel):
    from demandes.models import Solution
    from tests.factories import creer_import

    solution = Solution.objects.select_related("couloir", "logiciel").get(numero_ans="mlp525off1")
    import_id = creer_import(nom="ancien.json").pk
    apps = _migrer(AVANT)
    try:
        Demande = apps.get_model("demandes", "Demande")
        Beneficiaire = apps.get_model("demandes", "Beneficiaire")

        def demande(numero, statut):
            return Demande.objects.create(
                numero=numero,
                type_demande="SOLDE",
                fournisseur_id=solution.fournisseur_id,
                solution_id=solution.pk,
                import_demandes_id=import_id,
                numero_editeur=numero,
                rang=1,
                date_commande=datetime.date(2021, 11, 24),
                regime_tva="TTC",
                montant_ht=Decimal("1000.00"),
                statut=statut,
                scenario={},
            )

        for numero, statut, identifiant in (
            ("FINMDV900001", "DEPOSEE", "020015772"),
            ("FINMDV900002", "REJETEE", "020015773"),
        ):
            Beneficiaire.objects.create(
                demande=demande(numero, statut), nature="FINESS_GEO", identifiant=identifiant, vivant=True
            )
    finally:
        apps = _migrer()

    Beneficiaire = apps.get_model("demandes", "Beneficiaire")
    lignes = sorted(
        Beneficiaire.objects.values_list("identifiant", "type_demande", "couloir_id", "logiciel_id", "vivant")
    )
    assert lignes == [
        ("020015772", "SOLDE", solution.couloir_id, solution.logiciel_id, True),
        ("020015773", "SOLDE", solution.couloir_id, solution.logiciel_id, False),
    ]


def test_la_base_reste_aux_dernieres_migrations(transactional_db):
    """Runs after the test above (same module, in order): the schema is the latest one again."""
    executeur = MigrationExecutor(connection)
    assert executeur.migration_plan(executeur.loader.graph.leaf_nodes()) == []
