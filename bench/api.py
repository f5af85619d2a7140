"""Benchmark of the machine API (issue 14): a 10 000-line file simulated then imported through the
API (POST /api/v1/simulations, POST /api/v1/imports/{id}/import) against the same through the
service functions the API calls (imports.services.simuler_import, importer_pour_de_vrai), in the
same run.

Run from the project root, on PostgreSQL (the target):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/segur_bench DEBUG=1 .venv/bin/python bench/api.py

or, for a quick check, on SQLite (without DATABASE_URL a throw-away file $TMPDIR/bench-api.sqlite3
is used, never the portal's var/db.sqlite3):

    DEBUG=1 .venv/bin/python bench/api.py [--tours 5] [--lignes 10000]

The PostgreSQL database is created when missing. Before each measure the benchmark empties the
demandes, imports and dossier counters (and every table pointing at them): it refuses to run on a
database whose name does not contain « bench » (unless --purger-quand-meme). Uploaded and output
files go to a temporary MEDIA_ROOT.

Each round measures, from an empty state each time, both paths — in alternating order, so that
neither always runs on a warmer cache:

- « services »: simuler_import with the file in memory (SimpleUploadedFile), then
  importer_pour_de_vrai — what the screen's views call;
- « API »: Django's test Client with a personal token (Authorization: Bearer), the multipart body
  encoded once beforehand (the client's work is not the portal's): the request goes through the
  whole Django stack (middlewares, upload handler streaming to a temporary file, the API's
  authentication, rate limit, SimulationForm), the service, and the JSON answer (for the import: each
  of the 10 000 lines with its numeroASP, read back from the output file).

Printed: each round's times, the best and the median of each path and step, and the API's overhead
in % of the services' time (target ≤ 10 %). Nothing is asserted; a path whose result is not the
other's (not every line retained) is reported.
"""

import argparse
import shutil
import statistics
import sys
import time
import uuid

from commun import (
    NUMERO_ANS,
    TAUX_TVA,
    TYPE_DEMANDE,
    UTILISATEUR,
    chrono,
    construire_document,
    entier,
    imprimer_tableau,
    modeles_et_ceux_qui_les_visent,
    option_purger_quand_meme,
    preparer_base,
    preparer_django,
    refuser_une_base_qui_n_est_pas_de_bench,
    verdict,
    verifier_generation,
    vider_les_tables,
)

_MEDIA_TEMPORAIRE = preparer_django("bench-api")

from django.conf import settings  # noqa: E402
from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.client import BOUNDARY, encode_multipart  # noqa: E402

from demandes import jetons  # noqa: E402
from demandes.models import CompteurDossier, Demande, Utilisateur  # noqa: E402
from imports import services  # noqa: E402
from imports.models import Import  # noqa: E402
from imports.services import importer_pour_de_vrai, simuler_import  # noqa: E402

CIBLE_SURCOUT = 0.10  # the API costs at most 10 % more than the services it calls
# The body is encoded beforehand: the client must send it as it is (Django's Client encodes a dict
# only when given its own MULTIPART_CONTENT object).
TYPE_MULTIPART = "multipart/form-data; boundary=" + BOUNDARY


# --- Database -------------------------------------------------------------------------------------


def tables_a_vider() -> list[str]:
    """Imports, demandes and dossier counters, and every table pointing at them (recursively)."""
    racines = {Import, Demande, Demande.history.model, CompteurDossier}
    return sorted({m._meta.db_table for m in modeles_et_ceux_qui_les_visent(racines)})


def vider(tables: list[str]) -> None:
    vider_les_tables(tables)


# --- The two paths --------------------------------------------------------------------------------


def par_les_services(utilisateur, contenu: bytes, nom: str) -> dict:
    t_simulation, simule = chrono(
        lambda: simuler_import(
            utilisateur=utilisateur,
            fichier=SimpleUploadedFile(nom, contenu, content_type="application/json"),
            type_demande=TYPE_DEMANDE,
            numero_ans=NUMERO_ANS,
            taux_tva=TAUX_TVA,
        )
    )
    t_import, importe = chrono(lambda: importer_pour_de_vrai(utilisateur=utilisateur, import_id=simule.pk))
    return {
        "simulation": t_simulation,
        "import": t_import,
        "resultat": simule.resultat,
        "retenues": importe.nb_retenues,
        "lignes_repondues": None,
    }


