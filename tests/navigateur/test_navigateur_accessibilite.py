"""axe-core on every supplier screen, in every state a supplier meets, at 1280 px and at 375 px:
no violation of impact serious or critical (issue 12, « Done when »).

One logged-in page per width walks the whole journey (tests/navigateur/parcours_fournisseur.py):
login, Accueil with nothing then with actions pending, the open menu (375 px), the imports list, the import screen empty /
format error / line errors / success / imported, the step « 2 - Pièces jointes » before any zip,
after a zip whose files are all refused and after the complete zip, « Terminer », the demandes list,
a demande deposited then rejected (by a manager, through the service), the documentation, the help
and the enrolment pages. The zips are processed by a real Celery worker. Every screen is audited
before the test fails, and the failure lists every violation of every screen."""

import pytest

from tests.navigateur.accessibilite import LARGEURS, violations_bloquantes
from tests.navigateur.parcours_fournisseur import ecrans_vus, ecrire_fichiers, parcourir


@pytest.mark.browser
@pytest.mark.parametrize("largeur", list(LARGEURS), ids=lambda nom: f"{LARGEURS[nom]['width']}px")
def test_aucune_violation_bloquante_sur_les_ecrans_du_fournisseur(navigateur, worker_celery, tmp_path, largeur):
    fichiers = ecrire_fichiers(tmp_path / "envois")
    constats: dict[str, list[str]] = {}

    def auditer(page, ecran):
        constats[ecran] = violations_bloquantes(page)

    page = navigateur.nouvelle_page()
    page.set_viewport_size(LARGEURS[largeur])
    try:
        vus = parcourir(page, navigateur.url, fichiers, auditer)
    finally:
        page.context.close()

    pixels = LARGEURS[largeur]["width"]
    assert vus == ecrans_vus(pixels)  # every screen and state was reached, and audited
    fautes = [f"— {ecran} ({pixels} px) :\n  " + "\n  ".join(liste) for ecran, liste in constats.items() if liste]
    assert not fautes, (
        f"{len(fautes)} écran(s) sur {len(constats)} avec des violations serious/critical :\n" + "\n".join(fautes)
    )
