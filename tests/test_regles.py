"""Line rules E101–E502 (spec §3): for each code, lines that fail it and lines that pass it.

Every case starts from the guide's TTC example (one valid line) and changes as little as
possible, so a failure points at one rule.
"""

import copy
import datetime
import itertools
import re
from decimal import Decimal

import pytest
from django.utils import timezone

from demandes.models import Beneficiaire, Couloir, Demande, Logiciel, Solution
from demandes.valeurs import StatutDemande
from imports.moteur.simulation import simuler
from tests.conftest import vers_octets

ANS = "mlp525off1"
SIRET_UNIKALO = "87950324100017"  # owns cpiPFI0001 (HOP / PFI)
SIRET_HOPITAL = "41268937400012"  # owns bnd52qq600 (HOP / RI) and 2021k052a (HOP / DPI)
FINESS_1, FINESS_2 = "020015772", "020015111"  # the example's FINESS géographiques (valid keys)


# --- Small helpers ----------------------------------------------------------------------


def luhn(chiffres: str) -> bool:
    """Written here rather than imported, so the tests do not share a bug with the engine."""
    total = 0
    for rang, caractere in enumerate(reversed(chiffres)):
        valeur = int(caractere) * (2 if rang % 2 else 1)
        total += valeur - 9 if valeur > 9 else valeur
    return total % 10 == 0


def avec_cle(debut: str) -> str:
    return next(debut + str(cle) for cle in range(10) if luhn(debut + str(cle)))


def finess(n: int) -> str:
    return avec_cle(f"0300{n:04d}")


def rpps(n: int) -> str:
    return avec_cle(f"1000{n:06d}")


def sans_cle(numero: str) -> str:
    """The same number with a wrong key."""
    return numero[:-1] + str((int(numero[-1]) + 1) % 10)


def poser(objet, chemin: str, valeur):
    """poser(ligne, "beneficiaires.structure.FINESSGeo[1]", "…")"""
    elements = [int(e[1:-1]) if e.startswith("[") else e for e in re.findall(r"\[\d+\]|[^.\[\]]+", chemin)]
    for element in elements[:-1]:
        objet = objet[element]
    objet[elements[-1]] = valeur


def piece(type_fichier: str, nom: str, format_fichier: str = "PDF") -> dict:
    return {"nomFichier": nom, "formatFichier": format_fichier, "typeFichier": type_fichier}


def ligne_valide(document, n: int = 1, *, editeur: str | None = None, geo=None) -> dict:
    """A valid avance line, numLigne n, with its own numeroEditeur, FINESS and file names."""
    ligne = copy.deepcopy(document["lignesImport"][0])
    editeur = editeur or f"{n:05d}"
    ligne["numLigne"] = n
    ligne["numeroEditeur"] = editeur
    ligne["beneficiaires"]["structure"]["FINESSGeo"] = list(geo or [finess(n), finess(100 + n)])
    ligne["piecesJustificatives"] = [piece("BON_COMMANDE", f"MDV-LGC-Va1-BDC-{editeur}.pdf")]
    return ligne


def en_solde(ligne: dict) -> dict:
    editeur = ligne["numeroEditeur"]
    ligne["piecesJustificatives"] = [
        piece("FACTURE", f"MDV-LGC-Va1-FAC-{editeur}.pdf"),
        piece("PV_VSR", f"MDV-LGC-Va1-VSR-{editeur}.pdf"),
    ]
    return ligne


def medecin(rang: int, numero: str) -> dict:
    return {
        "nomMedecin": f"MARTIN {rang}",
        "emailMedecin": f"martin{rang}@cabinet.fr",
        "telephoneMedecin": "06 12 34 56 78",
        "RPPS": numero,
    }


def en_liberal(ligne: dict, *numeros_rpps) -> dict:
    numeros_rpps = numeros_rpps or (rpps(1),)
    beneficiaires = ligne["beneficiaires"]
    beneficiaires["commandePour"] = "LIBERAL"
    beneficiaires["isClientUnique"] = len(numeros_rpps) == 1
    beneficiaires["liberal"] = [medecin(rang, numero) for rang, numero in enumerate(numeros_rpps)]
    beneficiaires["structure"] = {
        "nomResponsable": None,
        "emailResponsable": None,
        "telephoneResponsable": None,
        "FINESSJuridique": None,
        "FINESSGeo": [],
    }
    return ligne


def en_mandataire(ligne: dict) -> dict:
    b = ligne["beneficiaires"]
    b.update(
        isMandataire=True,
        nomMandataire="CABINET CONSEIL",
        emailMandataire="contact@conseil.fr",
        telephoneMandataire="01 23 45 67 89",
    )
    ligne["piecesJustificatives"].append(piece("MANDAT", f"MDV-LGC-Va1-MAN-{ligne['numeroEditeur']}.pdf"))
    return ligne


def fichier(document, *lignes) -> dict:
    document = copy.deepcopy(document)
    document["lignesImport"] = list(lignes)
    return document


def lancer(document, fournisseur, *, type_demande="AVANCE", taux="20"):
    return simuler(
        vers_octets(document), fournisseur=fournisseur, numero_ans=ANS, type_demande=type_demande, taux_tva=taux
    )


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


# --- Demandes already in the database ----------------------------------------------------

_sequence = itertools.count(1)


def creer_demande(
    numero_ans=ANS,
    *,
    type_demande="AVANCE",
    statut=StatutDemande.DEPOSEE,
    version=0,
    beneficiaires=(FINESS_1,),
    numero_editeur=None,
    numero=None,
) -> Demande:
    solution = Solution.objects.select_related("couloir").get(numero_ans=numero_ans)
    rang = next(_sequence)
    demande = Demande.objects.create(
        numero=numero or f"FIN{solution.couloir.code}{900000 + rang:06d}",
        version=version,
        type_demande=type_demande,
        fournisseur=solution.fournisseur,
        solution=solution,
        numero_editeur=numero_editeur or f"EXISTANTE{rang}",
        date_commande=datetime.date(2021, 11, 24),
        regime_tva="TTC",
        montant_ht=Decimal("1000.00"),
        statut=statut,
    )
    for identifiant in beneficiaires:
        nature = Beneficiaire.Nature.RPPS if len(identifiant) == 11 else Beneficiaire.Nature.FINESS_GEO
        Beneficiaire.objects.create(demande=demande, nature=nature, identifiant=identifiant)
    return demande


def creer_solution(fournisseur, numero_ans, couloir="MDV", logiciel="LGC") -> Solution:
    tz = timezone.get_current_timezone()
    return Solution.objects.create(
        numero_ans=numero_ans,
        nom="Solution concurrente",
        fournisseur=fournisseur,
        couloir=Couloir.objects.get(code=couloir),
        logiciel=Logiciel.objects.get(code=logiciel),
        vague=1,
        date_referencement=datetime.date(2021, 9, 1),
        plafond_ht=Decimal("12000.00"),
        avance_ouverture=datetime.datetime(2021, 1, 1, tzinfo=tz),
        avance_fermeture=datetime.datetime(2099, 12, 31, tzinfo=tz),
        solde_ouverture=datetime.datetime(2021, 1, 1, tzinfo=tz),
        solde_fermeture=datetime.datetime(2099, 12, 31, tzinfo=tz),
    )


