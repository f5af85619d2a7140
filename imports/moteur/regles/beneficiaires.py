"""Block « beneficiaires »: the structure or the libéraux funded, and the mandataire."""

from collections import defaultdict

from demandes import numero_dossier
from demandes.valeurs import TypeDemande
from demandes.validateurs import email_valide, finess_valide, rpps_valide, telephone_fr_valide

from ..identifiants import chemins_beneficiaires
from . import FICHIER, regle

POUR = ("STRUCTURE", "LIBERAL")


def _vide(valeur):
    return valeur is None or (isinstance(valeur, str) and not valeur.strip())


@regle("E301", champ="beneficiaires.commandePour", description="commandePour vaut STRUCTURE ou LIBERAL.")
def commande_pour(ligne, contexte):
    valeur = ligne["beneficiaires"]["commandePour"]
    if valeur not in POUR:
        yield "beneficiaires.commandePour", f"valeur « {valeur} » inconnue : STRUCTURE ou LIBERAL attendu"


@regle(
    "E302",
    champ="beneficiaires.structure",
    description="Pour une STRUCTURE : nomResponsable renseigné, emailResponsable valide, telephoneResponsable "
    "numéro français, FINESSJuridique et chaque FINESSGeo de 9 caractères avec une clé valide, "
    "FINESSGeo non vide et sans doublon, liberal vide.",
)
def structure(ligne, contexte):
    beneficiaires = ligne["beneficiaires"]
    if beneficiaires["commandePour"] != "STRUCTURE":
        return
    s = beneficiaires["structure"]
    base = "beneficiaires.structure"
    if _vide(s["nomResponsable"]):
        yield f"{base}.nomResponsable", "nom du responsable obligatoire"
    if not email_valide(s["emailResponsable"]):
        yield f"{base}.emailResponsable", f"adresse électronique invalide ({s['emailResponsable']})"
    if not telephone_fr_valide(s["telephoneResponsable"]):
        yield f"{base}.telephoneResponsable", f"numéro de téléphone français invalide ({s['telephoneResponsable']})"
    if not finess_valide(s["FINESSJuridique"]):
        yield f"{base}.FINESSJuridique", f"clé FINESS invalide ({s['FINESSJuridique']})"
    if not s["FINESSGeo"]:
        yield f"{base}.FINESSGeo", "au moins un FINESS géographique est attendu"
    vus = set()
    for rang, finess in enumerate(s["FINESSGeo"]):
        if not finess_valide(finess):
            yield f"{base}.FINESSGeo[{rang}]", f"clé FINESS invalide ({finess})"
        elif finess in vus:
            yield f"{base}.FINESSGeo[{rang}]", f"FINESS {finess} en double"
        vus.add(finess)
    if beneficiaires["liberal"]:
        yield "beneficiaires.liberal", "doit être vide pour une commande pour une STRUCTURE"


@regle(
    "E303",
    champ="beneficiaires.liberal",
    description="Pour des LIBERAL : liberal non vide, chacun avec nomMedecin, emailMedecin valide, "
    "telephoneMedecin, RPPS de 11 chiffres avec une clé valide, sans RPPS en double ; chaque "
    "champ de structure null ou vide ; isClientUnique à true impose un seul libéral.",
)
def liberaux(ligne, contexte):
    beneficiaires = ligne["beneficiaires"]
    if beneficiaires["commandePour"] != "LIBERAL":
        return
    medecins = beneficiaires["liberal"]
    if not medecins:
        yield "beneficiaires.liberal", "au moins un professionnel libéral est attendu"
    vus = set()
    for rang, medecin in enumerate(medecins):
        base = f"beneficiaires.liberal[{rang}]"
        if _vide(medecin["nomMedecin"]):
            yield f"{base}.nomMedecin", "nom du médecin obligatoire"
        if not email_valide(medecin["emailMedecin"]):
            yield f"{base}.emailMedecin", f"adresse électronique invalide ({medecin['emailMedecin']})"
        if not telephone_fr_valide(medecin["telephoneMedecin"]):
            yield f"{base}.telephoneMedecin", f"numéro de téléphone français invalide ({medecin['telephoneMedecin']})"
        if not rpps_valide(medecin["RPPS"]):
            yield f"{base}.RPPS", f"RPPS invalide : 11 chiffres avec une clé valide ({medecin['RPPS']})"
        elif medecin["RPPS"] in vus:
            yield f"{base}.RPPS", f"RPPS {medecin['RPPS']} en double"
        vus.add(medecin["RPPS"])
    s = beneficiaires["structure"]
    for cle in ("nomResponsable", "emailResponsable", "telephoneResponsable", "FINESSJuridique"):
        if not _vide(s[cle]):
            yield f"beneficiaires.structure.{cle}", "doit être null ou vide pour une commande pour des LIBERAL"
    if s["FINESSGeo"]:
        yield "beneficiaires.structure.FINESSGeo", "doit être vide pour une commande pour des LIBERAL"
    if beneficiaires["isClientUnique"] and len(medecins) != 1:
        yield "beneficiaires.isClientUnique", f"client unique : un seul libéral attendu (reçu : {len(medecins)})"


