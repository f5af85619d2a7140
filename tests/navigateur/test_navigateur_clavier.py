"""The supplier's whole journey with the keyboard only (issue 12, « Done when »): log in, menu
« Importation JSONs », « Importer des demandes », the form filled field by field, « Simuler » a file
with line errors, the errors table reached from the result alert, « Simuler » the guide's valid
model, « Importer » a few Tabs away from the success alert, the step « 2 - Pièces jointes », a zip
sent, « Terminer ». After each submit the focus must be on the result message (the element marked
`data-focus-resultat`, which comes before the forms of the main region).

Only page.keyboard drives the page after the first address is typed: Tab / Shift+Tab to move, typing
into fields and into the closed selects (type-ahead), Enter to follow links and press buttons. The
one exception is the file: a native file dialog cannot be driven, so the file field, reached with
Tab, is given its file with set_input_files. The zip is processed by a real Celery worker."""

import re

import pytest

from tests.navigateur.parcours_fournisseur import ANS, attendre_zips, ecrire_fichiers

TABS_MAX = 80  # a page's whole tab order: past the last element, Tab comes back to the first
# From the success alert to « Importer »: its « Fermer », the four fields of the form kept filled in,
# « Simuler », then « Importer » (16 Tabs before the result moved to the top of the page).
TABS_VERS_IMPORTER = 7
DELAI_FOCUS = 5_000  # ms
DELAI_ZIP = 30_000  # ms: upload, worker, page polling then reloading itself

# --- What has the focus, in JavaScript (conditions take the focused element `e`) ---------------------

NOM_ACCESSIBLE = """e => (e.getAttribute('aria-label') || e.innerText || e.value || '').replace(/\\s+/g, ' ').trim()"""
DECRIRE_FOCUS = f"""() => {{
  const e = document.activeElement;
  if (!e || e === document.body) return 'rien (body)';
  const nom = ({NOM_ACCESSIBLE})(e);
  return `<${{e.tagName.toLowerCase()}}${{e.id ? ' id=' + e.id : ''}}${{e.type ? ' type=' + e.type : ''}}> « ${{nom.slice(0, 80)}} »`;
}}"""


def champ(libelle: str) -> str:
    """The form field labelled `libelle`."""
    return f"""e => !!e.labels && [...e.labels].some(l => l.textContent.replace(/\\s+/g, ' ').trim().startsWith({libelle!r}))"""


def bouton(nom: str) -> str:
    """An enabled button (or submit input) named `nom`."""
    return f"""e => (e.tagName === 'BUTTON' || (e.tagName === 'INPUT' && e.type === 'submit'))
      && !e.disabled && ({NOM_ACCESSIBLE})(e) === {nom!r}"""


def lien(nom: str, dans: str = "body") -> str:
    """A link named `nom` inside the element matched by the selector `dans`."""
    return f"""e => e.tagName === 'A' && !!e.closest({dans!r}) && ({NOM_ACCESSIBLE})(e) === {nom!r}"""


LIEN_VERS_LES_ERREURS = """e => e.tagName === 'A' && !!e.closest('[data-focus-resultat]') && !!e.hash
  && e.pathname === location.pathname && !!document.getElementById(decodeURIComponent(e.hash.slice(1)))"""
CHAMP_FICHIER = "e => e.tagName === 'INPUT' && e.type === 'file'"
# The table an in-page link (#ancre) leads to: the target itself, a table in it, or the next one.
TABLEAU_DES_ERREURS = """ancre => {
  const cible = document.getElementById(decodeURIComponent(ancre.slice(1)));
  return cible.matches('table') ? cible : (cible.querySelector('table')
    || [...document.querySelectorAll('table')].find(t => !!(cible.compareDocumentPosition(t) & Node.DOCUMENT_POSITION_FOLLOWING)));
}"""


def focus(page) -> str:
    return page.evaluate(DECRIRE_FOCUS)


def tabuler_jusqua(page, condition: str, quoi: str, *, maximum: int = TABS_MAX) -> int:
    """Presses Tab until the focused element meets `condition`; returns the number of presses."""
    for presses in range(1, maximum + 1):
        page.keyboard.press("Tab")
        if page.evaluate(f"() => !!document.activeElement && ({condition})(document.activeElement)"):
            return presses
    raise AssertionError(f"{quoi} : pas atteint en {maximum} Tab (focus sur {focus(page)})")