# --- One line, one change: the failing cases ---------------------------------------------

# How the line is prepared before the change: as in the example, for libéraux, with a mandataire.
BASES = {"structure": lambda ligne: ligne, "liberal": en_liberal, "mandataire": en_mandataire}
NOM_100 = "MDV-LGC-Va1-BDC-00001-" + "7" * 74 + ".pdf"
NOM_101 = "MDV-LGC-Va1-BDC-00001-" + "7" * 75 + ".pdf"

# (base, changes, code, chemin, words the supplier reads in the message)
ECHECS = {
    "E101 zéro": ("structure", {"numLigne": 0}, "E101", "numLigne", "supérieur ou égal à 1 (reçu : 0)"),
    "E101 négatif": ("structure", {"numLigne": -4}, "E101", "numLigne", "(reçu : -4)"),
    "E102 inconnu": ("structure", {"typeAction": "X"}, "E102", "typeAction", "« X » inconnue : C, M ou A"),
    "E102 minuscule": ("structure", {"typeAction": "c"}, "E102", "typeAction", "« c » inconnue"),
    "E103 création avance avec numéro": (
        "structure",
        {"numeroASP": "FINMDV000001M0"},
        "E103",
        "numeroASP",
        "doit être null pour la création d'une demande d'avance",
    ),
    "E103 modification sans numéro": (
        "structure",
        {"typeAction": "M"},
        "E103",
        "numeroASP",
        "obligatoire pour une modification",
    ),
    "E103 annulation sans numéro": (
        "structure",
        {"typeAction": "A"},
        "E103",
        "numeroASP",
        "obligatoire pour une annulation",
    ),
    "E103 modification numéro inconnu": (
        "structure",
        {"typeAction": "M", "numeroASP": "FINMDV999999M0"},
        "E103",
        "numeroASP",
        "FINMDV999999M0 n'existe pas parmi vos demandes",
    ),
    "E103 annulation numéro mal formé": (
        "structure",
        {"typeAction": "A", "numeroASP": "12345"},
        "E103",
        "numeroASP",
        "12345 n'existe pas",
    ),
    "E104 espace": ("structure", {"numeroEditeur": "000 01"}, "E104", "numeroEditeur", "« 000 01 » invalide"),
    "E104 vide": ("structure", {"numeroEditeur": ""}, "E104", "numeroEditeur", "1 à 20 caractères"),
    "E104 21 caractères": ("structure", {"numeroEditeur": "A" * 21}, "E104", "numeroEditeur", "1 à 20 caractères"),
    "E104 accent": ("structure", {"numeroEditeur": "commandé1"}, "E104", "numeroEditeur", "« commandé1 » invalide"),
    "E201 31 février": (
        "structure",
        {"commande.dateCommande": "31/02/2021"},
        "E201",
        "commande.dateCommande",
        "« 31/02/2021 » n'est pas une date valide au format JJ/MM/AAAA",
    ),
    "E201 format ISO": (
        "structure",
        {"commande.dateCommande": "2021-11-24"},
        "E201",
        "commande.dateCommande",
        "« 2021-11-24 »",
    ),
    "E201 jour sans zéro": (
        "structure",
        {"commande.dateCommande": "1/11/2021"},
        "E201",
        "commande.dateCommande",
        "JJ/MM/AAAA",
    ),
    "E201 mois 13": (
        "structure",
        {"commande.dateCommande": "24/13/2021"},
        "E201",
        "commande.dateCommande",
        "« 24/13/2021 »",
    ),
    "E201 29 février non bissextile": (
        "structure",
        {"commande.dateCommande": "29/02/2022"},
        "E201",
        "commande.dateCommande",
        "« 29/02/2022 »",
    ),
    "E201 vide": ("structure", {"commande.dateCommande": ""}, "E201", "commande.dateCommande", "date valide"),
    # référencement 01/09/2021 - 120 days = 04/05/2021
    "E203 121 jours avant": (
        "structure",
        {"commande.dateCommande": "03/05/2021"},
        "E203",
        "commande.dateCommande",
        "120 jours au référencement de la solution (01/09/2021) : au plus tôt le 04/05/2021",
    ),
    "E204 inconnu": (
        "structure",
        {"commande.regimeTVA": "TVA"},
        "E204",
        "commande.regimeTVA",
        "« TVA » inconnue : TTC ou HT",
    ),
    "E204 minuscule": ("structure", {"commande.regimeTVA": "ttc"}, "E204", "commande.regimeTVA", "« ttc »"),
    "E205 zéro": (
        "structure",
        {"commande.montantSegurHT": 0},
        "E205",
        "commande.montantSegurHT",
        "strictement positif (reçu : 0)",
    ),
    "E205 négatif": (
        "structure",
        {"commande.montantSegurHT": -100.5},
        "E205",
        "commande.montantSegurHT",
        "strictement positif (reçu : -100.5)",
    ),
    "E205 trois décimales": (
        "structure",
        {"commande.montantSegurHT": 100.123},
        "E205",
        "commande.montantSegurHT",
        "au plus 2 décimales (reçu : 100.123)",
    ),
    "E206 un centime de trop": (
        "structure",
        {"commande.montantSegurHT": 12000.01},
        "E206",
        "commande.montantSegurHT",
        "12000.01 € dépasse le plafond HT de la solution (12000.00 €)",
    ),
    "E301 inconnu": (
        "structure",
        {"beneficiaires.commandePour": "ENTREPRISE"},
        "E301",
        "beneficiaires.commandePour",
        "« ENTREPRISE » inconnue : STRUCTURE ou LIBERAL",
    ),
    "E302 clé FINESSGeo (exemple de la spec)": (
        "structure",
        {"beneficiaires.structure.FINESSGeo[1]": "020015112"},
        "E302",
        "beneficiaires.structure.FINESSGeo[1]",
        "clé FINESS invalide (020015112)",
    ),
    "E302 FINESSGeo 8 caractères": (
        "structure",
        {"beneficiaires.structure.FINESSGeo[0]": "02001577"},
        "E302",
        "beneficiaires.structure.FINESSGeo[0]",
        "(02001577)",
    ),
    "E302 FINESSGeo vide": (
        "structure",
        {"beneficiaires.structure.FINESSGeo": []},
        "E302",
        "beneficiaires.structure.FINESSGeo",
        "au moins un FINESS géographique",
    ),
    "E302 FINESSGeo en double": (
        "structure",
        {"beneficiaires.structure.FINESSGeo": [FINESS_1, FINESS_1]},
        "E302",
        "beneficiaires.structure.FINESSGeo[1]",
        f"FINESS {FINESS_1} en double",
    ),
    "E302 FINESSJuridique clé": (
        "structure",
        {"beneficiaires.structure.FINESSJuridique": "020015088"},
        "E302",
        "beneficiaires.structure.FINESSJuridique",
        "clé FINESS invalide (020015088)",
    ),
    "E302 FINESSJuridique null": (
        "structure",
        {"beneficiaires.structure.FINESSJuridique": None},
        "E302",
        "beneficiaires.structure.FINESSJuridique",
        "clé FINESS invalide",
    ),
    "E302 nomResponsable blanc": (
        "structure",
        {"beneficiaires.structure.nomResponsable": "  "},
        "E302",
        "beneficiaires.structure.nomResponsable",
        "nom du responsable obligatoire",
    ),
    "E302 email": (
        "structure",
        {"beneficiaires.structure.emailResponsable": "durand@"},
        "E302",
        "beneficiaires.structure.emailResponsable",
        "adresse électronique invalide (durand@)",
    ),
    "E302 téléphone étranger": (
        "structure",
        {"beneficiaires.structure.telephoneResponsable": "+44 20 7946 0958"},
        "E302",
        "beneficiaires.structure.telephoneResponsable",
        "numéro de téléphone français invalide (+44 20 7946 0958)",
    ),
    "E302 téléphone trop court": (
        "structure",
        {"beneficiaires.structure.telephoneResponsable": "064512451"},
        "E302",
        "beneficiaires.structure.telephoneResponsable",
        "(064512451)",
    ),
    "E302 liberal non vide": (
        "structure",
        {
            "beneficiaires.liberal": [
                {
                    "nomMedecin": "MARTIN",
                    "emailMedecin": "m@cabinet.fr",
                    "telephoneMedecin": "0612345678",
                    "RPPS": "10000000009",
                }
            ]
        },
        "E302",
        "beneficiaires.liberal",
        "doit être vide pour une commande pour une STRUCTURE",
    ),
    "E303 liberal vide": (
        "liberal",
        {"beneficiaires.liberal": [], "beneficiaires.isClientUnique": False},
        "E303",
        "beneficiaires.liberal",
        "au moins un professionnel libéral",
    ),
    "E303 clé RPPS": (
        "liberal",
        {"beneficiaires.liberal[0].RPPS": "10000000008"},
        "E303",
        "beneficiaires.liberal[0].RPPS",
        "RPPS invalide : 11 chiffres avec une clé valide (10000000008)",
    ),
    "E303 RPPS 10 chiffres": (
        "liberal",
        {"beneficiaires.liberal[0].RPPS": "1000000000"},
        "E303",
        "beneficiaires.liberal[0].RPPS",
        "(1000000000)",
    ),
    "E303 RPPS null": (
        "liberal",
        {"beneficiaires.liberal[0].RPPS": None},
        "E303",
        "beneficiaires.liberal[0].RPPS",
        "RPPS invalide",
    ),
    "E303 email médecin": (
        "liberal",
        {"beneficiaires.liberal[0].emailMedecin": "martin.cabinet.fr"},
        "E303",
        "beneficiaires.liberal[0].emailMedecin",
        "adresse électronique invalide (martin.cabinet.fr)",
    ),
    "E303 téléphone médecin": (
        "liberal",
        {"beneficiaires.liberal[0].telephoneMedecin": "12"},
        "E303",
        "beneficiaires.liberal[0].telephoneMedecin",
        "numéro de téléphone français invalide (12)",
    ),
    "E303 nom médecin": (
        "liberal",
        {"beneficiaires.liberal[0].nomMedecin": None},
        "E303",
        "beneficiaires.liberal[0].nomMedecin",
        "nom du médecin obligatoire",
    ),
    "E303 champ de structure renseigné": (
        "liberal",
        {"beneficiaires.structure.nomResponsable": "DURAND"},
        "E303",
        "beneficiaires.structure.nomResponsable",
        "doit être null ou vide pour une commande pour des LIBERAL",
    ),
    "E303 FINESSGeo renseigné": (
        "liberal",
        {"beneficiaires.structure.FINESSGeo": [FINESS_1]},
        "E303",
        "beneficiaires.structure.FINESSGeo",
        "doit être vide",
    ),
    "E304 mandataire sans nom": (
        "mandataire",
        {"beneficiaires.nomMandataire": None},
        "E304",
        "beneficiaires.nomMandataire",
        "nom du mandataire obligatoire",
    ),
    "E304 mandataire email": (
        "mandataire",
        {"beneficiaires.emailMandataire": "contact"},
        "E304",
        "beneficiaires.emailMandataire",
        "adresse électronique invalide (contact)",
    ),
    "E304 mandataire téléphone": (
        "mandataire",
        {"beneficiaires.telephoneMandataire": None},
        "E304",
        "beneficiaires.telephoneMandataire",
        "numéro de téléphone français invalide",
    ),
    "E304 pas mandataire mais nom": (
        "structure",
        {"beneficiaires.nomMandataire": "CABINET"},
        "E304",
        "beneficiaires.nomMandataire",
        "doit être null quand isMandataire vaut false",
    ),
    "E401 type inconnu": (
        "structure",
        {"piecesJustificatives[0].typeFichier": "DEVIS"},
        "E401",
        "piecesJustificatives[0].typeFichier",
        "« DEVIS » inconnue",
    ),
    "E402 format inconnu": (
        "structure",
        {"piecesJustificatives[0].formatFichier": "DOCX"},
        "E402",
        "piecesJustificatives[0].formatFichier",
        "« DOCX » inconnue : PDF, JPG ou PNG",
    ),
    "E402 format et extension": (
        "structure",
        {"piecesJustificatives[0].nomFichier": "MDV-LGC-Va1-BDC-00001.png"},
        "E402",
        "piecesJustificatives[0].formatFichier",
        "le format PDF ne correspond pas à l'extension du fichier « MDV-LGC-Va1-BDC-00001.png »",
    ),
    "E402 JPG pour un pdf": (
        "structure",
        {"piecesJustificatives[0].formatFichier": "JPG"},
        "E402",
        "piecesJustificatives[0].formatFichier",
        "(.jpg ou .jpeg attendu)",
    ),
    "E403 chemin": (
        "structure",
        {"piecesJustificatives[0].nomFichier": "pieces/MDV-LGC-Va1-BDC-00001.pdf"},
        "E403",
        "piecesJustificatives[0].nomFichier",
        "ne doit pas contenir de chemin",
    ),
    "E403 chemin windows": (
        "structure",
        {"piecesJustificatives[0].nomFichier": "C:\\MDV-LGC-Va1-BDC-00001.pdf"},
        "E403",
        "piecesJustificatives[0].nomFichier",
        "ne doit pas contenir de chemin",
    ),
    "E403 espace": (
        "structure",
        {"piecesJustificatives[0].nomFichier": "MDV-LGC-Va1-BDC-00001 v2.pdf"},
        "E403",
        "piecesJustificatives[0].nomFichier",
        "caractères autorisés A-Z, a-z, 0-9, point, _ et -",
    ),
    "E403 101 caractères": (
        "structure",
        {"piecesJustificatives[0].nomFichier": NOM_101},
        "E403",
        "piecesJustificatives[0].nomFichier",
        "nom de 101 caractères : 100 au plus",
    ),
    "E404 sans préfixe": (
        "structure",
        {"piecesJustificatives[0].nomFichier": "BDC-00001.pdf"},
        "E404",
        "piecesJustificatives[0].nomFichier",
        "« BDC-00001.pdf » ne suit pas la nomenclature : MDV-LGC-Va1-BDC-00001[-n].pdf",
    ),
    "E404 mauvais code de pièce": (
        "structure",
        {"piecesJustificatives[0].nomFichier": "MDV-LGC-Va1-FAC-00001.pdf"},
        "E404",
        "piecesJustificatives[0].nomFichier",
        "MDV-LGC-Va1-BDC-00001[-n]",
    ),
    "E404 autre numeroEditeur": (
        "structure",
        {"piecesJustificatives[0].nomFichier": "MDV-LGC-Va1-BDC-00002.pdf"},
        "E404",
        "piecesJustificatives[0].nomFichier",
        "ne suit pas la nomenclature",
    ),
    "E404 mauvaise vague": (
        "structure",
        {"piecesJustificatives[0].nomFichier": "MDV-LGC-Va2-BDC-00001.pdf"},
        "E404",
        "piecesJustificatives[0].nomFichier",
        "ne suit pas la nomenclature",
    ),
    "E404 suffixe non numérique": (
        "structure",
        {"piecesJustificatives[0].nomFichier": "MDV-LGC-Va1-BDC-00001-a.pdf"},
        "E404",
        "piecesJustificatives[0].nomFichier",
        "ne suit pas la nomenclature",
    ),
    "E404 suffixe vide": (
        "structure",
        {"piecesJustificatives[0].nomFichier": "MDV-LGC-Va1-BDC-00001-.pdf"},
        "E404",
        "piecesJustificatives[0].nomFichier",
        "ne suit pas la nomenclature",
    ),
    "E405 deux fois dans la demande": (
        "structure",
        {
            "piecesJustificatives": [
                piece("BON_COMMANDE", "MDV-LGC-Va1-BDC-00001.pdf"),
                piece("BON_COMMANDE", "MDV-LGC-Va1-BDC-00001.pdf"),
            ]
        },
        "E405",
        "piecesJustificatives[1].nomFichier",
        "« MDV-LGC-Va1-BDC-00001.pdf » en double (deux fois dans cette demande)",
    ),
    "E406 avance sans bon de commande": (
        "structure",
        {"piecesJustificatives": []},
        "E406",
        "piecesJustificatives",
        "pièce(s) obligatoire(s) manquante(s) : BON_COMMANDE",
    ),
    "E406 mandataire sans mandat": (
        "mandataire",
        {"piecesJustificatives": [piece("BON_COMMANDE", "MDV-LGC-Va1-BDC-00001.pdf")]},
        "E406",
        "piecesJustificatives",
        "MANDAT",
    ),
    "E501 direct sans opérateur": (
        "structure",
        {"scenarioInstallation.operateurMessagerie": None},
        "E501",
        "scenarioInstallation.operateurMessagerie",
        "obligatoire quand un flux MSSanté est envoyé en direct",
    ),
    "E501 opérateur inconnu": (
        "structure",
        {"scenarioInstallation.operateurMessagerie": "MAI_99"},
        "E501",
        "scenarioInstallation.operateurMessagerie",
        "opérateur « MAI_99 » inconnu",
    ),
    "E501 opérateur sans flux direct": (
        "structure",
        {
            "scenarioInstallation.isDirectToMSSPro": False,
            "scenarioInstallation.isPFIToMSSPro": True,
            "scenarioInstallation.isDirectToMSSCitoyen": False,
            "scenarioInstallation.isPFIToMSSCitoyen": True,
        },
        "E501",
        "scenarioInstallation.operateurMessagerie",
        "doit être null quand aucun flux MSSanté",
    ),
    "E502 DMP deux fois": (
        "structure",
        {"scenarioInstallation.isDirectToDMP": True},
        "E502",
        "scenarioInstallation.isDirectToDMP",
        "flux DMP : exactement un de isDirectToDMP et isPFIToDMP doit valoir true",
    ),
    "E502 MSSPro aucun": (
        "structure",
        {"scenarioInstallation.isDirectToMSSPro": False},
        "E502",
        "scenarioInstallation.isDirectToMSSPro",
        "flux MSSPro",
    ),
    "E502 MSSCitoyen deux fois": (
        "structure",
        {"scenarioInstallation.isPFIToMSSCitoyen": True},
        "E502",
        "scenarioInstallation.isDirectToMSSCitoyen",
        "flux MSSCitoyen",
    ),
}