@regle(
    "E304",
    champ="beneficiaires.isMandataire",
    description="isMandataire à true impose nomMandataire, emailMandataire et telephoneMandataire valides ; "
    "à false, les trois sont null.",
)
def mandataire(ligne, contexte):
    b = ligne["beneficiaires"]
    if b["isMandataire"]:
        if _vide(b["nomMandataire"]):
            yield "beneficiaires.nomMandataire", "nom du mandataire obligatoire"
        if not email_valide(b["emailMandataire"]):
            yield "beneficiaires.emailMandataire", f"adresse électronique invalide ({b['emailMandataire']})"
        if not telephone_fr_valide(b["telephoneMandataire"]):
            yield (
                "beneficiaires.telephoneMandataire",
                f"numéro de téléphone français invalide ({b['telephoneMandataire']})",
            )
    else:
        for cle in ("nomMandataire", "emailMandataire", "telephoneMandataire"):
            if b[cle] is not None:
                yield f"beneficiaires.{cle}", "doit être null quand isMandataire vaut false"


@regle(
    "E305",
    champ="beneficiaires",
    portee=FICHIER,
    description="Un bénéficiaire (FINESSGeo ou RPPS) n'apparaît que dans une seule demande du fichier "
    "(les annulations ne comptent pas).",
)
def beneficiaire_en_double_dans_le_fichier(lignes, contexte):
    places = defaultdict(list)  # identifiant -> [(rang, chemin)]
    for rang, ligne in enumerate(lignes):
        if ligne["typeAction"] == "A":
            continue
        for identifiant, chemin in dict(chemins_beneficiaires(ligne)).items():
            places[identifiant].append((rang, chemin))
    for identifiant, occurrences in places.items():
        rangs = sorted({rang for rang, _ in occurrences})
        if len(rangs) < 2:
            continue
        for rang, chemin in occurrences:
            autres = ", ".join(str(r + 1) for r in rangs if r != rang)
            yield rang, chemin, f"le bénéficiaire {identifiant} figure aussi en demande n° {autres}"


@regle(
    "E306",
    champ="beneficiaires",
    lit_la_base=True,
    description="Un bénéficiaire n'a pas déjà une demande en cours du même type pour une solution du même "
    "couloir et du même logiciel (tous fournisseurs confondus).",
)
def beneficiaire_deja_finance(ligne, contexte):
    if ligne["typeAction"] == "A":
        return
    modifiee = numero_dossier.base_de(ligne["numeroASP"]) if ligne["typeAction"] == "M" else None
    type_libelle = TypeDemande(contexte.type_demande).complement
    for identifiant, chemin in chemins_beneficiaires(ligne):
        existante = contexte.beneficiaires_vivants.get(identifiant)
        if existante is None or existante.numero == modifiee:
            continue
        if existante.fournisseur_id == contexte.fournisseur.pk:
            qui = f" ({numero_dossier.formater(existante.numero, existante.version)})"
        else:
            qui = ""  # another supplier's dossier is not disclosed
        yield (
            chemin,
            (
                f"le bénéficiaire {identifiant} a déjà une demande {type_libelle} en cours pour une solution "
                f"{contexte.solution.couloir.code} / {contexte.solution.logiciel.code}{qui}"
            ),
        )
