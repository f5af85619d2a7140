"""What a supplier does, through the screens (Django's test client) or the services the screens
call: log in, simulate a file, import it for real, deposit a zip of attachments and wait for its
processing — and where the portal stores what it received."""

import html
import re
import socket
import threading
import time
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import OperationalError, connections

from demandes.models import Demande
from imports import services
from imports.models import Import
from piecesjointes import services as services_pieces
from piecesjointes.models import PieceRecue, ZipDepose

from .pages import normaliser


def utilisateur(nom):
    return get_user_model().objects.get(username=nom)


def se_connecter(client, identifiant, mot_de_passe, *, adresse="203.0.113.7", url="/connexion/"):
    """The login form, posted from `adresse`."""
    return client.post(url, {"username": identifiant, "password": mot_de_passe}, REMOTE_ADDR=adresse)


# --- « Importer les demandes »: simulation, then the real import ----------------------------------


def simuler(client, contenu: bytes, *, nom="demandes.json", type_demande="AVANCE", numero_ans="mlp525off1", taux="20"):
    """The simulation form, posted (POST /imports/simulation/)."""
    return client.post(
        "/imports/simulation/",
        {
            "type_demande": type_demande,
            "numero_ans": numero_ans,
            "taux_tva": taux,
            "fichier": SimpleUploadedFile(nom, contenu, content_type="application/json"),
        },
    )


def import_de(reponse) -> Import:
    """The Import a simulation redirected to (/imports/<id>/)."""
    if reponse.status_code != 302:
        contenu = reponse.content.decode()
        debut = contenu.find("<main")
        raise AssertionError(
            f"statut {reponse.status_code} : {normaliser(html.unescape(re.sub('<[^>]+>', ' ', contenu[debut:])))[:1500]}"
        )
    prefixe = "/imports/"
    assert reponse["Location"].startswith(prefixe) and reponse["Location"].endswith("/")
    pk = int(reponse["Location"][len(prefixe) : -1])
    return Import.objects.get(pk=pk)


def importer(client, contenu: bytes, nom="demandes.json") -> Import:
    """Simulation then real import through the screens; lands on « 2 - Pièces jointes »."""
    import_demandes = import_de(simuler(client, contenu, nom=nom))
    assert import_demandes.simulation_reussie, list(import_demandes.erreurs.values_list("code", "champ", "message"))
    reponse = client.post(f"/imports/{import_demandes.pk}/importer/")
    assert reponse.status_code == 302 and reponse["Location"] == f"/pieces-jointes/{import_demandes.pk}/"
    import_demandes.refresh_from_db()
    assert import_demandes.etat == Import.Etat.IMPORTE
    return import_demandes


def simuler_service(
    nom_utilisateur, contenu: bytes, *, type_demande="AVANCE", numero_ans="mlp525off1", taux="20", nom="demandes.json"
) -> Import:
    """The simulation through its service (imports.services.simuler_import)."""
    return services.simuler_import(
        utilisateur=utilisateur(nom_utilisateur),
        type_demande=type_demande,
        numero_ans=numero_ans,
        taux_tva=taux,
        fichier=SimpleUploadedFile(nom, contenu, content_type="application/json"),
    )


def importer_service(nom_utilisateur, import_demandes) -> Import:
    return services.importer_pour_de_vrai(utilisateur=utilisateur(nom_utilisateur), import_id=import_demandes.pk)


def simuler_et_importer(nom_utilisateur, contenu: bytes, **options) -> Import:
    """A file that simulates without error, imported for real (both through the services)."""
    import_demandes = simuler_service(nom_utilisateur, contenu, **options)
    assert import_demandes.simulation_reussie, list(import_demandes.erreurs.values_list("code", "champ", "message"))
    return importer_service(nom_utilisateur, import_demandes)


def sortie_de(import_demandes) -> bytes:
    """The output file the supplier downloads, as stored."""
    import_demandes.refresh_from_db()
    with import_demandes.fichier_sortie.open("rb") as flux:
        return flux.read()


def numeros(queryset=None) -> list[str]:
    """The dossier numbers (FIN…M…) of these demandes (all of them by default), sorted."""
    return sorted(d.numero_dossier for d in (queryset if queryset is not None else Demande.objects.all()))


def en_parallele(*appels):
    """Runs each call in its own thread (its own database connection), all released at once.
    Returns [(result, exception)] in the order of the calls."""
    depart = threading.Barrier(len(appels))
    resultats = [None] * len(appels)

    def executer(rang, appel):
        try:
            depart.wait(timeout=30)
            resultats[rang] = (appel(), None)
        except Exception as erreur:  # noqa: BLE001 — reported to the test
            resultats[rang] = (None, erreur)
        finally:
            connections.close_all()

    fils = [threading.Thread(target=executer, args=(rang, appel)) for rang, appel in enumerate(appels)]
    for f in fils:
        f.start()
    for f in fils:
        f.join(timeout=120)
        assert not f.is_alive()
    return resultats