def _ligne_modifiee(document_ttc, base, changements):
    ligne = BASES[base](ligne_valide(document_ttc))
    for chemin, valeur in changements.items():
        poser(ligne, chemin, valeur)
    return ligne


@pytest.mark.parametrize("cas", list(ECHECS), ids=list(ECHECS))
def test_une_ligne_en_erreur(cas, document_ttc, relais):
    base, changements, code, chemin, texte = ECHECS[cas]
    resultat = une_ligne(document_ttc, relais, _ligne_modifiee(document_ttc, base, changements))
    assert resultat.rang == 1
    trouvee = anomalie(resultat, code, chemin)
    assert texte in trouvee.message
    assert f"{code} {chemin} : " in resultat.libelle_traitement()


# --- One line, one change: variations that stay within the rule ---------------------------

# (base, changes, code that must NOT appear, whether the whole line is then valid)
REUSSITES = {
    "E101 numLigne quelconque": ("structure", {"numLigne": 7}, "E101", True),
    "E102 annulation reconnue": ("structure", {"typeAction": "A"}, "E102", False),  # E103 only
    "E102 modification reconnue": ("structure", {"typeAction": "M"}, "E102", False),
    "E103 création d'avance sans numéro": ("structure", {"numeroASP": None}, "E103", True),
    "E104 20 caractères tirets et soulignés": (
        "structure",
        {
            "numeroEditeur": "Ab_9-Ab_9-Ab_9-Ab_9-",
            "piecesJustificatives[0].nomFichier": "MDV-LGC-Va1-BDC-Ab_9-Ab_9-Ab_9-Ab_9-.pdf",
        },
        "E104",
        True,
    ),
    "E104 un caractère": (
        "structure",
        {"numeroEditeur": "7", "piecesJustificatives[0].nomFichier": "MDV-LGC-Va1-BDC-7.pdf"},
        "E104",
        True,
    ),
    "E201 29 février bissextile": ("structure", {"commande.dateCommande": "29/02/2024"}, "E201", True),
    "E203 exactement 120 jours avant": ("structure", {"commande.dateCommande": "04/05/2021"}, "E203", True),
    "E204 TTC": ("structure", {"commande.regimeTVA": "TTC"}, "E204", True),
    "E205 un centime": ("structure", {"commande.montantSegurHT": 0.01}, "E205", True),
    "E205 entier": ("structure", {"commande.montantSegurHT": 10750}, "E205", True),
    "E205 une décimale": ("structure", {"commande.montantSegurHT": 99.9}, "E205", True),
    "E206 exactement le plafond": ("structure", {"commande.montantSegurHT": 12000}, "E206", True),
    "E301 LIBERAL": ("liberal", {}, "E301", True),
    "E302 téléphone +33 avec espaces": (
        "structure",
        {"beneficiaires.structure.telephoneResponsable": "+33 6 45 12 45 12"},
        "E302",
        True,
    ),
    "E302 téléphone avec points": (
        "structure",
        {"beneficiaires.structure.telephoneResponsable": "06.45.12.45.12"},
        "E302",
        True,
    ),
    "E302 FINESS corse 2A": ("structure", {"beneficiaires.structure.FINESSGeo": ["2A0000016"]}, "E302", True),
    "E302 un seul FINESSGeo": ("structure", {"beneficiaires.structure.FINESSGeo": [FINESS_2]}, "E302", True),
    "E303 deux libéraux sans client unique": (
        "liberal",
        {"beneficiaires.liberal": [medecin(0, rpps(1)), medecin(1, rpps(2))], "beneficiaires.isClientUnique": False},
        "E303",
        True,
    ),
    "E303 champs de structure vides": (
        "liberal",
        {
            "beneficiaires.structure.nomResponsable": "",
            "beneficiaires.structure.emailResponsable": "",
            "beneficiaires.structure.FINESSJuridique": "",
        },
        "E303",
        True,
    ),
    "E304 mandataire complet avec mandat": ("mandataire", {}, "E304", True),
    "E304 pas de mandataire": ("structure", {"beneficiaires.isMandataire": False}, "E304", True),
    "E401 pièce AUTRE en plus": (
        "structure",
        {
            "piecesJustificatives": [
                piece("BON_COMMANDE", "MDV-LGC-Va1-BDC-00001.pdf"),
                piece("AUTRE", "MDV-LGC-Va1-AUT-00001.pdf"),
            ]
        },
        "E401",
        True,
    ),
    "E402 JPG en .jpeg": (
        "structure",
        {
            "piecesJustificatives[0].nomFichier": "MDV-LGC-Va1-BDC-00001.jpeg",
            "piecesJustificatives[0].formatFichier": "JPG",
        },
        "E402",
        True,
    ),
    "E402 PNG": (
        "structure",
        {
            "piecesJustificatives[0].nomFichier": "MDV-LGC-Va1-BDC-00001.png",
            "piecesJustificatives[0].formatFichier": "PNG",
        },
        "E402",
        True,
    ),
    "E403 100 caractères": ("structure", {"piecesJustificatives[0].nomFichier": NOM_100}, "E403", True),
    "E404 suffixe numéroté": (
        "structure",
        {"piecesJustificatives[0].nomFichier": "MDV-LGC-Va1-BDC-00001-2.pdf"},
        "E404",
        True,
    ),
    "E405 deux pièces numérotées": (
        "structure",
        {
            "piecesJustificatives": [
                piece("BON_COMMANDE", "MDV-LGC-Va1-BDC-00001-1.pdf"),
                piece("BON_COMMANDE", "MDV-LGC-Va1-BDC-00001-2.pdf"),
            ]
        },
        "E405",
        True,
    ),
    "E406 bon de commande en jpg": (
        "structure",
        {"piecesJustificatives[0]": piece("BON_COMMANDE", "MDV-LGC-Va1-BDC-00001.jpg", "JPG")},
        "E406",
        True,
    ),
    "E501 autre opérateur connu": ("structure", {"scenarioInstallation.operateurMessagerie": "API_35"}, "E501", True),
    "E501 flux MSSanté par la PFI sans opérateur": (
        "structure",
        {
            "scenarioInstallation.operateurMessagerie": None,
            "scenarioInstallation.isDirectToMSSPro": False,
            "scenarioInstallation.isPFIToMSSPro": True,
            "scenarioInstallation.isDirectToMSSCitoyen": False,
            "scenarioInstallation.isPFIToMSSCitoyen": True,
        },
        "E501",
        True,
    ),
    "E502 DMP en direct": (
        "structure",
        {"scenarioInstallation.isDirectToDMP": True, "scenarioInstallation.isPFIToDMP": False},
        "E502",
        True,
    ),
}