# Inside an API request, the time of the service it calls: what is left of the request's time is the
# API's own work (Django's stack, multipart parsing, token, rate, form, answer), measured on the same
# request — insensitive to the machine's load between one round and the next.
DANS_LE_SERVICE: dict[str, float] = {}


def _chronometre(nom, service):
    def appel(**kwargs):
        debut = time.perf_counter()
        try:
            return service(**kwargs)
        finally:
            DANS_LE_SERVICE[nom] = time.perf_counter() - debut

    return appel


def chronometrer_les_services_de_l_api() -> None:
    """The API calls imports.services.<function> at each request: wrapped there, the services path of
    this benchmark keeps the functions it imported."""
    services.simuler_import = _chronometre("simulation", simuler_import)
    services.importer_pour_de_vrai = _chronometre("import", importer_pour_de_vrai)


def par_l_api(client: Client, entetes: dict, corps_multipart: bytes) -> dict:
    t_simulation, reponse = chrono(
        lambda: client.post("/api/v1/simulations", corps_multipart, content_type=TYPE_MULTIPART, **entetes)
    )
    if reponse.status_code != 201:
        sys.exit(f"POST /api/v1/simulations : {reponse.status_code} {reponse.content[:500]!r}")
    simulation = reponse.json()
    t_import, reponse = chrono(
        lambda: client.post(f"/api/v1/imports/{simulation['id']}/import", **entetes)  # noqa: B023
    )
    if reponse.status_code != 200:
        sys.exit(f"POST /api/v1/imports/{simulation['id']}/import : {reponse.status_code} {reponse.content[:500]!r}")
    importe = reponse.json()
    return {
        "simulation": t_simulation,
        "import": t_import,
        "propre_simulation": t_simulation - DANS_LE_SERVICE["simulation"],
        "propre_import": t_import - DANS_LE_SERVICE["import"],
        "resultat": simulation["resultat"],
        "retenues": importe["nbRetenues"],
        "lignes_repondues": sum(1 for ligne in importe["lignes"] if ligne["numeroASP"]),
    }


