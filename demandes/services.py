"""Writes on demandes: creation, modification and cancellation from the lines of an import,
and the dossier numbering. Called inside the real import's transaction."""
import json
from decimal import Decimal

from django.db.models import F, Sum
from simple_history.utils import bulk_create_with_history

from .models import (
    Beneficiaire, CompteurDossier, Demande, Paiement, PieceAttendue, StatutDemande, StatutPaiement,
)

TAILLE_LOT = 1000


class _EncodeurDecimal(json.JSONEncoder):
    def default(self, valeur):
        if isinstance(valeur, Decimal):
            # a number stays a JSON number whenever a float holds it exactly (amounts in cents do)
            return float(valeur) if Decimal(repr(float(valeur))) == valeur else str(valeur)
        return super().default(valeur)


def verrouiller_compteur(couloir) -> CompteurDossier:
    """Locks the couloir's counter row until the end of the transaction (created on first use)."""
    CompteurDossier.objects.get_or_create(couloir=couloir)
    return CompteurDossier.objects.select_for_update().get(couloir=couloir)


def reserver_numeros(compteur: CompteurDossier, nombre: int) -> list[str]:
    """`nombre` new dossier numbers FIN{COULOIR}{6 digits}, without version."""
    if nombre == 0:
        return []
    CompteurDossier.objects.filter(pk=compteur.pk).update(dernier=F("dernier") + nombre)
    compteur.refresh_from_db(fields=["dernier"])
    premier = compteur.dernier - nombre + 1
    code = compteur.couloir.code
    return [f"FIN{code}{sequence:06d}" for sequence in range(premier, compteur.dernier + 1)]


def _texte(valeur) -> str:
    return valeur if isinstance(valeur, str) else ""


def _contenu(ligne: dict, rang: int) -> dict:
    """The Demande fields a line carries (C creates them, M replaces them)."""
    from imports.engine.rules.commande import lire_date

    commande, beneficiaires = ligne["commande"], ligne["beneficiaires"]
    structure = beneficiaires["structure"]
    return dict(
        numero_ligne=rang + 1,
        numero_editeur=ligne["numeroEditeur"],
        date_commande=lire_date(commande["dateCommande"]),
        regime_tva=commande["regimeTVA"],
        montant_ht=Decimal(commande["montantSegurHT"]),
        commande_pour=beneficiaires["commandePour"],
        is_client_unique=beneficiaires["isClientUnique"],
        is_mandataire=beneficiaires["isMandataire"],
        nom_mandataire=_texte(beneficiaires["nomMandataire"]),
        email_mandataire=_texte(beneficiaires["emailMandataire"]),
        telephone_mandataire=_texte(beneficiaires["telephoneMandataire"]),
        nom_responsable=_texte(structure["nomResponsable"]),
        email_responsable=_texte(structure["emailResponsable"]),
        telephone_responsable=_texte(structure["telephoneResponsable"]),
        finess_juridique=_texte(structure["FINESSJuridique"]),
        scenario=ligne["scenarioInstallation"],
        ligne_json=json.dumps(ligne, cls=_EncodeurDecimal, ensure_ascii=False, indent=2),
    )


def _beneficiaires(demande: Demande, ligne: dict, solution) -> list[Beneficiaire]:
    commun = dict(demande=demande, type_demande=demande.type_demande, couloir_id=solution.couloir_id,
                  logiciel_id=solution.logiciel_id, vivant=True)
    b = ligne["beneficiaires"]
    if b["commandePour"] == "STRUCTURE":
        return [Beneficiaire(nature=Beneficiaire.Nature.FINESS_GEO, identifiant=finess,
                             nom=_texte(b["structure"]["nomResponsable"]), **commun)
                for finess in b["structure"]["FINESSGeo"]]
    return [Beneficiaire(nature=Beneficiaire.Nature.RPPS, identifiant=m["RPPS"], nom=_texte(m["nomMedecin"]),
                         email=_texte(m["emailMedecin"]), telephone=_texte(m["telephoneMedecin"]), **commun)
            for m in b["liberal"]]


def _pieces(demande: Demande, ligne: dict) -> list[PieceAttendue]:
    return [PieceAttendue(demande=demande, nom_fichier=p["nomFichier"], format_fichier=p["formatFichier"],
                          type_fichier=p["typeFichier"]) for p in ligne["piecesJustificatives"]]


