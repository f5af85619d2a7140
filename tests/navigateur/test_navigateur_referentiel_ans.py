"""The « Référentiel ANS » loaded by a manager in a real browser: the import form, the dry run's
confirm page and the export form keep the portal's CSP (Chromium reports no refused script or style),
make no request outside the portal (offline) and have no serious or critical axe-core violation;
the confirmation creates the file's lines.
Headless Chromium through Playwright, from the fixture `navigateur` of conftest.py (no skip: CI installs it)."""

import pytest

from tests.documents import SIRET_HOPITAL, SIRET_RELAIS
from tests.gestion.referentiel import csv_de
from tests.navigateur.accessibilite import verifier_accessibilite

LIGNES = [
    ["ans-1001", SIRET_RELAIS, "Cabinet Plus", "MDV", "LGC", "1", "15/03/2022", "25 000,50",
     "01/04/2022", "30/06/2023", "01/07/2023", "31/12/2024"],
    ["ans-1002", SIRET_HOPITAL, "Identités", "HOP", "RI", "2", "10/05/2023", "8000,00",
     "01/06/2023", "01/06/2024", "02/06/2024", "31/12/2025"],
]  # fmt: skip


@pytest.mark.browser
def test_le_gestionnaire_charge_le_referentiel_dans_le_navigateur(navigateur, tmp_path):
    from playwright.sync_api import expect

    from demandes.models import SolutionReferencee

    SolutionReferencee.objects.all().delete()  # the demo's lines: this test loads its own
    refus, exterieures = [], []
    page = navigateur.nouvelle_page()
    page.on(
        "console",
        lambda m: refus.append(m.text) if "Content Security Policy" in m.text else None,
    )
    page.on("request", lambda r: None if r.url.startswith((navigateur.url, "data:")) else exterieures.append(r.url))
    navigateur.se_connecter(page, "gestionnaire")

    def sans_refus_puis_axe(ecran):
        # The page as the portal served it refuses nothing; axe-core's own probes (inline styles
        # it sets while it runs) are not the portal's: forgotten after the check.
        assert refus == [], ecran
        verifier_accessibilite(page, ecran)
        refus.clear()

    page.goto(f"{navigateur.url}/admin/demandes/solutionreferencee/")
    page.get_by_role("link", name="Importer").click()
    sans_refus_puis_axe("Référentiel ANS — import")
    fichier = tmp_path / "referentiel.csv"
    fichier.write_bytes(csv_de(LIGNES))
    page.locator("input[name=import_file]").set_input_files(str(fichier))
    page.locator("select[name=format]").select_option(label="csv")
    page.locator("input[type=submit]").click()

    # The dry run: two new lines, nothing written yet.
    expect(page.locator("table.import-preview tr.new")).to_have_count(2)
    assert not SolutionReferencee.objects.exists()
    sans_refus_puis_axe("Référentiel ANS — confirmation")
    page.locator("input[name=confirm]").click()

    expect(page.locator("#result_list tbody tr")).to_have_count(2)
    assert sorted(SolutionReferencee.objects.values_list("numero_ans", flat=True)) == ["ans-1001", "ans-1002"]

    page.get_by_role("link", name="Exporter").click()
    sans_refus_puis_axe("Référentiel ANS — export")

    assert refus == []
    assert exterieures == []
