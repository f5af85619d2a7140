"""Benchmark of the ASP managers' dashboard (the admin's index) and of their list of demandes.

Run from the project root, on PostgreSQL (the target):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/segur_bench DEBUG=1 .venv/bin/python bench/tableau_de_bord.py

or, for a quick check, on SQLite (without DATABASE_URL a throw-away file
$TMPDIR/bench-tableau-de-bord.sqlite3 is used, never the portal's var/db.sqlite3):

    DEBUG=1 .venv/bin/python bench/tableau_de_bord.py [--tailles 1000 100000] [--requetes 20]

For each size (default 1 000 then 100 000 demandes), from an empty state: the demandes are created
in bulk (plain bulk_create, no history, like bench/import_reel.py's), spread over the demo's
solutions (three couloirs, both types), statuses and the last 400 days of deposits, a tenth of them
taken by a manager, a payment on a third of the decided ones; then, through Django's test Client
logged in as the demo manager, each page is requested (3 warm-ups, then N rounds over the pages in
turn): the admin's index with its dashboard, the demandes changelist (default order: oldest deposit
first), its « Mes dossiers » filter and a status filter. Printed: p50 / p95 in ms and the SQL
queries per request — the same count at every size is the point (no query per row).

The run empties the tables of demandes, payments, pieces and imports: it refuses to run on a
database whose name does not contain « bench ». Nothing is asserted; figures are printed.
"""

import argparse
import datetime
import logging
import sys
import time
from collections import defaultdict
from decimal import Decimal

from commun import (
    entier,
    est_postgres,
    imprimer_tableau,
    percentile,
    preparer_base,
    preparer_django,
    refuser_une_base_qui_n_est_pas_de_bench,
)

_MEDIA_TEMPORAIRE = preparer_django("bench-tableau-de-bord")

from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from demandes.models import Demande, Paiement, Solution, Utilisateur  # noqa: E402
from demandes.valeurs import StatutDemande, StatutPaiement, TypeDemande  # noqa: E402

ECHAUFFEMENTS = 3
LOT_CREATION = 5000
PAGES = {
    "tableau de bord (/admin/)": "/admin/",
    "liste des demandes": "/admin/demandes/demande/",
    "liste « Mes dossiers »": "/admin/demandes/demande/?attribution=miens",
    "liste statut « Déposée »": "/admin/demandes/demande/?statut__exact=DEPOSEE",
}


def vider():
    """No demande, payment, piece or import left (reference data and accounts kept)."""
    from imports.models import Import
    from piecesjointes.models import PieceRecue

    modeles = [
        PieceRecue,
        Paiement,
        Paiement.history.model,
        Demande.history.model,
        Demande,
        Import,
    ]
    with connection.cursor() as curseur:
        if est_postgres():
            # CASCADE: the tables that point at these (beneficiaries, expected pieces, zips…) go too.
            tables = ", ".join(connection.ops.quote_name(m._meta.db_table) for m in modeles)
            curseur.execute(f"TRUNCATE {tables} CASCADE")
        else:
            with transaction.atomic():
                from demandes.models import Beneficiaire, PieceAttendue
                from imports.models import ErreurLigne
                from piecesjointes.models import EntreeZip, ZipDepose

                for modele in (
                    PieceRecue,
                    EntreeZip,
                    ZipDepose,
                    Paiement,
                    Paiement.history.model,
                    Beneficiaire,
                    PieceAttendue,
                    Demande.history.model,
                    Demande,
                    ErreurLigne,
                    Import,
                ):
                    modele.objects.all()._raw_delete(connection.alias)  # no collector: the order above is the FKs'


def statut(n: int) -> tuple[str, str]:
    reste = n % 100
    if reste < 30:
        return StatutDemande.EN_ATTENTE_PIECES, ""
    if reste < 55:
        return StatutDemande.DEPOSEE, ""
    if reste < 75:
        return StatutDemande.EN_INSTRUCTION, ""
    if reste < 92:
        return StatutDemande.DECIDEE, StatutPaiement.EFFECTUE if n % 3 == 0 else ""
    if reste < 97:
        return StatutDemande.REJETEE, ""
    return StatutDemande.ANNULEE, ""


