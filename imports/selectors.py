"""Reads. Every supplier query starts from the supplier, so a forgotten filter is hard to write."""

import codecs
from collections import defaultdict
from collections.abc import Iterator, Sequence
from typing import Any

import orjson
from django.db.models import Count, QuerySet
from django.shortcuts import get_object_or_404

from demandes.models import Fournisseur, Utilisateur

from .models import ErreurLigne, Import

LOT_EXPORT = 2000  # rows read from the database at a time by a streamed CSV export


def imports_du_fournisseur(fournisseur: Fournisseur) -> QuerySet[Import]:
    """Every import of the structure, whichever of its accounts made it (the team shares its work)."""
    return Import.objects.filter(fournisseur=fournisseur).order_by("-id")


def comptes_de_la_structure(fournisseur: Fournisseur | None) -> QuerySet[Utilisateur]:
    """The accounts « Importé par » offers: the structure's, removed ones included (their imports stay)."""
    if fournisseur is None:
        return Utilisateur.objects.none()
    return Utilisateur.objects.filter(fournisseur=fournisseur).order_by("last_name", "first_name", "username")


def sans_les_simulations_en_echec(imports: QuerySet[Import]) -> QuerySet[Import]:
    """The imports whose simulation passed: the list hides the failed ones (file refused, lines in
    error) unless the supplier asks for them."""
    return imports.filter(resultat=Import.Resultat.SIMULATION_OK)


def simulations_en_echec(imports: QuerySet[Import]) -> QuerySet[Import]:
    return imports.exclude(resultat=Import.Resultat.SIMULATION_OK)


def imports_a_exporter(imports: QuerySet[Import], champs: Sequence[str]) -> Iterator[dict[str, Any]]:
    """The rows of a CSV export of `imports` (already filtered), newest first: dicts of `champs`,
    read by batches as the response streams."""
    return imports.order_by("-id").values(*champs).iterator(chunk_size=LOT_EXPORT)


def import_du_fournisseur(fournisseur: Fournisseur, pk: int) -> Import:
    """The supplier's import, or 404 — whether it belongs to someone else or does not exist."""
    return get_object_or_404(Import.objects.select_related("solution"), fournisseur=fournisseur, pk=pk)


def import_ou_404(pk: int) -> Import:
    """Any supplier's import (the managers' downloads), or 404."""
    return get_object_or_404(Import, pk=pk)


def erreurs_de_l_import(import_demandes: Import) -> QuerySet[ErreurLigne]:
    return import_demandes.erreurs.order_by("id")


def lignes_de_l_import(import_demandes: Import) -> list[dict[str, Any]]:
    """Each line of an imported file as the real import left it, in file order: its rank, numLigne
    and numeroEditeur, its codeTraitement and libelleTraitement and, when retained, the dossier
    number it got (numeroASP) — as its output file says, which the import wrote with the numbers
    given — and its errors (its ErreurLigne rows). Empty before the real import."""
    if not import_demandes.importe or not import_demandes.fichier_sortie:
        return []
    with import_demandes.fichier_sortie.open("rb") as flux:
        # orjson: the file of a large import weighs megabytes (3 times faster than json here).
        sortie = orjson.loads(flux.read().removeprefix(codecs.BOM_UTF8))
    erreurs: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for rang, code, champ, message in erreurs_de_l_import(import_demandes).values_list(
        "rang", "code", "champ", "message"
    ):
        erreurs[rang].append({"code": code, "champ": champ, "message": message})
    return [
        {
            "rang": rang,
            "num_ligne": ligne.get("numLigne"),
            "numero_editeur": ligne.get("numeroEditeur"),
            "code_traitement": ligne.get("codeTraitement"),
            "libelle_traitement": ligne.get("libelleTraitement"),
            "numero_asp": ligne.get("numeroASP") if ligne.get("codeTraitement") == "OK" else None,
            "erreurs": erreurs.get(rang, []),
        }
        for rang, ligne in enumerate(sortie["lignesImport"], start=1)
    ]


def imports_par_etat(fournisseur: Fournisseur) -> list[dict[str, Any]]:
    """Counts for the home page: simulations in error, simulated, imported, finished."""
    libelles = {
        "simulations_en_erreur": "Simulations en erreur",
        Import.Etat.SIMULE: "Simulés, en attente d'import",
        Import.Etat.IMPORTE: "Importés, pièces jointes à déposer",
        Import.Etat.TERMINE: "Terminés",
    }
    comptes = dict.fromkeys(libelles, 0)
    for ligne in imports_du_fournisseur(fournisseur).order_by().values("etat", "resultat").annotate(nombre=Count("id")):
        if ligne["resultat"] != Import.Resultat.SIMULATION_OK:
            comptes["simulations_en_erreur"] += ligne["nombre"]
        elif ligne["etat"] in comptes:
            comptes[ligne["etat"]] += ligne["nombre"]
    return [{"libelle": libelles[cle], "nombre": comptes[cle]} for cle in libelles]


def simulations_a_importer(fournisseur: Fournisseur) -> QuerySet[Import]:
    """The supplier's successful simulations never imported (« Importer » is still to click), newest
    first; a simulation whose very file (same SHA-256) was imported through another simulation is
    left out: nothing is left to do for it."""
    importes = (
        Import.objects.filter(fournisseur=fournisseur)
        .exclude(etat=Import.Etat.SIMULE)
        .exclude(sha256="")
        .values("sha256")
    )
    return (
        imports_du_fournisseur(fournisseur)
        .filter(resultat=Import.Resultat.SIMULATION_OK, etat=Import.Etat.SIMULE)
        .exclude(sha256__in=importes)
        .order_by("-id")
    )
