"""The hostile corpus (tests/hostile/generer.py) through the screens, as the supplier `relais`.

JSON files: each one is simulated through « Importer les demandes » (POST /imports/simulation/, as
tests/parcours.py's `simuler`). Never a 500; the result page says, in French, that the file is
refused (its message and details), or lists each line's error code and message, or that the
simulation succeeded — and then « Importer » (the form the page shows) imports it: a file that
simulates OK imports (spec §2, « Limits of the database »), every demande created.

Zips: each one is deposited through the screen on an imported import, then processed by the task
body (piecesjointes.services.traiter_zip), as the worker does. Never an exception nor a 500; the zip
ends « Traité » with every refused entry carrying its French motif, or « Refusé » with the archive's
French message; nothing is written outside the storage; the peak memory of the processing, measured
with tracemalloc, stays within the worker's budget (the maximum over the corpus is named in the
failure message of the last test)."""

import io
import json
import os
import re
import tracemalloc
import zipfile
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.db import transaction
from django.test import Client

from demandes.models import Demande
from imports.models import Import
from piecesjointes import services
from piecesjointes.models import PieceRecue, ZipDepose
from tests.factories import MO, PIC_MAX
from tests.hostile import generer
from tests.imports.ecran_import import COLONNES_ERREURS
from tests.pages import MESSAGE_ERREURS, MESSAGE_FORMAT, MESSAGE_SUCCES, normaliser, page, texte
from tests.parcours import deposer, import_de, importer, simuler, verifier_stockage

CAS_JSON = generer.cas_json()


CAS_ZIP = generer.cas_zip()


PICS: dict[str, int] = {}  # peak of each zip case processed in this run


# What the form says when it refuses the upload (400, nothing recorded).
MESSAGES_FORMULAIRE = (
    "Le fichier choisi est vide.",
    "Choisissez le fichier JSON à simuler.",
    "Sélectionnez un choix valide",
    "Le fichier dépasse la taille maximale autorisée",
)


# The titles of a refused file (spec §3.1).
DEBUTS_REJET = (
    "Le JSON chargé ne respecte pas le format attendu",
    "Le numéro ANS",
    "Le SIRET du fichier",
    "Le régime de TVA renseigné dans le JSON est différent de celui renseigné dans ce formulaire",
    "La période de dépôt des demandes",
)


# Python's own (English) messages of json and codecs, which must never reach the supplier.
ANGLAIS = re.compile(
    r"\b(Expecting|Unexpected|Invalid|Unterminated|Extra data|delimiter|decode using|codec can't)\b"
    r"|line \d+ column \d+"
)


BALISES = "Les balises doivent être exactement celles prévues dans la"  # … « documentation » (a link)


MESSAGE_IMPORT_REUSSI = re.compile(
    r"L'import s'est déroulé correctement : (\d+) demande\(s\) retenue\(s\), (\d+) demande\(s\) rejetée\(s\)\."
)


# The archive refused as a whole, and the motifs of a refused entry (spec §6).
DEBUTS_MESSAGE_ARCHIVE = (
    "Le fichier n'est pas une archive zip lisible",
    "L'archive est vide",
    "L'archive contient",
    "Le répertoire de l'archive est anormalement grand",
)


MOTIF_FRANCAIS = re.compile(
    r"nom de fichier illisible : il n'est pas encodé en UTF-8"
    r"|nom de fichier vide"
    r"|nom de fichier contenant des caractères de contrôle"
    r"|chemin interdit : "
    r"|nom de \d+ caractères : 100 au plus"
    r"|lien symbolique refusé"
    r"|fichier chiffré \(protégé par mot de passe\) refusé"
    r"|méthode de compression non acceptée"
    r"|nom présent plusieurs fois dans l'archive"
    r"|archive imbriquée refusée"
    r"|format non accepté"
    r"|nom inconnu : "
    r"|contenu illisible ou corrompu"
    r"|fichier de plus de \d+ Mo"
    r"|le contenu \([^)]*\) n'est pas un fichier (PDF|JPEG|PNG)"
)


