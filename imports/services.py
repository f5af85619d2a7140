"""Writes: recording a simulation, and the real import of a simulated file."""

import hashlib
import uuid
from collections.abc import Iterable, Mapping, Sequence
from typing import NoReturn

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from demandes import services as demandes_services
from demandes.models import Fournisseur, Utilisateur
from segur_portal.fichiers import nom_affichable
from segur_portal.journal import evenement

from . import ecriture
from .models import ErreurLigne, Import
from .moteur.anomalies import FichierRejete, ResultatLigne
from .moteur.lecture import sans_nul
from .moteur.simulation import Simulation, preparer, simuler, verifier_avec_la_base
from .moteur.sortie import fichier_de_sortie

TAILLE_BLOC = 1024 * 1024
MAX_ERREURS_ENREGISTREES = 100_000  # a 10 000-line file with ten errors a line still fits
# What the engine says is stored small and without NUL, whatever the file held (the engine already
# names at most 10 places per message, but a message may quote a value of the file).
LONGUEUR_MAX_MESSAGE = 5_000  # characters of a stored message or detail, « … » included
MAX_DETAILS_ENREGISTRES = 100


def texte_enregistrable(texte: object, longueur_max: int = LONGUEUR_MAX_MESSAGE) -> str:
    """A text PostgreSQL stores in a text, varchar or jsonb column: each NUL written as the text
    \\u0000 (as in the JSON file), at most `longueur_max` characters (cut with « … »)."""
    texte = sans_nul(str(texte))
    return texte if len(texte) <= longueur_max else texte[: longueur_max - 1] + "…"


def details_enregistrables(details: Sequence[object]) -> list[str]:
    """The first MAX_DETAILS_ENREGISTRES details, each one storable, then how many are left out."""
    retenus = [texte_enregistrable(detail) for detail in details[:MAX_DETAILS_ENREGISTRES]]
    if len(details) > MAX_DETAILS_ENREGISTRES:
        retenus.append(f"… et {len(details) - MAX_DETAILS_ENREGISTRES} autre(s)")
    return retenus


def _lire_televersement(fichier: UploadedFile) -> tuple[bytes, str]:
    """Reads the uploaded temporary file once, in blocks, hashing as it goes."""
    empreinte = hashlib.sha256()
    blocs = []
    fichier.seek(0)
    for bloc in fichier.chunks(TAILLE_BLOC):
        empreinte.update(bloc)
        blocs.append(bloc)
    fichier.seek(0)
    return b"".join(blocs), empreinte.hexdigest()


def _texte_de_la_ligne(valeur: object, longueur_max: int) -> str:
    """numLigne / numeroEditeur as the file writes them (empty when absent)."""
    return "" if valeur is None else texte_enregistrable(valeur, longueur_max)


def _enregistrer_erreurs(import_demandes: Import, resultats_lignes: Iterable[ResultatLigne]) -> None:
    """One ErreurLigne per anomaly, for the paginated table of the screen, in batches."""
    erreurs = (
        ErreurLigne(
            import_demandes=import_demandes,
            rang=ligne.rang,
            num_ligne=_texte_de_la_ligne(ligne.num_ligne, 30),
            numero_editeur=_texte_de_la_ligne(ligne.numero_editeur, 100),
            code=anomalie.code,
            champ=texte_enregistrable(anomalie.chemin, 200),
            message=texte_enregistrable(anomalie.message),
        )
        for ligne in resultats_lignes
        for anomalie in ligne.anomalies
    )
    lot = []
    for rang, erreur in enumerate(erreurs):
        if rang >= MAX_ERREURS_ENREGISTREES:
            break
        lot.append(erreur)
        if len(lot) == 2000:
            ErreurLigne.objects.bulk_create(lot)
            lot = []
    ErreurLigne.objects.bulk_create(lot)


def simuler_import(
    *, utilisateur: Utilisateur, fichier: UploadedFile, type_demande: str, numero_ans: str, taux_tva: str
) -> Import:
    """Stores the uploaded file, runs the engine on it and records the Import with its result,
    its line errors and its output file. Whatever the file holds, an Import is recorded."""
    with evenement(
        "simulation",
        utilisateur_id=utilisateur.pk,
        fournisseur_id=utilisateur.fournisseur_id,
        type_demande=type_demande,
        numero_ans=numero_ans,
        taux_tva=taux_tva,
    ) as details:
        import_demandes = _simuler_et_enregistrer(utilisateur, fichier, type_demande, numero_ans, taux_tva)
        details.update(
            import_id=import_demandes.pk,
            resultat=import_demandes.resultat,
            octets=import_demandes.taille,
            lignes=import_demandes.nb_lignes,
            valides=import_demandes.nb_valides,
            invalides=import_demandes.nb_invalides,
        )
    return import_demandes


