"""Every supplier screen, brought into each of its states in a real browser, in the order a supplier
meets them: the accessibility audit (test_navigateur_accessibilite.py) and the screenshots
(bench/captures.py) walk the same journey and look at each state through `regarder(page, écran)`.

The states are reached the way the user reaches them — the login form, the simulation form,
« Importer », the zip upload form, « Terminer » — except the rejection of a demande, an ASP
manager's action, applied through demandes.services. The zips are processed by whatever Celery
runs the tasks: the tests' real worker (`worker_celery`) or eager tasks (bench/captures.py).

The helpers find fields by their label and buttons by their name, as the user does, so that they
keep working when the pages' markup changes."""

import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from tests.documents import MODELES, document_de, ligne_valide, poser, sans_cle, vers_octets
from tests.factories import ELF, NOM_PIECE, PDF, zip_de

ANS = "mlp525off1"  # relais's solution: the guide's TTC example simulates without error with it
DELAI_ZIP = 30.0  # s: upload, task on the broker or eager, page polling

# The screens and states of the journey, in the order `parcourir` shows them.
ECRANS = [
    "connexion",
    "accueil — rien en attente",
    "menu ouvert (mobile)",
    "liste des imports — vide",
    "écran d'import — vide",
    "écran d'import — erreur de format",
    "écran d'import — erreurs par demande",
    "écran d'import — simulation réussie",
    "pièces jointes — avant tout zip",
    "écran d'import — importé",
    "pièces jointes — zip refusé",
    "accueil — actions en attente (pièces manquantes, simulation à importer)",
    "pièces jointes — zip complet",
    "après « Terminer »",
    "liste des imports — avec imports",
    "liste des demandes",
    "demande — déposée",
    "demande — rejetée",
    "accueil — actions en attente (demande rejetée)",
    "documentation",
    "aide",
    "enrôlement",
    "accès API",
]
MENU_MOBILE = "menu ouvert (mobile)"  # the header's « Menu » button shows only below the DSFR's lg breakpoint
LARGEUR_MENU_MOBILE = 992  # px


def ecrans_vus(largeur: int) -> list[str]:
    """The screens `parcourir` shows at this viewport width."""
    return [ecran for ecran in ECRANS if ecran != MENU_MOBILE or largeur < LARGEUR_MENU_MOBILE]


@dataclass(frozen=True)
class Fichiers:
    """The files a supplier sends along the journey (written by `ecrire_fichiers`)."""

    format_invalide: Path  # not JSON at all: « Le JSON chargé ne respecte pas le format attendu »
    erreurs: Path  # three lines of the guide's example, two with a FINESS of wrong key
    valide: Path  # the guide's TTC model, as the documentation page offers it
    autre_valide: Path  # another valid demande, simulated and left unimported
    zip_refuse: Path  # every file refused: a fake PDF (ELF bytes) and an unexpected name
    zip_complet: Path  # the piece the guide's example expects


def ecrire_fichiers(dossier: Path) -> Fichiers:
    dossier.mkdir(parents=True, exist_ok=True)
    modele = (MODELES / "avance-structure-ttc.json").read_bytes()
    document = json.loads(modele)
    en_erreur = [ligne_valide(document, n) for n in (3, 4, 5)]
    for ligne in en_erreur[1:]:
        poser(
            ligne, "beneficiaires.structure.FINESSGeo[0]", sans_cle(ligne["beneficiaires"]["structure"]["FINESSGeo"][0])
        )
    fichiers = Fichiers(
        format_invalide=dossier / "pas-du-json.json",
        erreurs=dossier / "avance-erreurs.json",
        valide=dossier / "avance-structure-ttc.json",
        autre_valide=dossier / "avance-a-importer.json",
        zip_refuse=dossier / "pieces-refusees.zip",
        zip_complet=dossier / "pieces.zip",
    )
    fichiers.format_invalide.write_bytes(b"Ceci n'est pas un fichier JSON.\n")
    fichiers.erreurs.write_bytes(vers_octets(document_de(document, *en_erreur)))
    fichiers.valide.write_bytes(modele)
    fichiers.autre_valide.write_bytes(vers_octets(document_de(document, ligne_valide(document, 7))))
    fichiers.zip_refuse.write_bytes(zip_de((NOM_PIECE, ELF), ("inattendu.pdf", PDF)))
    fichiers.zip_complet.write_bytes(zip_de((NOM_PIECE, PDF)))
    return fichiers


