"""File checks, then every rule on every line (spec §3). No HTTP, no writes: usable from a shell.

`simuler` = `preparer` (reading, format, file checks, the rules that do not read the live
demandes) then `verifier_avec_la_base` (the context of live demandes, the rules declared
`lit_la_base`). The real import calls the two halves apart: the first once, before it takes the
couloir's lock, the second before the lock (to prepare its output file) and again under it.
"""

import copy
import dataclasses
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone

from demandes.models import Solution
from demandes.valeurs import RegimeTVA, TauxTVA, TypeDemande

from . import format as format_global
from .anomalies import MESSAGE_REGIME, Anomalie, FichierRejete, ResultatLigne
from .contexte import Contexte, charger_la_base, charger_referentiels
from .lecture import Document, lire, reperer_champs_reecrits
from .regles import FICHIER, LIGNE, catalogue


@dataclass
class Simulation:
    document: Document
    contexte: Contexte
    lignes: list[ResultatLigne]

    @property
    def nb_lignes(self):
        return len(self.lignes)

    @property
    def nb_valides(self):
        return sum(1 for ligne in self.lignes if ligne.valide)

    @property
    def nb_invalides(self):
        return self.nb_lignes - self.nb_valides

    @property
    def reussie(self):
        return self.nb_invalides == 0


def _fr(moment):
    return timezone.localtime(moment).strftime("%d/%m/%Y à %H:%M")


def trouver_solution(fournisseur, numero_ans) -> Solution:
    solution = (
        Solution.objects.select_related("couloir", "logiciel", "fournisseur")
        .filter(numero_ans=numero_ans, fournisseur=fournisseur)
        .first()
    )
    if solution is None:
        raise FichierRejete(f"Le numéro ANS « {numero_ans} » ne correspond à aucune solution de votre structure.")
    return solution


def verifier_fichier(document: Document, *, fournisseur, solution, type_demande, regime_attendu, maintenant):
    """Checks that refuse the whole file once its format is right (spec §3.1)."""
    racine = document.racine
    if racine["numeroAns"] != solution.numero_ans:
        proprietaire = Solution.objects.filter(numero_ans=racine["numeroAns"], fournisseur=fournisseur).exists()
        raison = (
            "est différent de celui choisi dans le formulaire"
            if proprietaire
            else "n'est pas une solution de votre structure ou diffère de celui choisi dans le formulaire"
        )
        raise FichierRejete(
            f"Le numéro ANS du fichier (numeroAns : « {racine['numeroAns']} ») {raison} ({solution.numero_ans})."
        )
    if racine["siret"] != fournisseur.siret:
        raise FichierRejete(
            f"Le SIRET du fichier (siret : « {racine['siret']} ») ne correspond pas au SIRET de votre structure "
            f"({fournisseur.siret})."
        )
    ecarts = [
        f"lignesImport[{rang}].commande.regimeTVA : « {ligne['commande']['regimeTVA']} » alors que le taux choisi "
        f"impose le régime {regime_attendu}"
        for rang, ligne in enumerate(racine["lignesImport"])
        if ligne["commande"]["regimeTVA"] in RegimeTVA.values and ligne["commande"]["regimeTVA"] != regime_attendu
    ]
    if ecarts:
        raise FichierRejete(
            MESSAGE_REGIME, ecarts[:10] + ([f"… et {len(ecarts) - 10} autre(s)"] if len(ecarts) > 10 else [])
        )
    ouverture, fermeture = solution.fenetre_depot(type_demande)
    if not (ouverture <= maintenant <= fermeture):
        raise FichierRejete(
            f"La période de dépôt des demandes {TypeDemande(type_demande).complement} de la solution {solution.numero_ans} "
            f"est fermée : elle est ouverte du {_fr(ouverture)} au {_fr(fermeture)}."
        )