def surcout(api: float, services: float) -> float:
    return (api - services) / services


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--tours", type=int, default=5, help="tours (chacun : services puis API, ou l'inverse)")
    parser.add_argument("--lignes", type=int, default=10_000, help="lignes du fichier (défaut 10000)")
    option_purger_quand_meme(parser)
    args = parser.parse_args()

    refuser_une_base_qui_n_est_pas_de_bench("ses demandes et imports", args.purger_quand_meme)
    preparer_base()
    # The benchmark's few requests must never meet the rate limit.
    settings.SEGUR_API_LIMITE = "100000/min"
    utilisateur = Utilisateur.objects.select_related("fournisseur").get(username=UTILISATEUR)
    _, jeton = jetons.creer_jeton(utilisateur, nom=f"bench {uuid.uuid4().hex[:8]}", jours=1)
    entetes = {"HTTP_AUTHORIZATION": f"Bearer {jeton}"}
    client = Client()
    chronometrer_les_services_de_l_api()

    texte = construire_document(args.lignes)
    verifier_generation(texte, args.lignes)
    contenu = texte.encode("utf-8")
    del texte
    nom = f"avance-{args.lignes}-lignes.json"
    corps_multipart = encode_multipart(
        BOUNDARY,
        {
            "fichier": SimpleUploadedFile(nom, contenu, content_type="application/json"),
            "type_demande": TYPE_DEMANDE.lower(),
            "numero_ans": NUMERO_ANS,
            "taux_tva": TAUX_TVA,
        },
    )
    tables = tables_a_vider()
    print(
        f"\nFichier : {entier(args.lignes)} lignes, {len(contenu) / 1024 / 1024:.1f} Mo ; "
        f"{args.tours} tours, état vide avant chaque chemin"
    )

    mesures: dict[str, list[dict]] = {"services": [], "API": []}
    entetes_tours = ("tour", "chemin", "simulation (s)", "import (s)", "total (s)")
    lignes_tours = []
    for tour in range(1, args.tours + 1):
        ordre = ("services", "API") if tour % 2 else ("API", "services")
        for chemin in ordre:
            vider(tables)
            if chemin == "services":
                r = par_les_services(utilisateur, contenu, nom)
            else:
                r = par_l_api(client, entetes, corps_multipart)
            r["total"] = r["simulation"] + r["import"]
            mesures[chemin].append(r)
            lignes_tours.append((tour, chemin, r["simulation"], r["import"], r["total"]))
            print(f"   tour {tour}, {chemin} : {r['total']:.3f} s", flush=True)
            if r["resultat"] not in (Import.Resultat.SIMULATION_OK, "OK") or r["retenues"] != args.lignes:
                print(f"   ATTENTION tour {tour}, {chemin} : résultat {r['resultat']}, {r['retenues']} retenue(s)")
            if r["lignes_repondues"] is not None and r["lignes_repondues"] != args.lignes:
                print(f"   ATTENTION tour {tour} : la réponse de l'API donne {r['lignes_repondues']} numeroASP")
    print()
    imprimer_tableau(entetes_tours, lignes_tours, (">4", "<9", ">14.3f", ">10.3f", ">9.3f"))

    print("\nRésumé (meilleur et médiane des tours) :")
    resume = []
    for etape in ("simulation", "import", "total"):
        services = [m[etape] for m in mesures["services"]]
        api = [m[etape] for m in mesures["API"]]
        resume.append(
            (
                etape,
                min(services),
                min(api),
                f"{surcout(min(api), min(services)):+.1%}",
                statistics.median(services),
                statistics.median(api),
                f"{surcout(statistics.median(api), statistics.median(services)):+.1%}",
            )
        )
    imprimer_tableau(
        ("étape", "services min", "API min", "surcoût", "services méd.", "API méd.", "surcoût"),
        resume,
        ("<11", ">12.3f", ">8.3f", ">8", ">13.3f", ">8.3f", ">8"),
    )
    total_services = statistics.median([m["total"] for m in mesures["services"]])
    total_api = statistics.median([m["total"] for m in mesures["API"]])
    ecart = surcout(total_api, total_services)
    print(
        f"\n   Surcoût de l'API (simulation + import, médianes) : {ecart:+.1%} — cible ≤ {CIBLE_SURCOUT:.0%} : "
        f"{verdict(ecart <= CIBLE_SURCOUT)}"
    )
    print(
        "\n   Travail propre de l'API, mesuré dans les mêmes requêtes (durée de la requête moins celle du "
        "service qu'elle appelle) :"
    )
    lignes_propres = []
    for tour, m in enumerate(mesures["API"], start=1):
        propre = m["propre_simulation"] + m["propre_import"]
        lignes_propres.append(
            (
                tour,
                m["propre_simulation"],
                m["propre_import"],
                m["total"] - propre,
                f"{propre / (m['total'] - propre):+.1%}",
            )
        )
    imprimer_tableau(
        ("tour", "simulation (s)", "import (s)", "dans les services (s)", "surcoût"),
        lignes_propres,
        (">4", ">14.3f", ">10.3f", ">21.3f", ">8"),
    )
    propre_median = statistics.median(
        (m["propre_simulation"] + m["propre_import"]) / (m["total"] - m["propre_simulation"] - m["propre_import"])
        for m in mesures["API"]
    )
    print(
        f"   Surcoût propre de l'API (médiane des tours) : {propre_median:+.1%} — cible ≤ {CIBLE_SURCOUT:.0%} : "
        f"{verdict(propre_median <= CIBLE_SURCOUT)}"
    )
    print(
        f"   Débit par l'API : {args.lignes / total_api:,.0f} lignes/s (services : {args.lignes / total_services:,.0f})".replace(
            ",", " "
        )
    )


if __name__ == "__main__":
    try:
        main()
    finally:
        if _MEDIA_TEMPORAIRE:
            shutil.rmtree(_MEDIA_TEMPORAIRE, ignore_errors=True)