@pytest.mark.parametrize("cas", list(REUSSITES), ids=list(REUSSITES))
def test_une_ligne_sans_cette_erreur(cas, document_ttc, relais):
    base, changements, code, entierement_valide = REUSSITES[cas]
    resultat = une_ligne(document_ttc, relais, _ligne_modifiee(document_ttc, base, changements))
    assert code not in codes(resultat), resultat.libelle_traitement()
    if entierement_valide:
        valide(resultat)


def test_ligne_de_l_exemple_valide(document_ttc, relais):
    valide(lancer(document_ttc, relais).lignes[0])


# --- Dates relative to today (E202) -------------------------------------------------------


def _date(jour: datetime.date) -> str:
    return jour.strftime("%d/%m/%Y")


def test_e202_date_de_commande_future(document_ttc, relais):
    demain = timezone.localdate() + datetime.timedelta(days=1)
    ligne = ligne_valide(document_ttc)
    ligne["commande"]["dateCommande"] = _date(demain)
    resultat = une_ligne(document_ttc, relais, ligne)
    message = anomalie(resultat, "E202", "commande.dateCommande").message
    assert message == (
        f"la date de commande {_date(demain)} est postérieure au jour du dépôt ({_date(timezone.localdate())})"
    )


def test_e202_commande_du_jour_acceptee(document_ttc, relais):
    ligne = ligne_valide(document_ttc)
    ligne["commande"]["dateCommande"] = _date(timezone.localdate())
    valide(une_ligne(document_ttc, relais, ligne))


