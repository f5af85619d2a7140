"""Block « ligne »: numbering, action and references of each demande."""

import re
from collections import defaultdict

from demandes import numero_dossier
from demandes.valeurs import STATUTS_AVANT_INSTRUCTION, StatutDemande, TypeDemande

from ..identifiants import identifiants_beneficiaires
from . import FICHIER, regle

_NUMERO_EDITEUR = re.compile(r"[A-Za-z0-9_-]{1,20}")
ACTIONS = {"C": "création", "M": "modification", "A": "annulation"}


def _doublons(lignes, cle):
    """{value: [rank, …]} for values present in more than one line (None values ignored)."""
    rangs = defaultdict(list)
    for rang, ligne in enumerate(lignes):
        valeur = cle(ligne)
        if valeur is not None:
            rangs[valeur].append(rang)
    return {valeur: r for valeur, r in rangs.items() if len(r) > 1}


def _autres(rangs, rang):
    return ", ".join(str(r + 1) for r in rangs if r != rang)


# The largest integer of an integer column of the database.
MAX_NUM_LIGNE = 2_147_483_647


@regle(
    "E101",
    champ="numLigne",
    portee=FICHIER,
    description=f"numLigne est compris entre 1 et {MAX_NUM_LIGNE} et unique dans le fichier.",
)
def numero_de_ligne(lignes, contexte):
    for rang, ligne in enumerate(lignes):
        if ligne["numLigne"] < 1:
            yield rang, "numLigne", f"doit être supérieur ou égal à 1 (reçu : {ligne['numLigne']})"
        elif ligne["numLigne"] > MAX_NUM_LIGNE:
            yield rang, "numLigne", f"doit être inférieur ou égal à {MAX_NUM_LIGNE} (reçu : {ligne['numLigne']})"
    for valeur, rangs in _doublons(lignes, lambda l: l["numLigne"]).items():
        for rang in rangs:
            yield rang, "numLigne", f"numLigne {valeur} en double (aussi en demande n° {_autres(rangs, rang)})"


@regle("E102", champ="typeAction", description="typeAction vaut C (création), M (modification) ou A (annulation).")
def type_action(ligne, contexte):
    if ligne["typeAction"] not in ACTIONS:
        yield "typeAction", f"valeur « {ligne['typeAction']} » inconnue : C, M ou A attendu"


@regle(
    "E103",
    champ="numeroASP",
    portee=FICHIER,
    lit_la_base=True,
    description="numeroASP est null pour la création d'une avance ; pour une modification ou une "
    "annulation il désigne une demande existante du même fournisseur, du même numéro ANS et "
    "du même type, pas encore en instruction, dans sa version actuelle, visée par une seule "
    "demande du fichier ; pour une création de solde il est null ou désigne une avance décidée "
    "du même fournisseur, de la même solution et du même bénéficiaire.",
)
def numero_asp(lignes, contexte):
    for rang, ligne in enumerate(lignes):
        for chemin, message in _numero_asp_de_la_ligne(ligne, contexte):
            yield rang, chemin, message
    # Two modifications or cancellations of one dossier in a file: the second would act on a
    # version the supplier never saw.
    vises = _doublons(
        lignes, lambda l: numero_dossier.base_de(l["numeroASP"]) if l["typeAction"] in ("M", "A") else None
    )
    for numero, rangs in vises.items():
        for rang in rangs:
            yield (
                rang,
                "numeroASP",
                (
                    f"le dossier {numero} est visé par plusieurs demandes du fichier "
                    f"(aussi en demande n° {_autres(rangs, rang)})"
                ),
            )


def _numero_asp_de_la_ligne(ligne, contexte):
    action, valeur = ligne["typeAction"], ligne["numeroASP"]
    if action not in ACTIONS:
        return
    type_libelle = TypeDemande(contexte.type_demande).complement
    if action == "C" and contexte.type_demande == TypeDemande.AVANCE:
        if valeur is not None:
            yield "numeroASP", "doit être null pour la création d'une demande d'avance"
        return
    if action == "C" and valeur is None:
        return  # a solde without its avance
    if action == "C" and valeur == "":
        yield "numeroASP", "vide : null ou le numéro de dossier de l'avance décidée attendu"
        return
    if valeur is None or valeur == "":
        yield "numeroASP", f"obligatoire pour une {ACTIONS[action]} : numéro de la demande concernée attendu"
        return
    decoupe = numero_dossier.decouper(valeur)
    connue = contexte.demandes_referencees.get(decoupe.base) if decoupe else None
    if decoupe is None or connue is None or connue.fournisseur_id != contexte.fournisseur.pk:
        yield "numeroASP", f"la demande {valeur} n'existe pas parmi vos demandes"
        return
    if action == "C":
        if connue.type_demande != TypeDemande.AVANCE or connue.solution_id != contexte.solution.pk:
            yield "numeroASP", f"la demande {valeur} n'est pas une avance de la solution {contexte.solution.numero_ans}"
        elif connue.statut != StatutDemande.DECIDEE:
            yield "numeroASP", f"l'avance {valeur} n'est pas décidée"
        elif not (connue.beneficiaires & identifiants_beneficiaires(ligne)):
            yield "numeroASP", f"l'avance {valeur} ne concerne pas le même bénéficiaire"
        return
    if connue.solution_id != contexte.solution.pk:
        yield "numeroASP", f"la demande {valeur} ne relève pas du numéro ANS {contexte.solution.numero_ans}"
    elif connue.type_demande != contexte.type_demande:
        yield "numeroASP", f"la demande {valeur} n'est pas une demande {type_libelle}"
    elif connue.statut not in STATUTS_AVANT_INSTRUCTION:
        yield (
            "numeroASP",
            (
                f"la demande {valeur} ne peut plus être modifiée ni annulée "
                f"(statut : {StatutDemande(connue.statut).label})"
            ),
        )
    elif decoupe.version != connue.version:
        yield (
            "numeroASP",
            f"version dépassée : la version actuelle est {numero_dossier.formater(connue.numero, connue.version)}",
        )


@regle(
    "E104",
    champ="numeroEditeur",
    portee=FICHIER,
    lit_la_base=True,
    description="numeroEditeur compte 1 à 20 caractères parmi A-Z, a-z, 0-9, _ et -, est unique dans le "
    "fichier et n'est pas déjà utilisé par une autre demande en cours du fournisseur pour le même "
    "numéro ANS et le même type.",
)
def numero_editeur(lignes, contexte):
    for rang, ligne in enumerate(lignes):
        valeur = ligne["numeroEditeur"]
        if not _NUMERO_EDITEUR.fullmatch(valeur):
            yield rang, "numeroEditeur", f"« {valeur} » invalide : 1 à 20 caractères parmi A-Z, a-z, 0-9, _ et -"
        elif valeur in contexte.numeros_editeur_vivants and ligne["typeAction"] in ("C", "M"):
            # A modification may keep its own number, not take another live demande's.
            base = numero_dossier.base_de(ligne["numeroASP"])
            if ligne["typeAction"] == "C" or not base or contexte.numeros_editeur_vivants[valeur] != base:
                yield rang, "numeroEditeur", f"« {valeur} » est déjà utilisé par une de vos demandes en cours"
    for valeur, rangs in _doublons(lignes, lambda l: l["numeroEditeur"]).items():
        for rang in rangs:
            yield rang, "numeroEditeur", f"« {valeur} » en double (aussi en demande n° {_autres(rangs, rang)})"
