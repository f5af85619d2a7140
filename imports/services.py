"""Writes: recording a simulation (the real import comes with issue 3)."""
import hashlib
import os
import unicodedata
import uuid

from django.core.files.base import ContentFile
from django.db import transaction

from .engine.errors import FichierRejete
from .engine.output import fichier_de_sortie
from .engine.simulation import simuler
from .models import ErreurLigne, Import

TAILLE_BLOC = 1024 * 1024
MAX_ERREURS_ENREGISTREES = 100_000  # a 10 000-line file with ten errors a line still fits


def nom_affichable(nom: str) -> str:
    """The uploaded name as shown back to the supplier: no directory, no control character."""
    nom = os.path.basename((nom or "").replace("\\", "/"))
    nom = "".join(c for c in nom if unicodedata.category(c)[0] != "C").strip()
    return (nom or "fichier.json")[:255]


def _lire_televersement(fichier) -> tuple[bytes, str]:
    """Reads the uploaded temporary file once, in blocks, hashing as it goes."""
    empreinte = hashlib.sha256()
    blocs = []
    fichier.seek(0)
    for bloc in fichier.chunks(TAILLE_BLOC):
        empreinte.update(bloc)
        blocs.append(bloc)
    fichier.seek(0)
    return b"".join(blocs), empreinte.hexdigest()


def simuler_import(*, utilisateur, fichier, type_demande, numero_ans, taux_tva) -> Import:
    """Stores the uploaded file, runs the engine on it and records the Import with its result,
    its line errors and its output file. Whatever the file holds, an Import is recorded."""
    fournisseur = utilisateur.fournisseur
    contenu, sha256 = _lire_televersement(fichier)
    import_json = Import(
        fournisseur=fournisseur, utilisateur=utilisateur, numero_ans=numero_ans, type_demande=type_demande,
        taux_tva=taux_tva, nom_fichier=nom_affichable(fichier.name), sha256=sha256, taille=len(contenu),
    )
    import_json.fichier.save("televersement.json", fichier, save=False)
    try:
        simulation = simuler(contenu, fournisseur=fournisseur, numero_ans=numero_ans,
                             type_demande=type_demande, taux_tva=taux_tva)
    except FichierRejete as rejet:
        import_json.resultat = Import.Resultat.FICHIER_REJETE
        import_json.message = rejet.message
        import_json.details = rejet.details
        import_json.save()
        return import_json

    import_json.solution = simulation.contexte.solution
    import_json.nb_lignes = simulation.nb_lignes
    import_json.nb_valides = simulation.nb_valides
    import_json.nb_invalides = simulation.nb_invalides
    import_json.resultat = Import.Resultat.SIMULATION_OK if simulation.reussie else Import.Resultat.ERREURS
    with transaction.atomic():
        import_json.save()  # the Identifiant is needed inside the output file (impId)
        sortie = fichier_de_sortie(simulation.document, simulation.lignes, import_json.pk)
        import_json.fichier_sortie.save(
            f"{fournisseur.pk}/{uuid.uuid4().hex}.json", ContentFile(sortie), save=False
        )
        import_json.save(update_fields=["fichier_sortie"])
        erreurs = (
            ErreurLigne(import_json=import_json, numero_ligne=ligne.rang, numero_editeur=str(ligne.numero_editeur)[:100],
                        code=anomalie.code, champ=anomalie.chemin[:200], message=anomalie.message)
            for ligne in simulation.lignes for anomalie in ligne.anomalies
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
    return import_json