@pytest.fixture(scope="module")
def demo_du_module(django_db_setup, django_db_blocker):
    """The demo data created once for the ~500 cases, in a transaction of the module: each test runs
    in a savepoint of it (pytest-django's atomics nest), and it is rolled back at the end."""
    from demandes.management.commands.seed_demo import creer_donnees_demo

    with django_db_blocker.unblock():
        atomique = transaction.atomic()
        atomique.__enter__()
        try:
            yield creer_donnees_demo()
        finally:
            transaction.set_rollback(True)
            atomique.__exit__(None, None, None)


@pytest.fixture
def demo(db, demo_du_module):
    return demo_du_module


def sans_injection(reponse):
    """No marker of the corpus rendered as markup: every value of a file is escaped."""
    contenu = reponse.content.decode()
    for marqueur in generer.MARQUEURS_XSS:
        assert marqueur not in contenu, f"« {marqueur} » rendu tel quel dans {reponse.wsgi_request.path}"


def lire(client, url: str):
    reponse = client.get(url)
    assert reponse.status_code == 200, (url, reponse.status_code)
    sans_injection(reponse)
    return reponse


# --- JSON ------------------------------------------------------------------------------------


def _issue_de_la_simulation(client, reponse, imports_avant: int):
    """What the supplier is told, checked to be French and complete: (issue, import, result page)."""
    if reponse.status_code == 400:
        contenu = texte(reponse, lu=True)
        assert any(m in contenu for m in MESSAGES_FORMULAIRE), contenu[-1500:]
        sans_injection(reponse)
        assert Import.objects.count() == imports_avant  # nothing recorded
        return "formulaire", None, reponse

    import_demandes = import_de(reponse)
    ecran = lire(client, reponse["Location"])
    contenu = texte(ecran, lu=True)
    if import_demandes.resultat == Import.Resultat.FICHIER_REJETE:
        assert import_demandes.message.startswith(DEBUTS_REJET), import_demandes.message
        assert normaliser(import_demandes.message) in contenu
        for detail in import_demandes.details:
            assert detail and normaliser(detail) in contenu, detail[:300]
            assert not ANGLAIS.search(detail), f"détail en anglais : {detail[:300]}"
        # the sentence on the tags only for a refusal of the file's format, not of its content (issue 12)
        assert import_demandes.rejet_de_format == (import_demandes.message == MESSAGE_FORMAT)
        assert (BALISES in contenu) == import_demandes.rejet_de_format and MESSAGE_SUCCES not in contenu
        assert not import_demandes.importable
        return "rejet", import_demandes, ecran
    if import_demandes.simulation_reussie:
        assert MESSAGE_SUCCES in contenu and MESSAGE_ERREURS not in contenu
        assert import_demandes.nb_lignes == import_demandes.nb_valides >= 1
        return "ok", import_demandes, ecran

    assert import_demandes.resultat == Import.Resultat.ERREURS, import_demandes.resultat
    assert MESSAGE_ERREURS in contenu and MESSAGE_SUCCES not in contenu
    assert import_demandes.nb_invalides >= 1
    erreurs = import_demandes.erreurs.all()
    assert erreurs.exists()
    for erreur in erreurs[:1000]:
        assert re.fullmatch(r"E\d{3}", erreur.code) and erreur.message.strip(), (erreur.code, erreur.message)
        assert not ANGLAIS.search(erreur.message), f"message en anglais : {erreur.message[:300]}"
    lignes = page(ecran).table(COLONNES_ERREURS)
    assert lignes and all(re.fullmatch(r"E\d{3}", l[2]) and l[4] for l in lignes), lignes[:5]
    return "erreurs", import_demandes, ecran


