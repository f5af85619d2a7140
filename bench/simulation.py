"""Benchmark of the import simulation on a large, fully valid file.

Run from the project root:

    DEBUG=1 .venv/bin/python bench/simulation.py [--lignes N] [--profil]

(DATABASE_URL may point to Postgres; without it the SQLite file var/db.sqlite3 is used.)

What it does, everything measured in the same run:

1. builds, in a temporary directory, a valid JSON file of N lines (default 10 000) from
   schemas/modeles/avance-structure-ttc.json (supplier 77625125800013, numéro ANS
   mlp525off1, taux 20 -> régime TTC): unique numLigne, numeroEditeur and nomFichier, and
   beneficiaries (FINESSGeo, Luhn key) distinct across the whole file;
2. checks once that the engine finds every line valid (stops otherwise);
3. times the engine, `imports.moteur.simulation.simuler`, in process (best of 3);
4. times the whole command `manage.py simuler FILE --type avance --ans mlp525off1 --tva 20
   --sortie OUT` in a subprocess (best of 3) with its peak RSS;
5. times a bare jsonschema validation of the same file with the published schema
   (schemas/avance.schema.json), in process and as a whole `python -c` subprocess (best of 3,
   with its peak RSS);
6. prints a summary table and the ratios, with their targets beside them (no assertion).

Peak memory: each measured subprocess is started by a small fresh wrapper process that spawns
it, waits for it with os.wait4 and reports the child's own rusage (ru_maxrss, KB on Linux).
Going through the wrapper keeps the parent's (large) memory out of the child's high-water mark.

The database is migrated and the demo data (re)created by
demandes.management.commands.seed_demo.creer_donnees_demo(), so it works on a fresh machine.
With --profil, or when the command is slower than the bare jsonschema subprocess, the script
also prints the 15 top cumulative entries of a cProfile of `simuler`.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from commun import (
    NUMERO_ANS,
    RACINE,
    TAUX_TVA,
    TYPE_DEMANDE,
    commande_mesuree,
    construire_document,
    decrire_base,
    entier,
    fmt_durees,
    imprimer_tableau,
    meilleur_de,
    mo,
    preparer_base,
    preparer_django,
    profiler,
    verdict,
    verifier_generation,
    version_de,
)

preparer_django()

import django  # noqa: E402
import jsonschema  # noqa: E402
from django.db import connections  # noqa: E402

from imports.moteur.anomalies import FichierRejete  # noqa: E402
from imports.moteur.simulation import simuler  # noqa: E402

SCHEMA = RACINE / "schemas" / "avance.schema.json"
ESSAIS = 3

CIBLE_RATIO_COMMANDE = 1.0
CIBLE_RSS_MO = 250

JSONSCHEMA_SEUL = (
    "import json, sys, jsonschema\n"
    "schema = json.load(open(sys.argv[1], encoding='utf-8'))\n"
    "doc = json.load(open(sys.argv[2], encoding='utf-8'))\n"
    "jsonschema.Draft202012Validator(schema).validate(doc)\n"
)


# --- Measures -------------------------------------------------------------------------


def mesurer_sous_processus(commande, dossier: Path, env, essais=ESSAIS, nom="mesure"):
    """Best of `essais` runs of `commande`, each through the wait4 wrapper (commun.ENVELOPPE).
    Returns (best seconds, all seconds, max peak RSS in KB, last exit code, last output)."""
    durees, pics, codes = [], [], []
    sortie = ""
    for essai in range(essais):
        rapport = dossier / f"{nom}-{essai}.rusage.json"
        execution = subprocess.run(
            commande_mesuree(rapport, commande),
            cwd=RACINE,
            env=env,
            capture_output=True,
            text=True,
        )
        if execution.returncode != 0 or not rapport.exists():
            sys.exit(f"L'enveloppe de mesure a échoué ({nom}) :\n{execution.stdout}\n{execution.stderr}")
        mesure = json.loads(rapport.read_text())
        durees.append(mesure["secondes"])
        pics.append(mesure["maxrss_ko"])
        codes.append(mesure["code"])
        sortie = (execution.stdout + execution.stderr).strip()
    return min(durees), durees, max(pics), codes, sortie


# --- Main -----------------------------------------------------------------------------


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--lignes", type=int, default=10_000, help="nombre de lignes du fichier (défaut : 10000)")
    parser.add_argument(
        "--profil",
        action="store_true",
        help="profiler simuler (cProfile) même si la commande n'est pas plus lente que jsonschema",
    )
    args = parser.parse_args()
    if args.lignes < 1:
        parser.error("--lignes doit être au moins 1")

    print(
        f"Base : {decrire_base()}  —  Python {sys.version.split()[0]}, "
        f"Django {django.get_version()}, jsonschema {version_de('jsonschema')}"
    )
    fournisseur = preparer_base()

    with tempfile.TemporaryDirectory(prefix="bench-simulation-") as temporaire:
        dossier = Path(temporaire)
        fichier = dossier / f"avance-{args.lignes}-lignes.json"
        sortie = dossier / "sortie.json"

        # 1. The file.
        debut = time.perf_counter()
        texte = construire_document(args.lignes)
        fichier.write_text(texte, encoding="utf-8")
        verifier_generation(texte, args.lignes)
        contenu = fichier.read_bytes()
        del texte
        print(
            f"\n1. Fichier : {fichier.name}, {args.lignes} lignes, {mo(len(contenu)):.2f} Mo "
            f"({entier(len(contenu))} octets) — généré en {time.perf_counter() - debut:.2f} s"
        )

        def lancer_simulation():
            return simuler(
                contenu, fournisseur=fournisseur, numero_ans=NUMERO_ANS, type_demande=TYPE_DEMANDE, taux_tva=TAUX_TVA
            )

        # 2. Every line valid for the engine.
        try:
            simulation = lancer_simulation()
        except FichierRejete as rejet:
            details = "\n".join(f"  - {d}" for d in rejet.details)
            sys.exit(f"Le moteur rejette le fichier : {rejet.message}\n{details}")
        print(f"2. Moteur : {simulation.nb_valides} / {simulation.nb_lignes} lignes valides")
        if simulation.nb_lignes != args.lignes or simulation.nb_valides != simulation.nb_lignes:
            exemples = [
                f"  demande n° {l.rang} : {a.code} {a.chemin} : {a.message}"
                for l in simulation.lignes
                if not l.valide
                for a in l.anomalies
            ][:10]
            sys.exit("Arrêt : toutes les lignes doivent être valides pour mesurer.\n" + "\n".join(exemples))
        del simulation

        # 3. Engine throughput, in process.
        t_moteur, d_moteur, _ = meilleur_de(lancer_simulation, ESSAIS)
        print(
            f"3. Moteur simuler() en processus : {t_moteur:.3f} s (meilleur de {ESSAIS} : {fmt_durees(d_moteur)}) "
            f"→ {entier(args.lignes / t_moteur)} lignes/s"
        )

        # Subprocesses get their own connections; do not keep ours open (SQLite locks, PG sessions).
        connections.close_all()
        env = dict(os.environ)
        env["DEBUG"] = os.environ.get("DEBUG", "1")
        env.setdefault("DJANGO_SETTINGS_MODULE", "segur_portal.settings")

        # 4. The whole command.
        commande = [
            sys.executable,
            str(RACINE / "manage.py"),
            "simuler",
            str(fichier),
            "--type",
            "avance",
            "--ans",
            NUMERO_ANS,
            "--tva",
            TAUX_TVA,
            "--sortie",
            str(sortie),
        ]
        t_cmd, d_cmd, rss_cmd, codes_cmd, texte_cmd = mesurer_sous_processus(commande, dossier, env, nom="commande")
        print(
            f"4. Commande manage.py simuler : {t_cmd:.3f} s (meilleur de {ESSAIS} : {fmt_durees(d_cmd)}), "
            f"pic RSS {rss_cmd / 1024:.1f} Mo, codes de sortie {codes_cmd}"
        )
        print("   " + "\n   ".join(texte_cmd.splitlines()[-3:]))
        if any(codes_cmd):
            print(f"   ATTENTION : code de sortie non nul ({codes_cmd}) — sortie de la commande :\n{texte_cmd}")
        if sortie.exists():
            print(f"   Fichier de sortie : {mo(sortie.stat().st_size):.2f} Mo")

        # 5. Baseline: bare jsonschema, in process and as a subprocess.
        schema = json.loads(SCHEMA.read_text(encoding="utf-8"))

        def jsonschema_seul():
            with open(fichier, encoding="utf-8") as f:
                doc = json.load(f)
            jsonschema.Draft202012Validator(schema).validate(doc)

        t_js, d_js, _ = meilleur_de(jsonschema_seul, ESSAIS)
        print(
            f"5. jsonschema seul en processus (json.load + validate) : {t_js:.3f} s "
            f"(meilleur de {ESSAIS} : {fmt_durees(d_js)}) → {entier(args.lignes / t_js)} lignes/s"
        )
        t_js_sp, d_js_sp, rss_js_sp, codes_js, texte_js = mesurer_sous_processus(
            [sys.executable, "-c", JSONSCHEMA_SEUL, str(SCHEMA), str(fichier)], dossier, env, nom="jsonschema"
        )
        print(
            f"   jsonschema seul en sous-processus (python -c) : {t_js_sp:.3f} s "
            f"(meilleur de {ESSAIS} : {fmt_durees(d_js_sp)}), pic RSS {rss_js_sp / 1024:.1f} Mo, "
            f"codes de sortie {codes_js}"
        )
        if any(codes_js):
            print(f"   ATTENTION : la validation jsonschema a échoué :\n{texte_js}")

        # 6. Summary.
        ratio_cmd_sp = t_cmd / t_js_sp
        ratio_cmd_proc = t_cmd / t_js
        ratio_moteur = t_moteur / t_js
        rss_mo = rss_cmd / 1024
        print(f"\n6. Résumé ({args.lignes} lignes, {mo(len(contenu)):.2f} Mo)")
        imprimer_tableau(
            ("mesure", "secondes", "lignes/s", "pic RSS"),
            [
                (nom, t, entier(args.lignes / t), f"{rss / 1024:.1f} Mo" if rss is not None else "—")
                for nom, t, rss in (
                    ("moteur simuler() en processus", t_moteur, None),
                    ("commande manage.py simuler (sous-processus)", t_cmd, rss_cmd),
                    ("jsonschema seul en processus", t_js, None),
                    ("jsonschema seul, python -c (sous-processus)", t_js_sp, rss_js_sp),
                )
            ],
            ("<52", ">9.3f", ">10", ">10"),
        )
        print()

        print(
            f"   commande / jsonschema sous-processus : {ratio_cmd_sp:.2f}   (cible ≤ {CIBLE_RATIO_COMMANDE:.1f} : "
            f"{verdict(ratio_cmd_sp <= CIBLE_RATIO_COMMANDE)})"
        )
        print(
            f"   commande / jsonschema en processus   : {ratio_cmd_proc:.2f}   (cible ≤ {CIBLE_RATIO_COMMANDE:.1f} : "
            f"{verdict(ratio_cmd_proc <= CIBLE_RATIO_COMMANDE)})"
        )
        print(f"   moteur / jsonschema en processus     : {ratio_moteur:.2f}")
        print(
            f"   pic RSS de la commande               : {rss_mo:.1f} Mo (cible ≤ {CIBLE_RSS_MO} Mo : "
            f"{verdict(rss_mo <= CIBLE_RSS_MO)})"
        )

        if args.profil or ratio_cmd_sp > CIBLE_RATIO_COMMANDE:
            raison = "demandé (--profil)" if args.profil else "la commande est plus lente que jsonschema seul"
            print(f"\nProfil cProfile de simuler() — {raison} — 15 premières entrées (cumulé) :")
            print(profiler(lancer_simulation))


if __name__ == "__main__":
    main()