# --- Régime HT, solde -----------------------------------------------------------------------


def test_e406_regime_ht_sans_justificatif(document_ttc, relais):
    ligne = ligne_valide(document_ttc)
    ligne["commande"]["regimeTVA"] = "HT"
    resultat = une_ligne(document_ttc, relais, ligne, taux="0")
    assert anomalie(resultat, "E406", "piecesJustificatives").message.endswith("manquante(s) : PRELVE_HT")


def test_e406_regime_ht_avec_justificatif(document_ttc, relais):
    ligne = ligne_valide(document_ttc)
    ligne["commande"]["regimeTVA"] = "HT"
    ligne["piecesJustificatives"].append(piece("PRELVE_HT", "MDV-LGC-Va1-HT-00001.pdf"))
    valide(une_ligne(document_ttc, relais, ligne, taux="0"))


def test_e406_solde_sans_facture_ni_pv(document_ttc, relais):
    ligne = ligne_valide(document_ttc)  # only a bon de commande, which a solde does not need
    resultat = une_ligne(document_ttc, relais, ligne, type_demande="SOLDE")
    message = anomalie(resultat, "E406", "piecesJustificatives").message
    assert "FACTURE" in message and "PV_VSR" in message and "BON_COMMANDE" not in message


def test_e406_solde_avec_facture_et_pv_sans_bon_de_commande(document_ttc, relais):
    valide(une_ligne(document_ttc, relais, en_solde(ligne_valide(document_ttc)), type_demande="SOLDE"))


def test_e406_solde_sans_pv(document_ttc, relais):
    ligne = en_solde(ligne_valide(document_ttc))
    del ligne["piecesJustificatives"][1]
    resultat = une_ligne(document_ttc, relais, ligne, type_demande="SOLDE")
    assert anomalie(resultat, "E406", "piecesJustificatives").message.endswith("manquante(s) : PV_VSR")


# --- A line collects all its errors -----------------------------------------------------------