def _importer_comme_l_ecran(client, import_demandes, ecran):
    """« Importer »: the form of the result page, posted as the button does."""
    action = re.search(r'<form method="post" action="([^"]+)" id="formulaire-importer"', ecran.content.decode())
    assert action and action.group(1) == f"/imports/{import_demandes.pk}/importer/"
    reponse = client.post(action.group(1))
    assert reponse.status_code == 302, reponse.status_code
    assert reponse["Location"] == f"/pieces-jointes/{import_demandes.pk}/", reponse["Location"]
    etape = lire(client, reponse["Location"])
    trouve = MESSAGE_IMPORT_REUSSI.search(texte(etape, lu=True))
    assert trouve, texte(etape, lu=True)[:2000]
    import_demandes.refresh_from_db()
    assert import_demandes.etat == Import.Etat.IMPORTE, import_demandes.etat
    assert (import_demandes.nb_retenues, import_demandes.nb_rejetees) == (import_demandes.nb_lignes, 0)
    assert trouve.groups() == (str(import_demandes.nb_lignes), "0")
    assert Demande.objects.filter(import_demandes=import_demandes).count() == import_demandes.nb_lignes
    lire(client, "/demandes/")
    # the output file, rewritten in place after the import, is still JSON and says each demande created
    sortie = client.get(f"/imports/{import_demandes.pk}/sortie/")
    assert sortie.status_code == 200
    document = json.loads(b"".join(sortie.streaming_content).decode("utf-8-sig"))
    assert document["impId"] == import_demandes.pk
    for ligne in document["lignesImport"]:
        assert ligne["codeTraitement"] == "OK", ligne["libelleTraitement"]
        assert ligne["libelleTraitement"] == f"Demande créée : {ligne['numeroASP']}"


@pytest.mark.parametrize("cas", CAS_JSON, ids=[c.nom for c in CAS_JSON])
def test_fichier_json_hostile(cas, client_relais):
    imports_avant = Import.objects.count()
    reponse = simuler(
        client_relais,
        cas.contenu(),
        nom=cas.nom_fichier,
        type_demande=cas.type_demande,
        numero_ans=cas.numero_ans,
        taux=cas.taux,
    )
    issue, import_demandes, ecran = _issue_de_la_simulation(client_relais, reponse, imports_avant)
    if cas.attendu == "pas_ok":
        assert issue in ("rejet", "erreurs"), f"{cas.nom} : {issue} au lieu d'un refus ou d'erreurs"
    elif cas.attendu:
        assert issue == cas.attendu, f"{cas.nom} : {issue} au lieu de {cas.attendu}" + (
            f" ({import_demandes.message} {import_demandes.details[:3]})" if issue == "rejet" else ""
        )
    if issue == "ok":
        _importer_comme_l_ecran(client_relais, import_demandes, ecran)


# --- zips ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def import_des_zips_du_module(demo_du_module, django_db_blocker) -> Import:
    """Two demandes simulated and imported through the screens once, in the module's transaction
    (each zip case's deposit is rolled back with its savepoint): they expect NOM_1, NOM_2, NOM_PNG
    and NOM_JPG."""
    client = Client()
    with django_db_blocker.unblock():
        client.force_login(get_user_model().objects.get(username="relais"))
        return importer(client, generer.fichier_pour_les_zips(), nom="pieces-hostiles.json")


@pytest.fixture
def import_des_zips(import_des_zips_du_module, client_relais) -> Import:
    import_des_zips_du_module.refresh_from_db()
    assert import_des_zips_du_module.etat == Import.Etat.IMPORTE
    return import_des_zips_du_module


def _chemins_a_surveiller(archive: bytes, racine: Path) -> list[str]:
    """Where an entry's name would land if it were used as a path (next to or outside the storage,
    in the working directory, at its absolute path) and nothing is there yet."""
    try:
        with zipfile.ZipFile(io.BytesIO(archive)) as lu:
            noms = [i.filename for i in lu.infolist()[:200]]
    except Exception:  # unreadable: the portal must say so, nothing to watch
        return []
    dedans = os.path.normpath(racine) + os.sep  # inside the storage: verifier_stockage's business
    chemins = []
    for nom in noms:
        for variante in {nom, nom.replace("\\", "/")}:
            if not variante.strip("/. "):
                continue
            bases = [racine, racine / "pieces", Path.cwd()]
            candidats = [os.path.normpath(base / variante) for base in bases]
            if variante.startswith("/"):
                candidats.append(os.path.normpath(variante))
            for candidat in candidats:
                try:
                    if not candidat.startswith(dedans) and not os.path.lexists(candidat):
                        chemins.append(candidat)
                except (OSError, ValueError):  # a name the filesystem cannot even hold
                    pass
    return chemins