# --- What the supplier does ------------------------------------------------------------------------


def se_connecter(page, url: str, identifiant: str = "relais", mot_de_passe: str = "demo") -> None:
    """The login form; waits for the home page."""
    page.goto(f"{url}/connexion/")
    page.get_by_label("Identifiant").fill(identifiant)
    page.get_by_label("Mot de passe").fill(mot_de_passe)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url(f"{url}/")


def simuler(page, url: str, fichier: Path, *, type_demande="Avance", numero_ans=ANS, taux="20 %") -> int:
    """« Importer des demandes »: the form filled and « Simuler »; returns the import's id, read from
    the page it leads to (/imports/<id>/)."""
    page.goto(f"{url}/imports/simulation/")
    page.get_by_label("Type de demande").select_option(label=type_demande)
    page.get_by_label("Numéro ANS").select_option(label=numero_ans)
    page.get_by_label("Taux de TVA").select_option(label=taux)
    page.get_by_label("Choisissez le fichier").set_input_files(str(fichier))
    page.get_by_role("button", name="Simuler").click()
    page.wait_for_url(re.compile(r"/imports/\d+/$"))
    return int(re.search(r"/imports/(\d+)/$", page.url).group(1))


def importer(page, url: str, import_id: int) -> None:
    """« Importer » on the import screen of a successful simulation; waits for the page it leads to
    (the step « 2 - Pièces jointes », or the import screen showing the import's result)."""
    page.goto(f"{url}/imports/{import_id}/")
    page.get_by_role("button", name="Importer", exact=True).click()
    page.wait_for_url(re.compile(rf"/(pieces-jointes|imports)/{import_id}/"))


def formulaire_zip(page):
    """The zip upload form of the step « 2 - Pièces jointes » (the page's only file field)."""
    return page.locator("form", has=page.locator("input[type=file]"))


def zips_traites(import_id: int, nombre: int) -> bool:
    """Whether the import has `nombre` zips and none is waiting for or under processing."""
    from django.db import OperationalError

    from piecesjointes.models import ZipDepose

    try:
        statuts = list(ZipDepose.objects.filter(import_demandes_id=import_id).values_list("statut", flat=True))
    except OperationalError as erreur:
        # SQLite's shared in-memory test database answers « database table is locked » at once,
        # without waiting, while the worker's thread writes the zip: not processed yet, look again.
        if "locked" not in str(erreur):
            raise
        return False
    return len(statuts) >= nombre and not set(statuts) & set(ZipDepose.STATUTS_A_TRAITER)


def attendre_zips(import_id: int, nombre: int, delai: float = DELAI_ZIP) -> None:
    fin = time.monotonic() + delai
    while not zips_traites(import_id, nombre):
        assert time.monotonic() < fin, (
            f"les {nombre} zip(s) de l'import {import_id} ne sont pas traités après {delai} s"
        )
        time.sleep(0.2)


def deposer_zip(page, url: str, import_id: int, fichier: Path) -> None:
    """Sends a zip with the upload form, waits until it is processed, then shows the step's page
    as it is once processed (the page reloads itself too: loading it again makes the state certain)."""
    from piecesjointes.models import ZipDepose

    avant = ZipDepose.objects.filter(import_demandes_id=import_id).count()
    formulaire = formulaire_zip(page)
    formulaire.locator("input[type=file]").set_input_files(str(fichier))
    formulaire.get_by_role("button", name="Importer", exact=True).click()
    attendre_zips(import_id, avant + 1)
    # The page follows the processing and, once it ends, replaces itself by the step « ?zip=<id> »:
    # let it do so before loading the step again (else its navigation may abort ours).
    from playwright.sync_api import TimeoutError as DelaiDepasse

    try:
        page.wait_for_url(re.compile(r"\?zip=\d+$"), timeout=15_000)
    except DelaiDepasse:
        pass  # it had nothing to follow (the upload answered before its script could start)
    recharger_apres_le_traitement(page, f"{url}/pieces-jointes/{import_id}/")


def recharger_apres_le_traitement(page, adresse: str, essais: int = 5) -> None:
    """Loads the step's page once the zip is processed. The page being left reloads itself when it
    sees the processing end: that navigation may abort this one, which is then tried again (once
    this one is committed, the old page's script is gone)."""
    from playwright.sync_api import Error

    for essai in range(1, essais + 1):
        try:
            page.goto(adresse)
            return
        except Error as erreur:
            if essai == essais or not re.search(r"ERR_ABORTED|interrupted by another navigation", str(erreur)):
                raise
            page.wait_for_load_state("load")