def test_une_ligne_collecte_toutes_ses_erreurs(document_ttc, relais):
    ligne = ligne_valide(document_ttc)
    ligne["commande"]["dateCommande"] = "32/01/2022"
    ligne["commande"]["montantSegurHT"] = 15000
    ligne["beneficiaires"]["structure"]["FINESSGeo"] = [FINESS_1, "020015112"]
    ligne["piecesJustificatives"][0]["formatFichier"] = "PNG"
    ligne["scenarioInstallation"]["isPFIToDMP"] = False
    resultat = une_ligne(document_ttc, relais, ligne)
    assert [a.code for a in resultat.anomalies] == ["E201", "E206", "E302", "E402", "E502"]
    assert resultat.code_traitement() == "E201"
    libelle = resultat.libelle_traitement()
    assert libelle.count(" ; ") == 4
    assert "E302 beneficiaires.structure.FINESSGeo[1] : clé FINESS invalide (020015112)" in libelle.split(" ; ")


def test_plusieurs_erreurs_de_la_meme_regle_sur_une_ligne(document_ttc, relais):
    ligne = ligne_valide(document_ttc)
    ligne["beneficiaires"]["structure"].update(
        emailResponsable="x", telephoneResponsable="1", FINESSGeo=["020015112", "020015773"]
    )
    resultat = une_ligne(document_ttc, relais, ligne)
    chemins = [a.chemin for a in resultat.anomalies if a.code == "E302"]
    assert chemins == [
        "beneficiaires.structure.emailResponsable",
        "beneficiaires.structure.telephoneResponsable",
        "beneficiaires.structure.FINESSGeo[0]",
        "beneficiaires.structure.FINESSGeo[1]",
    ]


def test_erreurs_attribuees_a_la_bonne_ligne(document_ttc, relais):
    milieu = ligne_valide(document_ttc, 2)
    milieu["commande"]["regimeTVA"] = "TTX"
    simulation = lancer(
        fichier(document_ttc, ligne_valide(document_ttc, 1), milieu, ligne_valide(document_ttc, 3)), relais
    )
    premiere, deuxieme, troisieme = simulation.lignes
    valide(premiere)
    valide(troisieme)
    assert deuxieme.rang == 2 and codes(deuxieme) == {"E204"}
    assert (simulation.nb_valides, simulation.nb_invalides, simulation.reussie) == (2, 1, False)


# --- Duplicates inside the file: every line involved is flagged -------------------------------


def test_e101_numligne_en_double_sur_chaque_ligne(document_ttc, relais):
    lignes = [ligne_valide(document_ttc, 1), ligne_valide(document_ttc, 2), ligne_valide(document_ttc, 3)]
    lignes[2]["numLigne"] = 1
    simulation = lancer(fichier(document_ttc, *lignes), relais)
    assert anomalie(simulation.lignes[0], "E101", "numLigne").message == "numLigne 1 en double (aussi en demande n° 3)"
    assert anomalie(simulation.lignes[2], "E101", "numLigne").message == "numLigne 1 en double (aussi en demande n° 1)"
    valide(simulation.lignes[1])


def test_e101_numlignes_distincts(document_ttc, relais):
    simulation = lancer(fichier(document_ttc, ligne_valide(document_ttc, 2), ligne_valide(document_ttc, 1)), relais)
    assert simulation.reussie, [l.libelle_traitement() for l in simulation.lignes]


def test_e104_numero_editeur_en_double_sur_chaque_ligne(document_ttc, relais):
    premiere = ligne_valide(document_ttc, 1, editeur="CMD-7")
    seconde = ligne_valide(document_ttc, 2, editeur="CMD-7")
    seconde["piecesJustificatives"][0]["nomFichier"] = "MDV-LGC-Va1-BDC-CMD-7-2.pdf"  # keep E405 out
    simulation = lancer(fichier(document_ttc, premiere, seconde), relais)
    assert (
        anomalie(simulation.lignes[0], "E104", "numeroEditeur").message == "« CMD-7 » en double (aussi en demande n° 2)"
    )
    assert (
        anomalie(simulation.lignes[1], "E104", "numeroEditeur").message == "« CMD-7 » en double (aussi en demande n° 1)"
    )
    assert all(codes(ligne) == {"E104"} for ligne in simulation.lignes)


def test_e305_finess_dans_deux_lignes(document_ttc, relais):
    premiere = ligne_valide(document_ttc, 1, geo=[FINESS_1, finess(1)])
    seconde = ligne_valide(document_ttc, 2, geo=[finess(2), FINESS_1])
    simulation = lancer(fichier(document_ttc, premiere, seconde), relais)
    assert anomalie(simulation.lignes[0], "E305", "beneficiaires.structure.FINESSGeo[0]").message == (
        f"le bénéficiaire {FINESS_1} figure aussi en demande n° 2"
    )
    assert anomalie(simulation.lignes[1], "E305", "beneficiaires.structure.FINESSGeo[1]").message == (
        f"le bénéficiaire {FINESS_1} figure aussi en demande n° 1"
    )


def test_e305_rpps_dans_trois_lignes(document_ttc, relais):
    lignes = [en_liberal(ligne_valide(document_ttc, n), rpps(5)) for n in (1, 2, 3)]
    simulation = lancer(fichier(document_ttc, *lignes), relais)
    for resultat, autres in zip(simulation.lignes, ("2, 3", "1, 3", "1, 2"), strict=False):
        assert anomalie(resultat, "E305", "beneficiaires.liberal[0].RPPS").message == (
            f"le bénéficiaire {rpps(5)} figure aussi en demande n° {autres}"
        )


def test_e305_beneficiaires_distincts(document_ttc, relais):
    lignes = [
        ligne_valide(document_ttc, 1),
        en_liberal(ligne_valide(document_ttc, 2), rpps(1)),
        en_liberal(ligne_valide(document_ttc, 3), rpps(2)),
    ]
    simulation = lancer(fichier(document_ttc, *lignes), relais)
    assert simulation.reussie, [l.libelle_traitement() for l in simulation.lignes]


def test_e305_une_annulation_ne_compte_pas(document_ttc, relais):
    existante = creer_demande(beneficiaires=(finess(9),))
    annulation = ligne_valide(document_ttc, 1, geo=[finess(9)])
    annulation.update(typeAction="A", numeroASP=existante.numero_dossier)
    creation = ligne_valide(document_ttc, 2, geo=[finess(9)])
    simulation = lancer(fichier(document_ttc, annulation, creation), relais)
    assert all("E305" not in codes(ligne) for ligne in simulation.lignes)
    valide(simulation.lignes[0])


def test_e405_nom_de_fichier_dans_deux_lignes(document_ttc, relais):
    premiere = ligne_valide(document_ttc, 1)
    seconde = ligne_valide(document_ttc, 2)
    premiere["piecesJustificatives"].append(piece("AUTRE", "MDV-LGC-Va1-AUT-00001.pdf"))
    seconde["piecesJustificatives"].insert(0, piece("AUTRE", "MDV-LGC-Va1-AUT-00001.pdf"))
    simulation = lancer(fichier(document_ttc, premiere, seconde), relais)
    assert anomalie(simulation.lignes[0], "E405", "piecesJustificatives[1].nomFichier").message == (
        "« MDV-LGC-Va1-AUT-00001.pdf » en double (aussi en demande n° 2)"
    )
    assert anomalie(simulation.lignes[1], "E405", "piecesJustificatives[0].nomFichier").message == (
        "« MDV-LGC-Va1-AUT-00001.pdf » en double (aussi en demande n° 1)"
    )