def valider(page, *, attendre_url=None) -> None:
    """Enter on the focused button or link, waiting for the page it leads to."""
    with page.expect_navigation():
        page.keyboard.press("Enter")
    if attendre_url:
        page.wait_for_url(attendre_url)
    page.wait_for_load_state("load")


def verifier_focus_sur_le_resultat(page, apres: str) -> None:
    """The focus is in the result message, the page's only `data-focus-resultat`, which comes before
    every form of the main region (the first thing a screen reader announces)."""
    condition = "() => !!document.activeElement && !!document.activeElement.closest('[data-focus-resultat]')"
    try:
        page.wait_for_function(condition, timeout=DELAI_FOCUS)
    except Exception as exc:  # playwright's TimeoutError: say where the focus is instead
        raise AssertionError(
            f"après {apres}, le focus n'est pas sur le message de résultat [data-focus-resultat] "
            f"({page.locator('[data-focus-resultat]').count()} sur la page) mais sur {focus(page)}"
        ) from exc
    assert page.locator("[data-focus-resultat]").count() == 1, f"après {apres} : plusieurs [data-focus-resultat]"
    avant_les_formulaires = page.evaluate(
        """() => {
          const resultat = document.querySelector('[data-focus-resultat]');
          const principal = document.querySelector('main') || document.body;
          return [...principal.querySelectorAll('form')].every(
            f => f.contains(resultat) || !!(resultat.compareDocumentPosition(f) & Node.DOCUMENT_POSITION_FOLLOWING));
        }"""
    )
    assert avant_les_formulaires, f"après {apres}, le message de résultat vient après un formulaire de la page"


def remplir_formulaire_de_simulation(page, fichier) -> None:
    """Type, numéro ANS, taux de TVA chosen by typing into the closed selects; the file field,
    reached with Tab, given the file."""
    tabuler_jusqua(page, champ("Type de demande"), "champ « Type de demande »")
    page.keyboard.type("Avance")
    tabuler_jusqua(page, champ("Numéro ANS"), "champ « Numéro ANS »", maximum=5)
    page.keyboard.type(ANS)
    tabuler_jusqua(page, champ("Taux de TVA"), "champ « Taux de TVA »", maximum=5)
    page.keyboard.type("20")
    assert page.get_by_label("Type de demande").input_value() == "AVANCE"
    assert page.get_by_label("Numéro ANS").input_value() == ANS
    assert page.get_by_label("Taux de TVA").input_value() == "20"
    tabuler_jusqua(page, CHAMP_FICHIER, "champ « Choisissez le fichier »", maximum=10)
    page.locator(":focus").set_input_files(str(fichier))