def _simuler_et_enregistrer(
    utilisateur: Utilisateur, fichier: UploadedFile, type_demande: str, numero_ans: str, taux_tva: str
) -> Import:
    fournisseur = utilisateur.fournisseur
    contenu, sha256 = _lire_televersement(fichier)
    import_demandes = Import(
        fournisseur=fournisseur,
        utilisateur=utilisateur,
        numero_ans=numero_ans,
        type_demande=type_demande,
        taux_tva=taux_tva,
        nom_fichier=nom_affichable(fichier.name),
        sha256=sha256,
        taille=len(contenu),
    )
    import_demandes.fichier.save("televersement.json", fichier, save=False)
    try:
        simulation = simuler(
            contenu, fournisseur=fournisseur, numero_ans=numero_ans, type_demande=type_demande, taux_tva=taux_tva
        )
    except FichierRejete as rejet:
        import_demandes.resultat = Import.Resultat.FICHIER_REJETE
        import_demandes.message = texte_enregistrable(rejet.message)
        import_demandes.details = details_enregistrables(rejet.details)
        import_demandes.rejet_de_format = rejet.de_format
        import_demandes.save()
        return import_demandes

    import_demandes.solution = simulation.contexte.solution
    import_demandes.nb_lignes = simulation.nb_lignes
    import_demandes.nb_valides = simulation.nb_valides
    import_demandes.nb_invalides = simulation.nb_invalides
    import_demandes.resultat = Import.Resultat.SIMULATION_OK if simulation.reussie else Import.Resultat.ERREURS
    with transaction.atomic():
        import_demandes.save()  # the Identifiant is needed inside the output file (impId)
        sortie = fichier_de_sortie(simulation.document, simulation.lignes, import_demandes.pk)
        import_demandes.fichier_sortie.save(
            f"{import_demandes.fournisseur_id}/{uuid.uuid4().hex}.json", ContentFile(sortie), save=False
        )
        import_demandes.save(update_fields=["fichier_sortie"])
        _enregistrer_erreurs(import_demandes, simulation.lignes)
    return import_demandes


class ImportImpossible(Exception):
    """The real import is refused; the message is for the supplier."""


def _verifier_empreinte(import_demandes: Import) -> bytes:
    """The stored file, if it is still the one simulated (its SHA-256)."""
    with import_demandes.fichier.open("rb") as flux:
        contenu = flux.read()
    if hashlib.sha256(contenu).hexdigest() != import_demandes.sha256:
        raise ImportImpossible("Le fichier enregistré lors de la simulation a été altéré : simulez-le de nouveau.")
    return contenu


def importer_pour_de_vrai(*, utilisateur: Utilisateur, import_id: int, refuser_si_deja_importe: bool = False) -> Import:
    """« Importer »: the real import of the very file whose simulation succeeded, once.

    Everything that needs no lock first: the stored file read back and its SHA-256 checked, the
    file checks and every rule that does not read the live demandes, the rows of the lines laid
    out. Then, in one transaction: the import claimed with a conditional UPDATE (a second click,
    tab or request finds it already claimed and creates nothing), the couloir's dossier counter
    locked — which makes the imports of a couloir run one after the other, so the duplicate checks
    see every demande committed before — and the dossiers the lines name, the rules that read the
    live demandes run again (E103, E104, E306: the engine's `lit_la_base` rules), the lines that
    still pass written. A failure anywhere rolls it all back, the claim included.

    An import already done (a second click, tab or request, even one that waited for the first's
    commit) creates nothing: it is returned as it stands, or, with `refuser_si_deja_importe`,
    refused with DejaImporte — so that the caller knows whether this very call imported.
    """
    with evenement(
        "import_reel", utilisateur_id=utilisateur.pk, fournisseur_id=utilisateur.fournisseur_id, import_id=import_id
    ) as details:
        try:
            import_demandes = _importer(utilisateur, import_id)
        except DejaImporte as deja:
            if refuser_si_deja_importe:
                raise
            import_demandes = deja.import_demandes
        details.update(
            etat=import_demandes.etat,
            lignes=import_demandes.nb_lignes,
            retenues=import_demandes.nb_retenues,
            rejetees=import_demandes.nb_rejetees,
        )
    return import_demandes


def _import_du_fournisseur(import_id: int, fournisseur: Fournisseur | None) -> Import:
    """The supplier's import (DoesNotExist for another's: never disclosed)."""
    return Import.objects.get(pk=import_id, fournisseur=fournisseur)


class DejaImporte(ImportImpossible):
    """The import was already done (or is being done by another request): nothing more to do."""

    def __init__(self, import_demandes: Import) -> None:
        super().__init__(Import.MESSAGE_DEJA_IMPORTE)
        self.import_demandes = import_demandes


def _deja_importe(import_demandes: Import) -> NoReturn:
    """An import that cannot be claimed: already imported (a double submission, nothing more to
    do: DejaImporte), or not importable at all (ImportImpossible)."""
    if import_demandes.importe or import_demandes.etat == Import.Etat.IMPORT_EN_COURS:
        raise DejaImporte(import_demandes)
    raise ImportImpossible("L'import n'est possible qu'après une simulation réussie de ce fichier.")