# --- « 2 - Pièces jointes »: zips --------------------------------------------------------------------


def ecran(client, import_demandes):
    """The step « 2 - Pièces jointes » of an import."""
    reponse = client.get(f"/pieces-jointes/{import_demandes.pk}/")
    assert reponse.status_code == 200
    return reponse


def deposer(client, import_demandes, contenu: bytes, nom="pieces.zip", en_json=False):
    """The zip form, posted (as the page's script does with `en_json`: Accept: application/json)."""
    entetes_http = {"HTTP_ACCEPT": "application/json"} if en_json else {}
    return client.post(
        f"/pieces-jointes/{import_demandes.pk}/zip/",
        {"fichier": SimpleUploadedFile(nom, contenu, content_type="application/zip")},
        **entetes_http,
    )


def deposer_et_traiter(client, import_demandes, contenu: bytes, nom="pieces.zip") -> ZipDepose:
    """Upload through the screen (never a 500), then the task body, as the worker would run it."""
    avant = set(ZipDepose.objects.values_list("pk", flat=True))
    reponse = deposer(client, import_demandes, contenu, nom=nom)
    assert reponse.status_code == 302 and reponse["Location"] == f"/pieces-jointes/{import_demandes.pk}/"
    (nouveau,) = set(ZipDepose.objects.values_list("pk", flat=True)) - avant
    return services_pieces.traiter_zip(nouveau)


def envoyer(client, import_demandes, contenu: bytes, nom="pieces.zip") -> int:
    """Upload as the page's script does (Accept: application/json); the task is queued on commit."""
    reponse = deposer(client, import_demandes, contenu, nom=nom, en_json=True)
    assert reponse.status_code == 200, reponse.content
    corps = reponse.json()
    assert corps["statut_url"] == f"/pieces-jointes/zip/{corps['zip']}/statut/"
    return corps["zip"]


def statut_du_zip(client, depot) -> dict:
    reponse = client.get(f"/pieces-jointes/zip/{depot.pk}/statut/")
    assert reponse.status_code == 200
    return reponse.json()


def attendre_traitement(client, depot_id: int, delai=30.0) -> dict:
    """Polls the status endpoint until the worker has processed the zip."""
    fin, etat = time.monotonic() + delai, None
    while True:
        try:
            reponse = client.get(f"/pieces-jointes/zip/{depot_id}/statut/")
            assert reponse.status_code == 200
            etat = reponse.json()
        except OperationalError:  # SQLite shared cache: a table locked by the worker's commit
            etat = None
        if etat and etat["termine"]:
            return etat
        assert time.monotonic() < fin, f"zip {depot_id} non traité en {delai} s : {etat}"
        time.sleep(0.1)


def motifs(depot) -> dict[str, str]:
    """{entry name: motif} of a processed zip (an accepted entry has an empty motif)."""
    return {e.nom: e.motif for e in depot.entrees.all()}


# --- Storage ----------------------------------------------------------------------------------------


def fichiers_sous(dossier: Path) -> set[str]:
    return {p.relative_to(dossier).as_posix() for p in dossier.rglob("*") if p.is_file()}


def verifier_stockage(settings, depots):
    """Every stored file is inside MEDIA_ROOT, under the keys of the portal: the zips under
    zips/<fournisseur>/<import>/, the pieces under pieces/<fournisseur>/<import>/<clé du zip>/."""
    racine = Path(settings.MEDIA_ROOT)
    autour = racine.parent
    assert fichiers_sous(autour) == {f"fichiers/{f}" for f in fichiers_sous(racine)}, "fichier écrit hors du stockage"
    prefixes = []
    for depot in depots:
        prefixes += [
            f"zips/{depot.fournisseur_id}/{depot.import_demandes_id}/",
            f"pieces/{depot.fournisseur_id}/{depot.import_demandes_id}/{depot.cle}/",
        ]
    for fichier in fichiers_sous(racine):
        # The JSON file and its output file; the RIBs of the fournisseurs' bank details (seed_demo's too).
        if fichier.startswith(("imports/", "sorties/", "enrolement/rib/")):
            continue
        assert fichier.startswith(tuple(prefixes)), fichier
    for piece in PieceRecue.objects.all():
        assert piece.fichier.name == piece.cle_stockage
        assert piece.cle_stockage.startswith(
            f"pieces/{piece.zip_depose.fournisseur_id}/{piece.zip_depose.import_demandes_id}/{piece.zip_depose.cle}/"
        )


def port_libre() -> int:
    """A TCP port nobody listens on (yet) on 127.0.0.1."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