@pytest.mark.browser
def test_parcours_complet_au_clavier(navigateur, worker_celery, tmp_path):
    from demandes.models import Demande
    from demandes.valeurs import StatutDemande

    url = navigateur.url
    fichiers = ecrire_fichiers(tmp_path / "envois")
    page = navigateur.nouvelle_page()

    # « Connexion »
    page.goto(f"{url}/connexion/")
    tabuler_jusqua(page, champ("Identifiant"), "champ « Identifiant »")
    page.keyboard.type("relais")
    tabuler_jusqua(page, champ("Mot de passe"), "champ « Mot de passe »", maximum=5)
    page.keyboard.type("demo")
    valider(page, attendre_url=f"{url}/")

    # Menu « Importation JSONs », then « Importer des demandes »
    tabuler_jusqua(page, lien("Importation JSONs", "nav"), "menu « Importation JSONs »")
    valider(page, attendre_url=f"{url}/imports/")
    tabuler_jusqua(
        page,
        f"e => ({NOM_ACCESSIBLE})(e) === 'Importer des demandes' && (e.tagName === 'A' || e.tagName === 'BUTTON')",
        "« Importer des demandes »",
    )
    valider(page, attendre_url=f"{url}/imports/simulation/")

    # « Simuler » a file with line errors: focus on the result, its link leads to the errors table
    remplir_formulaire_de_simulation(page, fichiers.erreurs)
    tabuler_jusqua(page, bouton("Simuler"), "bouton « Simuler »", maximum=10)
    valider(page, attendre_url=re.compile(r"/imports/\d+/$"))
    verifier_focus_sur_le_resultat(page, "« Simuler » (erreurs par demande)")
    tabuler_jusqua(page, LIEN_VERS_LES_ERREURS, "lien du message vers le tableau des erreurs", maximum=10)
    ancre = page.evaluate("() => document.activeElement.hash")
    page.keyboard.press("Enter")
    page.wait_for_function("ancre => location.hash === ancre", arg=ancre)
    cible = page.evaluate(
        f"""ancre => {{
          const cible = document.getElementById(decodeURIComponent(ancre.slice(1)));
          const haut = cible.getBoundingClientRect().top;
          return {{visible: haut >= -1 && haut < window.innerHeight, tableau: ({TABLEAU_DES_ERREURS})(ancre).innerText}};
        }}""",
        ancre,
    )
    assert cible["visible"], f"le lien {ancre} n'amène pas le tableau des erreurs à l'écran"
    assert re.search(r"\bE\d{3}\b", cible["tableau"]), (
        f"pas de code d'erreur dans le tableau : {cible['tableau'][:300]}"
    )
    # the next Tab goes into the errors table (a code's link to its rule, or its scroll region)
    page.keyboard.press("Tab")
    dans_le_tableau = page.evaluate(
        f"""ancre => {{
          const tableau = ({TABLEAU_DES_ERREURS})(ancre);
          const region = tableau.closest('.fr-table') || tableau;
          return region.contains(document.activeElement) || document.activeElement.contains(tableau);
        }}""",
        ancre,
    )
    assert dans_le_tableau, f"après le lien vers les erreurs, Tab ne mène pas dans le tableau mais sur {focus(page)}"

    # « Simuler » the guide's valid model: focus on the success, « Importer » a few Tabs away
    remplir_formulaire_de_simulation(page, fichiers.valide)
    tabuler_jusqua(page, bouton("Simuler"), "bouton « Simuler »", maximum=10)
    valider(page, attendre_url=re.compile(r"/imports/\d+/$"))
    import_id = int(re.search(r"/imports/(\d+)/$", page.url).group(1))
    verifier_focus_sur_le_resultat(page, "« Simuler » (simulation réussie)")
    tabuler_jusqua(
        page, bouton("Importer"), f"« Importer » en {TABS_VERS_IMPORTER} Tab au plus", maximum=TABS_VERS_IMPORTER
    )
    valider(page, attendre_url=re.compile(rf"/(pieces-jointes|imports)/{import_id}/"))
    verifier_focus_sur_le_resultat(page, "« Importer »")
    assert Demande.objects.filter(import_demandes_id=import_id).count() == 1

    # « 2 - Pièces jointes »: a zip sent, focus on its result once processed
    if f"/pieces-jointes/{import_id}/" not in page.url:
        tabuler_jusqua(
            page,
            f"e => e.tagName === 'A' && e.pathname === '/pieces-jointes/{import_id}/'",
            "lien vers l'étape « 2 - Pièces jointes »",
        )
        valider(page, attendre_url=f"{url}/pieces-jointes/{import_id}/")
    tabuler_jusqua(page, CHAMP_FICHIER, "champ du fichier zip")
    page.locator(":focus").set_input_files(str(fichiers.zip_complet))
    tabuler_jusqua(page, bouton("Importer"), "bouton « Importer » du zip", maximum=5)
    # the message shown before the upload must not pass for the zip's result
    page.evaluate("() => document.querySelectorAll('[data-focus-resultat]').forEach(e => e.dataset.avantLeZip = '1')")
    page.keyboard.press("Enter")
    attendre_zips(import_id, 1)
    try:
        page.wait_for_function(
            """() => { const r = document.activeElement && document.activeElement.closest('[data-focus-resultat]');
                       return !!r && !r.hasAttribute('data-avant-le-zip'); }""",
            timeout=DELAI_ZIP,
        )
    except Exception as exc:
        raise AssertionError(
            f"après l'envoi du zip, le focus n'est pas sur son résultat mais sur {focus(page)}"
        ) from exc
    verifier_focus_sur_le_resultat(page, "l'envoi du zip")

    # « Terminer »
    tabuler_jusqua(page, bouton("Terminer"), "bouton « Terminer »")
    valider(page)
    verifier_focus_sur_le_resultat(page, "« Terminer »")
    assert set(Demande.objects.filter(import_demandes_id=import_id).values_list("statut", flat=True)) == {
        StatutDemande.DEPOSEE
    }
    page.context.close()
