"""Writes on demandes: creation, modification and cancellation from the lines of an import,
and the dossier numbering. Called inside the real import's transaction."""

import json
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import F, Sum
from django.utils import timezone

from segur_portal.journal import evenement

from . import numero_dossier
from .models import Beneficiaire, CompteurDossier, Demande, Paiement, PieceAttendue
from .valeurs import StatutDemande, StatutPaiement

TAILLE_LOT = 1000


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
    return numero_dossier.bases_suivantes(compteur.couloir.code, compteur.dernier - nombre, nombre)


def _texte(valeur) -> str:
    return valeur if isinstance(valeur, str) else ""


def _contenu(ligne: dict, rang: int) -> dict:
    """The Demande fields a line carries (C creates them, M replaces them)."""
    from imports.moteur.regles.commande import lire_date

    commande, beneficiaires = ligne["commande"], ligne["beneficiaires"]
    structure = beneficiaires["structure"]
    return dict(
        rang=rang + 1,
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
    )


def _lignes_beneficiaires(demande_id, ligne: dict, solution, type_demande) -> list[dict]:
    """The Beneficiaire rows of a line (FINESS géographiques of a structure, or RPPS of libéraux)."""
    commun = dict(
        demande=demande_id,
        type_demande=type_demande,
        couloir=solution.couloir_id,
        logiciel=solution.logiciel_id,
        vivant=True,
    )
    b = ligne["beneficiaires"]
    if b["commandePour"] == "STRUCTURE":
        return [
            dict(
                nature=Beneficiaire.Nature.FINESS_GEO,
                identifiant=finess,
                nom=_texte(b["structure"]["nomResponsable"]),
                email="",
                telephone="",
                **commun,
            )
            for finess in b["structure"]["FINESSGeo"]
        ]
    return [
        dict(
            nature=Beneficiaire.Nature.RPPS,
            identifiant=m["RPPS"],
            nom=_texte(m["nomMedecin"]),
            email=_texte(m["emailMedecin"]),
            telephone=_texte(m["telephoneMedecin"]),
            **commun,
        )
        for m in b["liberal"]
    ]