def creer_demandes(nombre: int, gestionnaire: Utilisateur) -> None:
    """`nombre` demandes in bulk over the demo's solutions, statuses and 400 days of deposits; a
    tenth taken by `gestionnaire`; a payment « effectué » on a third of the decided ones."""
    solutions = list(Solution.objects.select_related("couloir").order_by("numero_ans"))
    maintenant = timezone.now()
    champ_depot = Demande._meta.get_field("date_depot")
    champ_depot.auto_now_add = False  # keep the spread dates (this bench only, restored below)
    try:
        with transaction.atomic():
            for debut in range(1, nombre + 1, LOT_CREATION):
                lot = []
                for n in range(debut, min(debut + LOT_CREATION, nombre + 1)):
                    solution = solutions[n % len(solutions)]
                    code_statut, paiement = statut(n)
                    lot.append(
                        Demande(
                            numero=f"FIN{solution.couloir.code}{n:07d}",
                            version=0,
                            type_demande=TypeDemande.AVANCE if n % 5 else TypeDemande.SOLDE,
                            fournisseur_id=solution.fournisseur_id,
                            solution=solution,
                            numero_editeur=f"E{n:07d}",
                            date_commande=datetime.date(2021, 11, 24),
                            regime_tva="TTC",
                            montant_ht=Decimal("10750.00"),
                            statut=code_statut,
                            statut_paiement=paiement,
                            rang=1,
                            commande_pour="STRUCTURE",
                            scenario={"isCentreDeSante": True},
                            date_depot=maintenant
                            - datetime.timedelta(minutes=(400 * 24 * 60 * (nombre - n)) // nombre),
                            gestionnaire=gestionnaire if n % 10 == 0 else None,
                            date_attribution=maintenant if n % 10 == 0 else None,
                        )
                    )
                creees = Demande.objects.bulk_create(lot, batch_size=1000)
                Paiement.objects.bulk_create(
                    [
                        Paiement(
                            demande_id=demande.pk,
                            montant=Decimal("5000.00"),
                            date_paiement=datetime.date(2024, 3, 1),
                            statut=StatutPaiement.EFFECTUE,
                            enregistre_par=gestionnaire,
                        )
                        for demande in creees
                        if demande.statut_paiement == StatutPaiement.EFFECTUE
                    ],
                    batch_size=1000,
                )
    finally:
        champ_depot.auto_now_add = True
    with connection.cursor() as curseur:  # fresh planner statistics, as autovacuum gives production
        for modele in (Demande, Paiement):
            table = connection.ops.quote_name(modele._meta.db_table)
            curseur.execute(f"VACUUM ANALYZE {table}" if est_postgres() else f"ANALYZE {table}")


def mesurer(client: Client, tours: int) -> dict[str, dict]:
    """Warm-ups, then `tours` rounds over every page in turn (a burst of load elsewhere on the
    machine hits every page alike)."""
    for url in PAGES.values():
        for _ in range(ECHAUFFEMENTS):
            reponse = client.get(url)
            if reponse.status_code != 200:
                sys.exit(f"{url} : HTTP {reponse.status_code}")
    durees, requetes = defaultdict(list), defaultdict(set)
    for _ in range(tours):
        for nom, url in PAGES.items():
            with CaptureQueriesContext(connection) as capture:
                debut = time.perf_counter()
                client.get(url)
                durees[nom].append((time.perf_counter() - debut) * 1000)
            requetes[nom].add(len(capture.captured_queries))
    return {
        nom: {"p50": percentile(durees[nom], 50), "p95": percentile(durees[nom], 95), "requetes": sorted(requetes[nom])}
        for nom in PAGES
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--tailles", type=int, nargs="+", default=[1000, 100_000], help="nombres de demandes")
    parser.add_argument("--requetes", type=int, default=20, help="requêtes mesurées par page (défaut 20)")
    args = parser.parse_args()
    logging.disable(logging.WARNING)  # one log line per request would bury the figures

    refuser_une_base_qui_n_est_pas_de_bench("ses demandes, paiements et imports")
    preparer_base()
    gestionnaire = Utilisateur.objects.get(username="gestionnaire")
    client = Client()
    client.force_login(gestionnaire)

    resultats = {}
    for taille in args.tailles:
        vider()
        debut = time.perf_counter()
        creer_demandes(taille, gestionnaire)
        print(
            f"\n{entier(Demande.objects.count())} demandes créées en {time.perf_counter() - debut:.1f} s "
            f"({entier(Paiement.objects.count())} paiements, "
            f"{entier(Demande.objects.filter(gestionnaire=gestionnaire).count())} attribuées au gestionnaire)",
            flush=True,
        )
        resultats[taille] = mesurer(client, args.requetes)
        imprimer_tableau(
            ["page", "p50 ms", "p95 ms", "requêtes"],
            [
                [nom, mesure["p50"], mesure["p95"], ", ".join(str(r) for r in mesure["requetes"])]
                for nom, mesure in resultats[taille].items()
            ],
            ["<30", ">8.1f", ">8.1f", ">9"],
        )

    print("\nRésumé (requêtes SQL par page : identiques quelle que soit la taille ?)")
    lignes = []
    for nom in PAGES:
        comptes = [resultats[t][nom]["requetes"] for t in args.tailles]
        lignes.append(
            [nom, *(f"{resultats[t][nom]['p50']:.1f}" for t in args.tailles), *(str(c) for c in comptes)]
            + ["oui" if all(c == comptes[0] for c in comptes) else "NON"]
        )
    imprimer_tableau(
        [
            "page",
            *(f"p50 ms à {entier(t)}" for t in args.tailles),
            *(f"req. à {entier(t)}" for t in args.tailles),
            "fixe",
        ],
        lignes,
        ["<30", *([">16"] * len(args.tailles)), *([">14"] * len(args.tailles)), ">5"],
    )
    vider()


if __name__ == "__main__":
    try:
        main()
    finally:
        if _MEDIA_TEMPORAIRE:
            import shutil

            shutil.rmtree(_MEDIA_TEMPORAIRE, ignore_errors=True)
