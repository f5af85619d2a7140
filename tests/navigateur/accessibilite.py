"""axe-core in the page: the accessibility audit of the browser tests.

axe-core 4.14.1 is vendored in tests/navigateur/axe/ (axe.min.js, its MPL-2.0 licence and the
French locale): the suite runs without internet. It is evaluated through the DevTools protocol
(page.evaluate), which the portal's Content-Security-Policy does not govern: the page under audit
is the page the user gets, CSP included."""

import json
from functools import cache
from pathlib import Path

DOSSIER_AXE = Path(__file__).parent / "axe"
IMPACTS_BLOQUANTS = ("serious", "critical")
LARGEURS = {"bureau": {"width": 1280, "height": 900}, "mobile": {"width": 375, "height": 812}}


@cache
def _source_axe() -> str:
    return (DOSSIER_AXE / "axe.min.js").read_text(encoding="utf-8")


@cache
def _locale_fr() -> dict:
    return json.loads((DOSSIER_AXE / "fr.json").read_text(encoding="utf-8"))


def violations(page) -> list[dict]:
    """axe-core's violations of the page as it is now (WCAG 2.x A and AA rules and axe's best
    practices), messages in French."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(_source_axe())
        page.evaluate("locale => window.axe.configure({locale})", _locale_fr())
    return page.evaluate("async () => (await window.axe.run(document, {resultTypes: ['violations']})).violations")


def decrire(violation: dict) -> str:
    """One violation as a reader fixes it: rule, impact, help, and the elements at fault."""
    cibles = "; ".join(
        f"{' '.join(noeud['target'])} → {noeud.get('failureSummary', '').strip()}" for noeud in violation["nodes"][:5]
    )
    return f"[{violation['impact']}] {violation['id']} : {violation['help']} ({len(violation['nodes'])}×) — {cibles}"


def violations_bloquantes(page) -> list[str]:
    """The violations of impact serious or critical, described (empty when the page passes)."""
    return [decrire(v) for v in violations(page) if v["impact"] in IMPACTS_BLOQUANTS]


def verifier_accessibilite(page, ecran: str) -> None:
    """Fails the test when axe-core finds a serious or critical violation on the page."""
    bloquantes = violations_bloquantes(page)
    largeur = page.viewport_size["width"] if page.viewport_size else "?"
    assert not bloquantes, f"{ecran} ({largeur} px) : " + "\n".join(bloquantes)