def inserer_en_masse(modele, lignes: list[dict], *, retour=None) -> list[tuple]:
    """INSERTs many rows in a few multi-row statements. Unlike bulk_create it builds no model
    instance and prepares no value one by one (the import's main cost on 10 000 lines): the
    values must already be of the database's types (str, int, bool, Decimal, adapted dates),
    foreign keys given by id under the field's name. `retour`: columns returned per row."""
    if not lignes:
        return []
    champs = list(lignes[0])
    quote = connection.ops.quote_name
    colonnes = ", ".join(quote(modele._meta.get_field(champ).column) for champ in champs)
    marque = "(" + ", ".join(["%s"] * len(champs)) + ")"
    retournees = []
    taille = max(1, min(TAILLE_LOT, 30_000 // len(champs)))  # under SQLite's limit of parameters
    with connection.cursor() as curseur:
        for debut in range(0, len(lignes), taille):
            lot = lignes[debut : debut + taille]
            sql = f"INSERT INTO {quote(modele._meta.db_table)} ({colonnes}) VALUES {', '.join([marque] * len(lot))}"
            if retour:
                sql += " RETURNING " + ", ".join(quote(modele._meta.get_field(c).column) for c in retour)
            curseur.execute(sql, [ligne[champ] for ligne in lot for champ in champs])
            if retour:
                retournees += curseur.fetchall()
    return retournees


def appliquer_lignes(*, import_demandes, solution, type_demande, lignes_retenues, compteur) -> dict:
    """Applies the retained lines [(rang, ligne)] of an import: C creates, M replaces, A cancels.
    Returns {rang: (action, numero_dossier)}. Runs a fixed number of queries per batch of lines."""
    creations = [(rang, ligne) for rang, ligne in lignes_retenues if ligne["typeAction"] == "C"]
    autres = [(rang, ligne) for rang, ligne in lignes_retenues if ligne["typeAction"] != "C"]
    resultat = {}

    numeros = reserver_numeros(compteur, len(creations))
    avances = {}
    numeros_avances = {numero_dossier.base_de(l["numeroASP"]) for _, l in creations if l["numeroASP"]}
    if numeros_avances:
        avances = {d.numero: d.pk for d in Demande.objects.filter(numero__in=numeros_avances).only("numero")}
    # Creations are written as plain rows (see inserer_en_masse), with no history row: the
    # import records who created the demandes and when (Import.utilisateur, Import.date_import);
    # every later change of a demande is historised.
    maintenant = connection.ops.adapt_datetimefield_value(timezone.now())
    commun = dict(
        version=0,
        type_demande=type_demande,
        fournisseur=import_demandes.fournisseur_id,
        solution=solution.pk,
        import_demandes=import_demandes.pk,
        statut=StatutDemande.EN_ATTENTE_PIECES,
        statut_paiement="",
        motif_rejet="",
        date_depot=maintenant,
        date_modification=maintenant,
    )
    for debut in range(0, len(creations), TAILLE_LOT):
        lot = creations[debut : debut + TAILLE_LOT]
        lignes_demandes = []
        for (rang, ligne), numero in zip(lot, numeros[debut : debut + TAILLE_LOT], strict=False):
            contenu = _contenu(ligne, rang)
            contenu["date_commande"] = connection.ops.adapt_datefield_value(contenu["date_commande"])
            contenu["scenario"] = json.dumps(contenu["scenario"], ensure_ascii=False)
            lignes_demandes.append(
                dict(numero=numero, avance=avances.get(numero_dossier.base_de(ligne["numeroASP"])), **commun, **contenu)
            )
        ids = dict(inserer_en_masse(Demande, lignes_demandes, retour=("numero", "id")))
        beneficiaires, pieces = [], []
        for (rang, ligne), valeurs in zip(lot, lignes_demandes, strict=False):
            demande_id = ids[valeurs["numero"]]
            beneficiaires += _lignes_beneficiaires(demande_id, ligne, solution, type_demande)
            pieces += [
                dict(
                    demande=demande_id,
                    nom_fichier=p["nomFichier"],
                    format_fichier=p["formatFichier"],
                    type_fichier=p["typeFichier"],
                )
                for p in ligne["piecesJustificatives"]
            ]
            resultat[rang] = ("créée", numero_dossier.formater(valeurs["numero"], 0))
        inserer_en_masse(Beneficiaire, beneficiaires)
        inserer_en_masse(PieceAttendue, pieces)

    if autres:
        references = {numero_dossier.base_de(l["numeroASP"]) for _, l in autres}
        existantes = {d.numero: d for d in Demande.objects.select_for_update().filter(numero__in=references)}
        for rang, ligne in autres:
            demande = existantes[numero_dossier.base_de(ligne["numeroASP"])]
            if ligne["typeAction"] == "A":
                demande.statut = StatutDemande.ANNULEE
                demande.save()  # releases its beneficiaries
                resultat[rang] = ("annulée", demande.numero_dossier)
                continue
            for champ, valeur in _contenu(ligne, rang).items():
                setattr(demande, champ, valeur)
            demande.version += 1
            demande.import_demandes = import_demandes
            demande.statut = StatutDemande.EN_ATTENTE_PIECES  # its pieces are to be sent again
            demande.save()
            demande.beneficiaires.all().delete()
            demande.pieces_attendues.all().delete()
            inserer_en_masse(Beneficiaire, _lignes_beneficiaires(demande.pk, ligne, solution, demande.type_demande))
            inserer_en_masse(
                PieceAttendue,
                [
                    dict(
                        demande=demande.pk,
                        nom_fichier=p["nomFichier"],
                        format_fichier=p["formatFichier"],
                        type_fichier=p["typeFichier"],
                    )
                    for p in ligne["piecesJustificatives"]
                ],
            )
            resultat[rang] = ("modifiée", demande.numero_dossier)
    return resultat


# --- Review by ASP managers ----------------------------------------------------------


class Transition:
    """A change of status a manager may apply: from which statuses, to which one."""

    def __init__(self, nom, depuis, vers, verbe, compte_rendu):
        self.nom, self.depuis, self.vers, self.verbe = nom, frozenset(depuis), vers, verbe
        self.compte_rendu = compte_rendu  # "{n} demande(s) …"


TRANSITIONS = {
    "instruction": Transition(
        "instruction",
        [StatutDemande.DEPOSEE],
        StatutDemande.EN_INSTRUCTION,
        "passée en instruction",
        "{n} demande(s) passée(s) en instruction.",
    ),
    "decision": Transition(
        "decision", [StatutDemande.EN_INSTRUCTION], StatutDemande.DECIDEE, "décidée", "{n} demande(s) décidée(s)."
    ),
    "rejet": Transition(
        "rejet",
        [StatutDemande.DEPOSEE, StatutDemande.EN_INSTRUCTION],
        StatutDemande.REJETEE,
        "rejetée",
        "{n} demande(s) rejetée(s).",
    ),
}


def _libelles(statuts):
    return " ou ".join(f"« {StatutDemande(s).label} »" for s in sorted(statuts))


def _verrouiller(demandes) -> list:
    """The demandes again, locked until the end of the transaction: two managers acting at once
    on a demande act one after the other, the second one seeing the first one's result."""
    pks = [demande.pk for demande in demandes]
    return list(Demande.objects.select_for_update().filter(pk__in=pks).order_by("pk"))


def changer_statut(demandes, *, transition: str, utilisateur, motif: str = ""):
    """Applies a transition to each demande that allows it. Returns (changed, [(demande, reason)])."""
    with evenement(
        "decision_gestionnaire", utilisateur_id=utilisateur.pk, transition=transition, demandes=len(demandes)
    ) as details:
        faites, refusees = _changer_statut(demandes, transition=transition, utilisateur=utilisateur, motif=motif)
        details.update(faites=len(faites), refusees=len(refusees))
    return faites, refusees


@transaction.atomic
def _changer_statut(demandes, *, transition: str, utilisateur, motif: str):
    regle = TRANSITIONS[transition]
    if transition == "rejet" and not motif.strip():
        raise ValueError("Le motif du rejet est obligatoire.")
    faites, refusees = [], []
    for demande in _verrouiller(demandes):
        if demande.statut not in regle.depuis:
            refusees.append(
                (
                    demande,
                    f"une demande « {demande.get_statut_display()} » ne peut pas être {regle.verbe} "
                    f"(elle doit être {_libelles(regle.depuis)})",
                )
            )
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
    with evenement(
        "paiement", utilisateur_id=utilisateur.pk, montant=str(montant), statut=statut, demandes=len(demandes)
    ) as details:
        faites, refusees = _enregistrer_paiement(
            demandes, montant=montant, date_paiement=date_paiement, statut=statut, utilisateur=utilisateur
        )
        details.update(faites=len(faites), refusees=len(refusees))
    return faites, refusees


@transaction.atomic
def _enregistrer_paiement(demandes, *, montant, date_paiement, statut, utilisateur):
    faites, refusees = [], []
    for demande in _verrouiller(demandes):
        if demande.statut != StatutDemande.DECIDEE:
            refusees.append(
                (
                    demande,
                    f"seule une demande « Décidée » peut recevoir un paiement "
                    f"(statut actuel : « {demande.get_statut_display()} »)",
                )
            )
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
                refusees.append(
                    (
                        demande,
                        f"le total payé ({deja + montant} €) dépasserait le montant de la demande "
                        f"({demande.montant_ht} €)",
                    )
                )
                continue
            Paiement.objects.create(
                demande=demande, montant=montant, date_paiement=date_paiement, statut=statut, enregistre_par=utilisateur
            )
        demande.statut_paiement = statut
        demande._history_user = utilisateur
        demande.save()
        faites.append(demande)
    return faites, refusees