def test_e405_deux_fois_dans_la_meme_ligne_les_deux_pieces(document_ttc, relais):
    ligne = ligne_valide(document_ttc)
    ligne["piecesJustificatives"].append(piece("BON_COMMANDE", "MDV-LGC-Va1-BDC-00001.pdf"))
    resultat = une_ligne(document_ttc, relais, ligne)
    assert [a.chemin for a in resultat.anomalies if a.code == "E405"] == [
        "piecesJustificatives[0].nomFichier",
        "piecesJustificatives[1].nomFichier",
    ]


# --- E103 / E104 / E306: what the database already holds ---------------------------------------


def _modification(document_ttc, numero, action="M", n=1, geo=None):
    ligne = ligne_valide(document_ttc, n, geo=geo)
    ligne.update(typeAction=action, numeroASP=numero)
    return ligne


@pytest.mark.parametrize("action", ["M", "A"])
def test_e103_modification_de_sa_demande_deposee(action, document_ttc, relais):
    demande = creer_demande(statut=StatutDemande.DEPOSEE)
    resultat = une_ligne(
        document_ttc, relais, _modification(document_ttc, demande.numero_dossier, action, geo=[FINESS_1])
    )
    valide(resultat)  # nor E306: the demande being modified does not block its own beneficiary


@pytest.mark.parametrize("action", ["M", "A"])
def test_e103_demande_d_un_autre_fournisseur(action, document_ttc, relais):
    autre = creer_demande("cpiPFI0001", beneficiaires=(finess(50),))
    assert autre.fournisseur.siret == SIRET_UNIKALO
    resultat = une_ligne(document_ttc, relais, _modification(document_ttc, autre.numero_dossier, action))
    # Same words as for a number that does not exist: nothing is disclosed about the other demande.
    assert anomalie(resultat, "E103", "numeroASP").message == (
        f"la demande {autre.numero_dossier} n'existe pas parmi vos demandes"
    )


def test_e103_demande_d_un_troisieme_fournisseur(document_ttc, relais):
    autre = creer_demande("2021k052a", beneficiaires=(finess(51),))
    assert autre.fournisseur.siret == SIRET_HOPITAL
    resultat = une_ligne(document_ttc, relais, _modification(document_ttc, autre.numero_dossier))
    assert "n'existe pas parmi vos demandes" in anomalie(resultat, "E103", "numeroASP").message


@pytest.mark.parametrize(
    "statut", [StatutDemande.EN_INSTRUCTION, StatutDemande.DECIDEE, StatutDemande.REJETEE, StatutDemande.ANNULEE]
)
def test_e103_demande_plus_modifiable(statut, document_ttc, relais):
    demande = creer_demande(statut=statut)
    resultat = une_ligne(document_ttc, relais, _modification(document_ttc, demande.numero_dossier, geo=[finess(3)]))
    assert anomalie(resultat, "E103", "numeroASP").message == (
        f"la demande {demande.numero_dossier} ne peut plus être modifiée ni annulée (statut : {statut.label})"
    )


def test_e103_en_attente_des_pieces_modifiable(document_ttc, relais):
    demande = creer_demande(statut=StatutDemande.EN_ATTENTE_PIECES)
    resultat = une_ligne(document_ttc, relais, _modification(document_ttc, demande.numero_dossier, "A"))
    assert "E103" not in codes(resultat)


def test_e103_version_depassee(document_ttc, relais):
    demande = creer_demande(version=2)
    resultat = une_ligne(document_ttc, relais, _modification(document_ttc, f"{demande.numero}M1"))
    assert anomalie(resultat, "E103", "numeroASP").message == (
        f"version dépassée : la version actuelle est {demande.numero}M2"
    )


def test_e103_version_actuelle(document_ttc, relais):
    demande = creer_demande(version=2)
    resultat = une_ligne(document_ttc, relais, _modification(document_ttc, f"{demande.numero}M2"))
    assert "E103" not in codes(resultat)


def test_e103_modification_d_un_solde_dans_un_fichier_d_avance(document_ttc, relais):
    solde = creer_demande(type_demande="SOLDE", beneficiaires=(finess(4),))
    resultat = une_ligne(document_ttc, relais, _modification(document_ttc, solde.numero_dossier))
    assert anomalie(resultat, "E103", "numeroASP").message == (
        f"la demande {solde.numero_dossier} n'est pas une demande d'avance"
    )


def test_e103_modification_d_une_avance_dans_un_fichier_de_solde(document_ttc, relais):
    avance = creer_demande(type_demande="AVANCE", beneficiaires=(finess(4),))
    ligne = en_solde(_modification(document_ttc, avance.numero_dossier))
    resultat = une_ligne(document_ttc, relais, ligne, type_demande="SOLDE")
    assert anomalie(resultat, "E103", "numeroASP").message == (
        f"la demande {avance.numero_dossier} n'est pas une demande de solde"
    )


def test_e103_modification_d_un_solde_dans_un_fichier_de_solde(document_ttc, relais):
    solde = creer_demande(type_demande="SOLDE", beneficiaires=(finess(4),))
    ligne = en_solde(_modification(document_ttc, solde.numero_dossier))
    valide(une_ligne(document_ttc, relais, ligne, type_demande="SOLDE"))


def _solde(document_ttc, numero, geo):
    ligne = en_solde(ligne_valide(document_ttc, geo=geo))
    ligne["numeroASP"] = numero
    return ligne


def test_e103_solde_d_une_avance_decidee_du_meme_beneficiaire(document_ttc, relais):
    avance = creer_demande(statut=StatutDemande.DECIDEE, beneficiaires=(FINESS_1, FINESS_2))
    resultat = une_ligne(
        document_ttc, relais, _solde(document_ttc, avance.numero_dossier, [FINESS_1]), type_demande="SOLDE"
    )
    valide(resultat)


def test_e103_solde_sans_avance(document_ttc, relais):
    valide(une_ligne(document_ttc, relais, _solde(document_ttc, None, [FINESS_1]), type_demande="SOLDE"))


@pytest.mark.parametrize("statut", [StatutDemande.DEPOSEE, StatutDemande.EN_INSTRUCTION, StatutDemande.REJETEE])
def test_e103_solde_d_une_avance_non_decidee(statut, document_ttc, relais):
    avance = creer_demande(statut=statut)
    resultat = une_ligne(
        document_ttc, relais, _solde(document_ttc, avance.numero_dossier, [FINESS_1]), type_demande="SOLDE"
    )
    assert anomalie(resultat, "E103", "numeroASP").message == f"l'avance {avance.numero_dossier} n'est pas décidée"


def test_e103_solde_d_une_avance_d_un_autre_beneficiaire(document_ttc, relais):
    avance = creer_demande(statut=StatutDemande.DECIDEE, beneficiaires=(FINESS_2,))
    resultat = une_ligne(
        document_ttc, relais, _solde(document_ttc, avance.numero_dossier, [FINESS_1]), type_demande="SOLDE"
    )
    assert anomalie(resultat, "E103", "numeroASP").message == (
        f"l'avance {avance.numero_dossier} ne concerne pas le même bénéficiaire"
    )