def verifier_lignes(lignes: list, contexte: Contexte, *, lit_la_base: bool | None = None) -> list[ResultatLigne]:
    """The rules of the catalogue on every line; a line collects all its anomalies. `lit_la_base`:
    None for every rule, False / True for only the rules that do not / do read the live demandes."""
    resultats = [
        ResultatLigne(rang=rang + 1, num_ligne=ligne["numLigne"], numero_editeur=ligne["numeroEditeur"])
        for rang, ligne in enumerate(lignes)
    ]
    regles = [r for r in catalogue() if lit_la_base is None or r.lit_la_base == lit_la_base]
    regles_ligne = [r for r in regles if r.portee == LIGNE]
    for regle in regles:
        if regle.portee == FICHIER:
            for rang, chemin, message in regle.verifier(lignes, contexte):
                resultats[rang].anomalies.append(Anomalie(regle.code, chemin, message))
    for ligne, resultat in zip(lignes, resultats, strict=False):
        for regle in regles_ligne:
            for chemin, message in regle.verifier(ligne, contexte):
                resultat.anomalies.append(Anomalie(regle.code, chemin, message))
    for resultat in resultats:
        if resultat.anomalies:
            resultat.anomalies.sort(key=lambda a: a.code)  # stable: a rule's anomalies keep their order
    return resultats


def preparer(contenu: bytes, *, fournisseur, numero_ans, type_demande, taux_tva, maintenant=None) -> Simulation:
    """Everything that does not read what the imports write: the file read and checked (raises
    FichierRejete), the reference data, and every line checked by the rules not declared
    lit_la_base. Its lines are completed by verifier_avec_la_base."""
    maintenant = maintenant or timezone.now()
    solution = trouver_solution(fournisseur, numero_ans)
    regime_attendu = TauxTVA(str(taux_tva)).regime
    document = lire(contenu, max_octets=settings.SEGUR_MAX_JSON_BYTES, max_lignes=settings.SEGUR_MAX_LIGNES)
    format_global.verifier_format(document, type_demande)
    reperer_champs_reecrits(document)
    verifier_fichier(
        document,
        fournisseur=fournisseur,
        solution=solution,
        type_demande=type_demande,
        regime_attendu=regime_attendu,
        maintenant=maintenant,
    )
    contexte = charger_referentiels(
        fournisseur=fournisseur,
        solution=solution,
        type_demande=type_demande,
        regime_attendu=regime_attendu,
        aujourdhui=timezone.localdate(maintenant),
    )
    lignes = document.racine["lignesImport"]
    return Simulation(document=document, contexte=contexte, lignes=verifier_lignes(lignes, contexte, lit_la_base=False))


def verifier_avec_la_base(simulation: Simulation) -> Simulation:
    """`simulation` (from preparer) completed by the rules declared lit_la_base, as the database
    stands now: a new Simulation whose lines hold their anomalies in code order, as if every rule
    had run at once. `simulation` itself is left as it was, so that the real import can check the
    lines against the database before the couloir's lock and again under it."""
    lignes = simulation.document.racine["lignesImport"]
    contexte = copy.copy(simulation.contexte)
    charger_la_base(contexte, lignes)
    resultats = []
    for resultat, complement in zip(
        simulation.lignes, verifier_lignes(lignes, contexte, lit_la_base=True), strict=True
    ):
        # Each code belongs to one rule: sorting the union by code (stable) gives the order of a
        # single run of every rule.
        anomalies = sorted(resultat.anomalies + complement.anomalies, key=lambda a: a.code)
        resultats.append(dataclasses.replace(resultat, anomalies=anomalies))
    return Simulation(document=simulation.document, contexte=contexte, lignes=resultats)


def simuler(contenu: bytes, *, fournisseur, numero_ans, type_demande, taux_tva, maintenant=None) -> Simulation:
    """Every check of the file and every rule on every line. Raises FichierRejete when the file is
    refused before the line checks."""
    simulation = preparer(
        contenu,
        fournisseur=fournisseur,
        numero_ans=numero_ans,
        type_demande=type_demande,
        taux_tva=taux_tva,
        maintenant=maintenant,
    )
    return verifier_avec_la_base(simulation)