def _importer(utilisateur: Utilisateur, import_id: int) -> Import:
    fournisseur = utilisateur.fournisseur
    import_demandes = _import_du_fournisseur(import_id, fournisseur)
    if not import_demandes.importable:
        _deja_importe(import_demandes)

    # 1. Outside the lock: what the other imports of the couloir cannot change.
    maintenant = timezone.now()  # the import's moment: its demandes' deposit, its changes' history
    contenu = _verifier_empreinte(import_demandes)
    try:
        simulation = preparer(
            contenu,
            fournisseur=fournisseur,
            numero_ans=import_demandes.numero_ans,
            type_demande=import_demandes.type_demande,
            taux_tva=import_demandes.taux_tva,
        )
    except FichierRejete as rejet:
        # e.g. the deposit window closed since the simulation: nothing is created.
        raise ImportImpossible(texte_enregistrable(" ".join([rejet.message, *rejet.details]))) from None
    solution = simulation.contexte.solution
    preparees = ecriture.preparer_lignes(
        simulation.document.racine["lignesImport"],
        simulation.lignes,
        import_demandes=import_demandes,
        solution=solution,
        maintenant=maintenant,
    )

    # The database rules and the output file as the committed state stands now: under the lock the
    # rules run again, and this file is kept if they and the numbers given come out the same.
    prevue = verifier_avec_la_base(simulation)
    numeros_prevus = ecriture.prevoir_numeros(preparees, _retenus(prevue, preparees), solution.couloir)
    sortie_prevue = _sortie(prevue, numeros_prevus or {}, import_demandes)

    # 2. Under the couloir's lock, in one transaction.
    with transaction.atomic():
        reclame = Import.objects.filter(
            pk=import_id,
            fournisseur=fournisseur,
            etat=Import.Etat.SIMULE,
            resultat=Import.Resultat.SIMULATION_OK,
        ).update(etat=Import.Etat.IMPORT_EN_COURS)
        if not reclame:
            # Claimed by another request meanwhile (it waited for that one's commit).
            _deja_importe(_import_du_fournisseur(import_id, fournisseur))
        # Through the module, so that the benchmark can time the lock (bench/import_reel.py).
        compteur = demandes_services.verrouiller_compteur(solution.couloir)
        dossiers = demandes_services.verrouiller_dossiers(ecriture.dossiers_vises(preparees.values()))
        verifiee = verifier_avec_la_base(simulation)
        appliquees = ecriture.ecrire(
            preparees,
            _retenus(verifiee, preparees),
            import_demandes=import_demandes,
            compteur=compteur,
            dossiers=dossiers,
            utilisateur=utilisateur,
            maintenant=maintenant,
        )
        if appliquees == numeros_prevus and verifiee.lignes == prevue.lignes:
            sortie = sortie_prevue
        else:  # another import of the couloir, or a manager, changed what the lines name meanwhile
            sortie = _sortie(verifiee, appliquees, import_demandes)
        sortie_de_la_simulation = import_demandes.fichier_sortie.name
        import_demandes.fichier_sortie.save(
            f"{import_demandes.fournisseur_id}/{uuid.uuid4().hex}.json", ContentFile(sortie), save=False
        )
        # Replaced, not accumulated: the simulation's output file goes once the import is committed.
        if sortie_de_la_simulation:
            stockage = import_demandes.fichier_sortie.storage
            transaction.on_commit(lambda: stockage.delete(sortie_de_la_simulation))
        import_demandes.nb_retenues = len(appliquees)
        import_demandes.nb_rejetees = verifiee.nb_lignes - len(appliquees)
        import_demandes.etat = Import.Etat.IMPORTE
        import_demandes.date_import = maintenant
        # Only what the import changes: the row was read before the claim.
        import_demandes.save(update_fields=["fichier_sortie", "nb_retenues", "nb_rejetees", "etat", "date_import"])
        _enregistrer_erreurs(import_demandes, verifiee.lignes)
    return import_demandes


def _retenus(simulation: Simulation, preparees: Mapping[int, ecriture.LignePreparee]) -> list[int]:
    """The ranks of the lines laid out before the lock that every rule still accepts."""
    return [rang for rang in preparees if simulation.lignes[rang].valide]


def _sortie(simulation: Simulation, appliquees: Mapping[int, tuple[str, str]], import_demandes: Import) -> bytes:
    """The output file after the real import: each line's outcome, the dossier number it got."""
    traitements = [_TraitementImport(resultat, appliquees.get(rang)) for rang, resultat in enumerate(simulation.lignes)]
    numeros_asp = {rang: numero for rang, (_, numero) in appliquees.items()}
    return fichier_de_sortie(simulation.document, traitements, import_demandes.pk, numeros_asp)


class _TraitementImport:
    """codeTraitement / libelleTraitement of a line after the real import."""

    def __init__(self, resultat_ligne: ResultatLigne, application: tuple[str, str] | None) -> None:
        self.resultat_ligne = resultat_ligne
        self.application = application

    def code_traitement(self) -> str:
        return "OK" if self.application else self.resultat_ligne.code_traitement()

    def libelle_traitement(self) -> str:
        if self.application:
            action, numero = self.application
            return f"Demande {action} : {numero}"
        return self.resultat_ligne.libelle_traitement()