def test_e103_solde_d_une_avance_d_un_autre_fournisseur(document_ttc, relais):
    avance = creer_demande("cpiPFI0001", statut=StatutDemande.DECIDEE, beneficiaires=(FINESS_1,))
    resultat = une_ligne(
        document_ttc, relais, _solde(document_ttc, avance.numero_dossier, [FINESS_1]), type_demande="SOLDE"
    )
    assert anomalie(resultat, "E103", "numeroASP").message == (
        f"la demande {avance.numero_dossier} n'existe pas parmi vos demandes"
    )


def test_e103_solde_qui_designe_un_solde(document_ttc, relais):
    autre_solde = creer_demande(type_demande="SOLDE", statut=StatutDemande.DECIDEE, beneficiaires=(FINESS_1,))
    resultat = une_ligne(
        document_ttc, relais, _solde(document_ttc, autre_solde.numero_dossier, [FINESS_1]), type_demande="SOLDE"
    )
    assert anomalie(resultat, "E103", "numeroASP").message == (
        f"la demande {autre_solde.numero_dossier} n'est pas une avance de la solution {ANS}"
    )


def test_e104_numero_editeur_deja_utilise(document_ttc, relais):
    creer_demande(numero_editeur="00001", beneficiaires=(finess(60),))
    resultat = une_ligne(document_ttc, relais, ligne_valide(document_ttc))
    assert anomalie(resultat, "E104", "numeroEditeur").message == (
        "« 00001 » est déjà utilisé par une de vos demandes en cours"
    )


@pytest.mark.parametrize("statut", [StatutDemande.ANNULEE, StatutDemande.REJETEE])
def test_e104_numero_editeur_d_une_demande_close_reutilisable(statut, document_ttc, relais):
    creer_demande(numero_editeur="00001", statut=statut, beneficiaires=(finess(60),))
    valide(une_ligne(document_ttc, relais, ligne_valide(document_ttc)))


def test_e104_numero_editeur_d_un_autre_type_reutilisable(document_ttc, relais):
    creer_demande(numero_editeur="00001", type_demande="SOLDE", beneficiaires=(finess(60),))
    valide(une_ligne(document_ttc, relais, ligne_valide(document_ttc)))


def test_e104_numero_editeur_d_un_autre_fournisseur_reutilisable(document_ttc, relais):
    creer_demande("cpiPFI0001", numero_editeur="00001", beneficiaires=(finess(60),))
    valide(une_ligne(document_ttc, relais, ligne_valide(document_ttc)))


def test_e306_beneficiaire_deja_finance_par_un_autre_fournisseur(document_ttc, relais, demo):
    concurrente = creer_solution(demo[SIRET_UNIKALO], "concLGC001", "MDV", "LGC")
    autre = creer_demande(concurrente.numero_ans, beneficiaires=(FINESS_1,))
    resultat = une_ligne(document_ttc, relais, ligne_valide(document_ttc, geo=[finess(1), FINESS_1]))
    message = anomalie(resultat, "E306", "beneficiaires.structure.FINESSGeo[1]").message
    assert message == f"le bénéficiaire {FINESS_1} a déjà une demande d'avance en cours pour une solution MDV / LGC"
    assert autre.numero not in resultat.libelle_traitement()
    assert "beneficiaires.structure.FINESSGeo[0]" not in [a.chemin for a in resultat.anomalies]


def test_e306_libéral_deja_finance(document_ttc, relais, demo):
    concurrente = creer_solution(demo[SIRET_HOPITAL], "concLGC002", "MDV", "LGC")
    creer_demande(concurrente.numero_ans, statut=StatutDemande.DECIDEE, beneficiaires=(rpps(7),))
    resultat = une_ligne(document_ttc, relais, en_liberal(ligne_valide(document_ttc), rpps(7)))
    assert f"le bénéficiaire {rpps(7)}" in anomalie(resultat, "E306", "beneficiaires.liberal[0].RPPS").message


def test_e306_sa_propre_demande_en_cours_est_citee(document_ttc, relais):
    mienne = creer_demande(beneficiaires=(FINESS_1,))
    resultat = une_ligne(document_ttc, relais, ligne_valide(document_ttc, geo=[FINESS_1]))
    assert anomalie(resultat, "E306", "beneficiaires.structure.FINESSGeo[0]").message.endswith(
        f"MDV / LGC ({mienne.numero_dossier})"
    )


@pytest.mark.parametrize("statut", [StatutDemande.ANNULEE, StatutDemande.REJETEE])
def test_e306_demande_annulee_ou_rejetee_ne_bloque_pas(statut, document_ttc, relais, demo):
    concurrente = creer_solution(demo[SIRET_UNIKALO], "concLGC003", "MDV", "LGC")
    creer_demande(concurrente.numero_ans, statut=statut, beneficiaires=(FINESS_1,))
    valide(une_ligne(document_ttc, relais, ligne_valide(document_ttc, geo=[FINESS_1])))


def test_e306_autre_couloir_ou_logiciel_ne_bloque_pas(document_ttc, relais, demo):
    creer_demande("cpiPFI0001", beneficiaires=(FINESS_1,))  # HOP / PFI
    creer_solution(demo[SIRET_UNIKALO], "concDPI001", "MDV", "DPI")
    creer_demande("concDPI001", beneficiaires=(FINESS_1,))  # MDV / DPI
    creer_solution(demo[SIRET_UNIKALO], "concLGC004", "HOP", "LGC")
    creer_demande("concLGC004", beneficiaires=(FINESS_1,))  # HOP / LGC
    valide(une_ligne(document_ttc, relais, ligne_valide(document_ttc, geo=[FINESS_1])))


def test_e306_avance_en_cours_ne_bloque_pas_un_solde(document_ttc, relais, demo):
    concurrente = creer_solution(demo[SIRET_UNIKALO], "concLGC005", "MDV", "LGC")
    creer_demande(concurrente.numero_ans, type_demande="AVANCE", beneficiaires=(FINESS_1,))
    valide(une_ligne(document_ttc, relais, _solde(document_ttc, None, [FINESS_1]), type_demande="SOLDE"))


def test_e306_solde_deja_en_cours(document_ttc, relais, demo):
    concurrente = creer_solution(demo[SIRET_UNIKALO], "concLGC006", "MDV", "LGC")
    autre = creer_demande(concurrente.numero_ans, type_demande="SOLDE", beneficiaires=(FINESS_1,))
    resultat = une_ligne(document_ttc, relais, _solde(document_ttc, None, [FINESS_1]), type_demande="SOLDE")
    message = anomalie(resultat, "E306", "beneficiaires.structure.FINESSGeo[0]").message
    assert "a déjà une demande de solde en cours" in message and autre.numero not in message


# --- Digits that only look like digits ----------------------------------------------------------


def test_e201_chiffres_non_ascii(document_ttc, relais):
    ligne = ligne_valide(document_ttc)
    ligne["commande"]["dateCommande"] = "２４/１１/２０２１"
    resultat = une_ligne(document_ttc, relais, ligne)
    assert "E201" in codes(resultat)