def appliquer_lignes(*, import_json, solution, type_demande, lignes_retenues, compteur) -> dict:
    """Applies the retained lines [(rang, ligne)] of an import: C creates, M replaces, A cancels.
    Returns {rang: (action, numero_dossier)}. Runs a fixed number of queries per batch of lines."""
    from imports.engine.rules.ligne import decouper_numero_asp

    creations = [(rang, ligne) for rang, ligne in lignes_retenues if ligne["typeAction"] == "C"]
    autres = [(rang, ligne) for rang, ligne in lignes_retenues if ligne["typeAction"] != "C"]
    resultat = {}

    numeros = reserver_numeros(compteur, len(creations))
    avances = {}
    numeros_avances = {decouper_numero_asp(l["numeroASP"])[0] for _, l in creations if l["numeroASP"]}
    if numeros_avances:
        avances = {d.numero: d.pk for d in Demande.objects.filter(numero__in=numeros_avances).only("numero")}
    for debut in range(0, len(creations), TAILLE_LOT):
        lot = creations[debut:debut + TAILLE_LOT]
        demandes = []
        for (rang, ligne), numero in zip(lot, numeros[debut:debut + TAILLE_LOT]):
            decoupe = decouper_numero_asp(ligne["numeroASP"])
            demandes.append(Demande(
                numero=numero, version=0, type_demande=type_demande, fournisseur_id=import_json.fournisseur_id,
                solution=solution, import_json=import_json, statut=StatutDemande.EN_ATTENTE_PIECES,
                avance_id=avances.get(decoupe[0]) if decoupe else None, **_contenu(ligne, rang),
            ))
        demandes = bulk_create_with_history(demandes, Demande, batch_size=TAILLE_LOT)
        if any(d.pk is None for d in demandes):  # databases that cannot return ids
            par_numero = dict(Demande.objects.filter(numero__in=[d.numero for d in demandes]).values_list("numero", "pk"))
            for demande in demandes:
                demande.pk = demande.id = par_numero[demande.numero]
        beneficiaires, pieces = [], []
        for (rang, ligne), demande in zip(lot, demandes):
            beneficiaires += _beneficiaires(demande, ligne, solution)
            pieces += _pieces(demande, ligne)
            resultat[rang] = ("créée", demande.numero_dossier)
        Beneficiaire.objects.bulk_create(beneficiaires, batch_size=TAILLE_LOT)
        PieceAttendue.objects.bulk_create(pieces, batch_size=TAILLE_LOT)

    if autres:
        references = {decouper_numero_asp(l["numeroASP"])[0] for _, l in autres}
        existantes = {d.numero: d for d in Demande.objects.select_for_update().filter(numero__in=references)}
        for rang, ligne in autres:
            demande = existantes[decouper_numero_asp(ligne["numeroASP"])[0]]
            if ligne["typeAction"] == "A":
                demande.statut = StatutDemande.ANNULEE
                demande.save()  # releases its beneficiaries
                resultat[rang] = ("annulée", demande.numero_dossier)
                continue
            for champ, valeur in _contenu(ligne, rang).items():
                setattr(demande, champ, valeur)
            demande.version += 1
            demande.import_json = import_json
            demande.statut = StatutDemande.EN_ATTENTE_PIECES  # its pieces are to be sent again
            demande.save()
            demande.beneficiaires.all().delete()
            demande.pieces_attendues.all().delete()
            Beneficiaire.objects.bulk_create(_beneficiaires(demande, ligne, solution))
            PieceAttendue.objects.bulk_create(_pieces(demande, ligne))
            resultat[rang] = ("modifiée", demande.numero_dossier)
    return resultat


# --- Review by ASP managers ----------------------------------------------------------

class Transition:
    """A change of status a manager may apply: from which statuses, to which one."""

    def __init__(self, nom, depuis, vers, verbe, compte_rendu):
        self.nom, self.depuis, self.vers, self.verbe = nom, frozenset(depuis), vers, verbe
        self.compte_rendu = compte_rendu  # "{n} demande(s) …"


TRANSITIONS = {
    "instruction": Transition("instruction", [StatutDemande.DEPOSEE], StatutDemande.EN_INSTRUCTION,
                              "passée en instruction", "{n} demande(s) passée(s) en instruction."),
    "decision": Transition("decision", [StatutDemande.EN_INSTRUCTION], StatutDemande.DECIDEE, "décidée",
                           "{n} demande(s) décidée(s)."),
    "rejet": Transition("rejet", [StatutDemande.DEPOSEE, StatutDemande.EN_INSTRUCTION], StatutDemande.REJETEE,
                        "rejetée", "{n} demande(s) rejetée(s)."),
}


def _libelles(statuts):
    return " ou ".join(f"« {StatutDemande(s).label} »" for s in sorted(statuts))


def changer_statut(demandes, *, transition: str, utilisateur, motif: str = ""):
    """Applies a transition to each demande that allows it. Returns (changed, [(demande, reason)])."""
    regle = TRANSITIONS[transition]
    if transition == "rejet" and not motif.strip():
        raise ValueError("Le motif du rejet est obligatoire.")
    faites, refusees = [], []
    for demande in demandes:
        if demande.statut not in regle.depuis:
            refusees.append((demande, f"une demande « {demande.get_statut_display()} » ne peut pas être {regle.verbe} "
                                      f"(elle doit être {_libelles(regle.depuis)})"))
            continue
        demande.statut = regle.vers
        if transition == "rejet":
            demande.motif_rejet = motif.strip()
        demande._history_user = utilisateur
        demande.save()
        faites.append(demande)
    return faites, refusees


def enregistrer_paiement(demandes, *, montant, date_paiement, statut, utilisateur):
    """Records a payment on each decided demande; the demande shows its last payment's status."""
    faites, refusees = [], []
    for demande in demandes:
        if demande.statut != StatutDemande.DECIDEE:
            refusees.append((demande, f"seule une demande « Décidée » peut recevoir un paiement "
                                      f"(statut actuel : « {demande.get_statut_display()} »)"))
            continue
        en_cours = demande.paiements.filter(statut=StatutPaiement.EN_COURS, montant=montant).first()
        if en_cours is not None and statut == StatutPaiement.EFFECTUE:
            # The payment announced « en cours » is now done: the same payment, not a new one.
            en_cours.statut, en_cours.date_paiement = statut, date_paiement
            en_cours._history_user = utilisateur
            en_cours.save()
        else:
            deja = demande.paiements.aggregate(total=Sum("montant"))["total"] or Decimal("0")
            if deja + montant > demande.montant_ht:
                refusees.append((demande, f"le total payé ({deja + montant} €) dépasserait le montant de la demande "
                                          f"({demande.montant_ht} €)"))
                continue
            Paiement.objects.create(demande=demande, montant=montant, date_paiement=date_paiement, statut=statut,
                                    enregistre_par=utilisateur)
        demande.statut_paiement = statut
        demande._history_user = utilisateur
        demande.save()
        faites.append(demande)
    return faites, refusees
