"""Running the engine (imports.moteur.simulation.simuler) on a file and reading its verdict: the
file refused as a whole, or each line's anomalies; and the cases « one line, one change » that
every rule block checks (its failing changes and the variations that stay within the rule)."""

import copy

import pytest

from imports.moteur.anomalies import FichierRejete
from imports.moteur.simulation import simuler
from tests.documents import ANS, en_liberal, en_mandataire, en_solde, fichier, ligne_valide, poser, vers_octets
from tests.pages import MESSAGE_FORMAT

# --- A file through the engine ------------------------------------------------------------------


def lancer(contenu, fournisseur, *, type_demande="AVANCE", taux="20", numero_ans=ANS):
    """The simulation of a file: its bytes, or a document (dict) dumped as the guide's examples are."""
    if isinstance(contenu, dict):
        contenu = vers_octets(contenu)
    return simuler(contenu, fournisseur=fournisseur, numero_ans=numero_ans, type_demande=type_demande, taux_tva=taux)


def rejet(contenu: bytes, fournisseur, **options) -> FichierRejete:
    with pytest.raises(FichierRejete) as erreur:
        lancer(contenu, fournisseur, **options)
    return erreur.value


def rejet_format(contenu: bytes, fournisseur, **options) -> list[str]:
    erreur = rejet(contenu, fournisseur, **options)
    assert erreur.message == MESSAGE_FORMAT
    assert erreur.details, "the supplier must be told where the problem is"
    return erreur.details


def remplacer(contenu: bytes, avant: bytes, apres: bytes) -> bytes:
    assert contenu.count(avant) == 1, avant
    return contenu.replace(avant, apres)


def modifie(document: dict, action) -> bytes:
    document = copy.deepcopy(document)
    action(document)
    return vers_octets(document)


def toutes_valides(simulation):
    assert simulation.reussie, [ligne.libelle_traitement() for ligne in simulation.lignes]
    assert simulation.nb_lignes == simulation.nb_valides >= 1


# --- One line and its anomalies ---------------------------------------------------------------


def une_ligne(document_ttc, fournisseur, ligne, **options):
    simulation = lancer(fichier(document_ttc, ligne), fournisseur, **options)
    assert len(simulation.lignes) == 1
    return simulation.lignes[0]


def codes(resultat) -> set:
    return {a.code for a in resultat.anomalies}


def anomalie(resultat, code: str, chemin: str):
    """The anomaly `code` at `chemin` on this line (fails with the whole libellé otherwise)."""
    trouvees = [a for a in resultat.anomalies if a.code == code and a.chemin == chemin]
    assert trouvees, (
        f"{code} {chemin} attendu sur la demande n° {resultat.rang} ; reçu : {resultat.libelle_traitement()}"
    )
    return trouvees[0]


def valide(resultat):
    assert resultat.valide, resultat.libelle_traitement()
    assert (resultat.code_traitement(), resultat.libelle_traitement()) == ("OK", "Demande valide")


# --- One line, one change -----------------------------------------------------------------------

# How the line is prepared before the change: as in the example, for libéraux, with a mandataire.
BASES = {"structure": lambda ligne: ligne, "liberal": en_liberal, "mandataire": en_mandataire}
NOM_100 = "MDV-LGC-Va1-BDC-00001-" + "7" * 74 + ".pdf"
NOM_101 = "MDV-LGC-Va1-BDC-00001-" + "7" * 75 + ".pdf"


def ligne_modifiee(document_ttc, base, changements):
    ligne = BASES[base](ligne_valide(document_ttc))
    for chemin, valeur in changements.items():
        poser(ligne, chemin, valeur)
    return ligne


def verifier_echec(cas, document_ttc, relais):
    """A failing case (base, changes, code, chemin, words the supplier reads in the message): the
    line gets this anomaly, with these words, in its libellé."""
    base, changements, code, chemin, texte = cas
    resultat = une_ligne(document_ttc, relais, ligne_modifiee(document_ttc, base, changements))
    assert resultat.rang == 1
    trouvee = anomalie(resultat, code, chemin)
    assert texte in trouvee.message
    assert f"{code} {chemin} : " in resultat.libelle_traitement()


def verifier_reussite(cas, document_ttc, relais):
    """A variation (base, changes, code that must NOT appear, whether the whole line is then valid)."""
    base, changements, code, entierement_valide = cas
    resultat = une_ligne(document_ttc, relais, ligne_modifiee(document_ttc, base, changements))
    assert code not in codes(resultat), resultat.libelle_traitement()
    if entierement_valide:
        valide(resultat)


# --- Lines that refer to a demande of the database --------------------------------------------------


def ligne_de_modification(document_ttc, numero, action="M", n=1, geo=None):
    """A valid line that modifies (M) or cancels (A) the demande `numero`."""
    ligne = ligne_valide(document_ttc, n, geo=geo)
    ligne.update(typeAction=action, numeroASP=numero)
    return ligne


def ligne_de_solde(document_ttc, numero, geo):
    """A valid solde line referring to the avance `numero`."""
    ligne = en_solde(ligne_valide(document_ttc, geo=geo))
    ligne["numeroASP"] = numero
    return ligne


def ajouter_une_seconde_ligne(document):
    """Appends a copy of the first line, made valid next to it: numLigne 2, numéro éditeur 00002,
    its own FINESS géographique and piece."""
    seconde = copy.deepcopy(document["lignesImport"][0])
    seconde.update(numLigne=2, numeroEditeur="00002")
    seconde["beneficiaires"]["structure"]["FINESSGeo"] = ["020015764"]
    seconde["piecesJustificatives"][0]["nomFichier"] = "MDV-LGC-Va1-BDC-00002.pdf"
    document["lignesImport"].append(seconde)