def terminer(page, url: str, import_id: int) -> None:
    """« Terminer » on the step « 2 - Pièces jointes »; waits for the step again, its result first."""
    from playwright.sync_api import expect

    page.goto(f"{url}/pieces-jointes/{import_id}/")
    page.get_by_role("button", name="Terminer").click()
    expect(page.locator("[data-focus-resultat]")).to_contain_text("Import terminé")


def rejeter(demande_id: int, motif: str = "Le bon de commande n'est pas signé par le bénéficiaire.") -> None:
    """An ASP manager rejects the demande (the admin's action, through its service)."""
    from django.contrib.auth import get_user_model

    from demandes.models import Demande
    from demandes.services import changer_statut

    gestionnaire = get_user_model().objects.get(username="gestionnaire")
    faites, refusees = changer_statut(
        list(Demande.objects.filter(pk=demande_id)), transition="rejet", utilisateur=gestionnaire, motif=motif
    )
    assert faites and not refusees, refusees


# --- The journey ------------------------------------------------------------------------------------


def parcourir(page, url: str, fichiers: Fichiers, regarder: Callable[[object, str], None]) -> list[str]:
    """Brings the demo supplier relais through every screen and state of `ECRANS`, in a fresh demo
    database, calling `regarder(page, écran)` on each; returns the screens looked at."""
    from demandes.models import Demande

    vus: list[str] = []

    def voir(ecran: str) -> None:
        assert ecran in ECRANS, ecran
        page.wait_for_load_state("load")
        regarder(page, ecran)
        vus.append(ecran)

    page.goto(f"{url}/connexion/")
    voir("connexion")
    se_connecter(page, url)
    voir("accueil — rien en attente")
    bouton_menu = page.get_by_role("button", name="Menu", exact=True)
    if bouton_menu.is_visible():
        bouton_menu.click()
        menu = page.get_by_role("navigation", name="Menu principal")
        menu.wait_for(state="visible")
        voir(MENU_MOBILE)
        page.keyboard.press("Escape")  # the DSFR closes its modal menu on Escape
        menu.wait_for(state="hidden")
    page.goto(f"{url}/imports/")
    voir("liste des imports — vide")
    page.goto(f"{url}/imports/simulation/")
    voir("écran d'import — vide")

    simuler(page, url, fichiers.format_invalide)
    voir("écran d'import — erreur de format")
    simuler(page, url, fichiers.erreurs)
    voir("écran d'import — erreurs par demande")
    import_id = simuler(page, url, fichiers.valide)
    voir("écran d'import — simulation réussie")

    importer(page, url, import_id)
    page.goto(f"{url}/pieces-jointes/{import_id}/")
    voir("pièces jointes — avant tout zip")
    page.goto(f"{url}/imports/{import_id}/")
    voir("écran d'import — importé")

    page.goto(f"{url}/pieces-jointes/{import_id}/")
    deposer_zip(page, url, import_id, fichiers.zip_refuse)
    voir("pièces jointes — zip refusé")
    simuler(page, url, fichiers.autre_valide)  # passed, left unimported
    page.goto(f"{url}/")
    voir("accueil — actions en attente (pièces manquantes, simulation à importer)")
    page.goto(f"{url}/pieces-jointes/{import_id}/")
    deposer_zip(page, url, import_id, fichiers.zip_complet)
    voir("pièces jointes — zip complet")

    terminer(page, url, import_id)
    voir("après « Terminer »")
    page.goto(f"{url}/imports/")
    voir("liste des imports — avec imports")
    page.goto(f"{url}/demandes/")
    voir("liste des demandes")
    demande = Demande.objects.get(import_demandes_id=import_id)
    page.goto(f"{url}/demandes/{demande.pk}/")
    voir("demande — déposée")
    rejeter(demande.pk)
    page.goto(f"{url}/demandes/{demande.pk}/")
    voir("demande — rejetée")
    page.goto(f"{url}/")
    voir("accueil — actions en attente (demande rejetée)")

    page.goto(f"{url}/imports/documentation/")
    voir("documentation")
    page.goto(f"{url}/aide/")
    voir("aide")
    page.goto(f"{url}/enrolement/")
    voir("enrôlement")
    page.goto(f"{url}/acces-api/")
    voir("accès API")
    return vus