def _existe(chemin: str) -> bool:
    try:
        return os.path.lexists(chemin)
    except (OSError, ValueError):
        return False


@pytest.mark.parametrize("cas", CAS_ZIP, ids=[c.nom for c in CAS_ZIP])
def test_zip_hostile(cas, client_relais, import_des_zips, settings):
    archive = cas.contenu()
    surveilles = _chemins_a_surveiller(archive, Path(settings.MEDIA_ROOT))
    reponse = deposer(client_relais, import_des_zips, archive, nom=cas.nom_zip)
    assert reponse.status_code == 302 and reponse["Location"] == f"/pieces-jointes/{import_des_zips.pk}/"
    (depot,) = ZipDepose.objects.filter(import_demandes=import_des_zips)
    del archive

    tracemalloc.start()
    try:
        depot = services.traiter_zip(depot.pk)
        _courant, pic = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    PICS[cas.nom] = pic
    plus_haut = max(PICS, key=PICS.get)
    assert pic <= PIC_MAX, (
        f"{cas.nom} : pic mémoire de {pic / MO:.1f} Mo (budget {PIC_MAX // MO} Mo) ; "
        f"maximum du corpus jusqu'ici : {PICS[plus_haut] / MO:.1f} Mo ({plus_haut})"
    )

    entrees = list(depot.entrees.all())
    assert depot.statut in (ZipDepose.Statut.TRAITE, ZipDepose.Statut.REFUSE), (depot.statut, depot.message)
    if depot.statut == ZipDepose.Statut.REFUSE:
        assert depot.message.startswith(DEBUTS_MESSAGE_ARCHIVE), depot.message
        assert not entrees and depot.nb_acceptees == 0
    else:
        assert depot.message == ""
        assert len(entrees) == depot.nb_entrees == depot.nb_traitees
        for entree in entrees:
            if entree.acceptee:
                assert entree.motif == ""
            else:
                assert MOTIF_FRANCAIS.match(entree.motif), (entree.nom, entree.motif)
    acceptees = [e.nom for e in entrees if e.acceptee]
    assert depot.nb_acceptees == len(acceptees) == PieceRecue.objects.filter(zip_depose=depot).count()
    assert depot.nb_refusees == len(entrees) - len(acceptees)
    if cas.statut:
        assert depot.statut == cas.statut, (depot.statut, depot.message, [(e.nom, e.motif) for e in entrees[:5]])
    if cas.acceptees is not None:
        assert len(acceptees) == cas.acceptees, [(e.nom, e.acceptee, e.motif) for e in entrees[:10]]

    verifier_stockage(settings, ZipDepose.objects.all())
    ecrits = [c for c in surveilles if _existe(c)]
    assert not ecrits, f"écrit hors du stockage : {ecrits}"

    ecran = texte(lire(client_relais, f"/pieces-jointes/{import_des_zips.pk}/"), lu=True)
    if depot.statut == ZipDepose.Statut.REFUSE:
        assert normaliser(depot.message) in ecran
    etat = client_relais.get(f"/pieces-jointes/zip/{depot.pk}/statut/")
    assert etat.status_code == 200 and etat.json()["statut"] == depot.statut and etat.json()["termine"]


def test_pic_memoire_maximal_du_corpus():
    """Runs after the zip cases: the largest peak of the corpus stays within the budget."""
    if PICS:
        plus_haut = max(PICS, key=PICS.get)
        assert PICS[plus_haut] <= PIC_MAX, (
            f"pic mémoire maximal du corpus : {PICS[plus_haut] / MO:.1f} Mo ({plus_haut}), "
            f"budget {PIC_MAX // MO} Mo, sur {len(PICS)} zips"
        )


def test_taille_du_corpus():
    assert len(CAS_JSON) >= 100 and len(CAS_ZIP) >= 50
    assert len({c.nom for c in CAS_JSON}) == len(CAS_JSON) and len({c.nom for c in CAS_ZIP}) == len(CAS_ZIP)
