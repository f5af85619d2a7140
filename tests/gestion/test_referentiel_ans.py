"""The « Référentiel ANS » in the managers' admin (issue 15, point 1): a CSV or XLSX file loaded with
django-import-export's dry run (new, changed, skipped lines; refused ones with their reason in French,
nothing written), then confirmed; the same file twice changes nothing; the export has the same columns
and loads back unchanged; a supplier never reaches it and a manager never deletes a line."""

import io
from datetime import date
from decimal import Decimal

import pytest
from django.core.files.storage import default_storage

from demandes.models import SolutionReferencee
from tests.documents import SIRET_HOPITAL, SIRET_RELAIS, SIRET_UNIKALO, sans_cle
from tests.gestion.referentiel import (
    ENTETES_REFERENTIEL,
    EXPORT_REFERENTIEL,
    IMPORT_REFERENTIEL,
    LISTE_REFERENTIEL,
    XLSX,
    apercu,
    confirmer,
    csv_de,
    essai,
    refus,
    xlsx_de,
)
from tests.pages import texte

LIGNES = [
    ["ans-0001", SIRET_RELAIS, "Cabinet Plus", "MDV", "LGC", "1", "15/03/2022", "25 000,50",
     "01/04/2022", "30/06/2023", "01/07/2023", "31/12/2024"],
    ["ans-0002", SIRET_UNIKALO, "Passerelle Hôpital", "HOP", "PFI", "2", "02/01/2023", "120000",
     "01/02/2023", "31/12/2023", "01/01/2024", "30/06/2025"],
    ["ans-0003", SIRET_HOPITAL, "Identités", "HOP", "RI", "2", "10/05/2023", "8000,00",
     "01/06/2023", "01/06/2024", "02/06/2024", "31/12/2025"],
]  # fmt: skip


@pytest.fixture(autouse=True)
def referentiel_vide(demo):
    """These tests load their own lines into an empty référentiel: the demo's (loaded by seed_demo
    for its suppliers' enrolment) are taken out first."""
    SolutionReferencee.objects.all().delete()


def charger(client, contenu, **options):
    reponse = essai(client, contenu, **options)
    confirmation = confirmer(client, reponse)
    assert confirmation.status_code == 302, confirmation.status_code
    return reponse


def valeurs():
    return list(
        SolutionReferencee.objects.order_by("numero_ans").values_list(
            "numero_ans", "siret", "nom", "couloir__code", "logiciel__code", "vague", "date_referencement",
            "plafond_ht", "avance_ouverture", "avance_fermeture", "solde_ouverture", "solde_fermeture",
        )
    )  # fmt: skip


ATTENDU = [
    ("ans-0001", SIRET_RELAIS, "Cabinet Plus", "MDV", "LGC", 1, date(2022, 3, 15), Decimal("25000.50"),
     date(2022, 4, 1), date(2023, 6, 30), date(2023, 7, 1), date(2024, 12, 31)),
    ("ans-0002", SIRET_UNIKALO, "Passerelle Hôpital", "HOP", "PFI", 2, date(2023, 1, 2), Decimal("120000.00"),
     date(2023, 2, 1), date(2023, 12, 31), date(2024, 1, 1), date(2025, 6, 30)),
    ("ans-0003", SIRET_HOPITAL, "Identités", "HOP", "RI", 2, date(2023, 5, 10), Decimal("8000.00"),
     date(2023, 6, 1), date(2024, 6, 1), date(2024, 6, 2), date(2025, 12, 31)),
]  # fmt: skip


def test_le_gestionnaire_charge_un_csv_essai_puis_confirmation(client_gestionnaire):
    assert (
        "href='/admin/demandes/solutionreferencee/import/'"
        in client_gestionnaire.get(LISTE_REFERENTIEL).content.decode()
    )
    reponse = essai(client_gestionnaire, csv_de(LIGNES))
    assert apercu(reponse) == [("new", "ans-0001"), ("new", "ans-0002"), ("new", "ans-0003")]
    assert not SolutionReferencee.objects.exists()  # the dry run wrote nothing
    # Until the confirmation, the file waits in the portal's storage (any worker, any host, reads it).
    assert len(default_storage.listdir("django-import-export")[1]) == 1
    confirmation = confirmer(client_gestionnaire, reponse)
    assert confirmation.status_code == 302 and confirmation["Location"] == LISTE_REFERENTIEL
    assert default_storage.listdir("django-import-export")[1] == []  # then it goes
    assert valeurs() == ATTENDU
    # Each line has its history, by the manager.
    historique = SolutionReferencee.history.filter(numero_ans="ans-0001")
    assert historique.count() == 1 and historique.get().history_user.username == "gestionnaire"


def test_le_meme_fichier_deux_fois_ne_change_rien(client_gestionnaire):
    charger(client_gestionnaire, csv_de(LIGNES))
    historiques = SolutionReferencee.history.count()
    reponse = charger(client_gestionnaire, csv_de(LIGNES))
    assert apercu(reponse) == [("skip", "ans-0001"), ("skip", "ans-0002"), ("skip", "ans-0003")]
    assert valeurs() == ATTENDU
    assert SolutionReferencee.history.count() == historiques  # nothing saved again


def test_un_plafond_change_est_une_mise_a_jour(client_gestionnaire):
    charger(client_gestionnaire, csv_de(LIGNES))
    modifiees = [list(l) for l in LIGNES]
    modifiees[1][7] = "130000,00"
    reponse = charger(client_gestionnaire, csv_de(modifiees))
    assert apercu(reponse) == [("skip", "ans-0001"), ("update", "ans-0002"), ("skip", "ans-0003")]
    assert SolutionReferencee.objects.get(numero_ans="ans-0002").plafond_ht == Decimal("130000.00")
    assert SolutionReferencee.history.filter(numero_ans="ans-0002").count() == 2


def test_un_csv_separe_par_des_virgules_est_lu_aussi(client_gestionnaire):
    lignes = [[c.replace(",", ".") for c in l] for l in LIGNES]
    charger(client_gestionnaire, csv_de(lignes, separateur=","))
    assert valeurs() == ATTENDU


def test_un_fichier_xlsx(client_gestionnaire):
    # As a spreadsheet holds them: dates as dates, numbers as numbers (a SIRET typed as a number too).
    lignes = [
        [l[0], int(l[1]), l[2], l[3], l[4], int(l[5]), *[date(*reversed([int(x) for x in l[6].split("/")]))],
         float(l[7].replace(" ", "").replace(",", ".")),
         *[date(*reversed([int(x) for x in d.split("/")])) for d in l[8:]]]
        for l in LIGNES
    ]  # fmt: skip
    reponse = essai(client_gestionnaire, xlsx_de(lignes), nom="referentiel.xlsx", format_=XLSX)
    assert apercu(reponse) == [("new", "ans-0001"), ("new", "ans-0002"), ("new", "ans-0003")]
    assert confirmer(client_gestionnaire, reponse).status_code == 302
    assert valeurs() == ATTENDU


def test_les_lignes_refusees_disent_pourquoi_et_rien_n_est_ecrit(client_gestionnaire):
    mauvaises = [list(LIGNES[0])]  # line 1 is correct
    for rang, (colonne, valeur) in enumerate(
        [(1, sans_cle(SIRET_RELAIS)), (3, "XXX"), (4, "ZZZ"), (2, ""), (6, "2022-03-15"), (9, "01/03/2022"),
         (7, "beaucoup"), (5, "deux")],
        start=2,
    ):  # fmt: skip
        ligne = list(LIGNES[0])
        ligne[0] = f"ans-01{rang:02}"
        ligne[colonne] = valeur
        mauvaises.append(ligne)
    reponse = essai(client_gestionnaire, csv_de(mauvaises))
    motifs = dict(refus(reponse))
    assert sorted(motifs) == [str(n) for n in range(2, 10)]
    assert "SIRET invalide : 14 chiffres avec une clé de contrôle correcte." in motifs["2"]
    assert "Couloir « XXX » inconnu." in motifs["3"]
    assert "Logiciel « ZZZ » inconnu." in motifs["4"]
    assert "Ce champ ne peut pas être vide." in motifs["5"]
    assert "« 2022-03-15 » n'est pas une date au format JJ/MM/AAAA." in motifs["6"]
    assert "La fermeture du dépôt des avances précède son ouverture." in motifs["7"]
    assert "« beaucoup » n'est pas un montant (exemple : 25000,00)." in motifs["8"]
    assert "« deux » n'est pas un nombre entier." in motifs["9"]
    assert 'action="/admin/demandes/solutionreferencee/process_import/"' not in reponse.content.decode()
    assert not SolutionReferencee.objects.exists()


def test_un_fichier_sans_une_colonne_est_refuse(client_gestionnaire):
    entetes = [e for e in ENTETES_REFERENTIEL if e != "plafond HT"]
    lignes = [[c for i, c in enumerate(l) if i != 7] for l in LIGNES]
    reponse = essai(client_gestionnaire, csv_de(lignes, entetes=entetes))
    assert "Colonnes absentes du fichier : « plafond HT »." in texte(reponse)
    assert "process_import" not in reponse.content.decode()
    assert not SolutionReferencee.objects.exists()


@pytest.mark.parametrize("format_", ["0", "1"])
def test_l_export_a_les_memes_colonnes_et_se_recharge_sans_changement(client_gestionnaire, format_):
    from tablib import Dataset

    charger(client_gestionnaire, csv_de(LIGNES))
    # The form has no column to tick: every column is exported.
    assert "referentielansresource_" not in client_gestionnaire.get(EXPORT_REFERENTIEL).content.decode()
    reponse = client_gestionnaire.post(EXPORT_REFERENTIEL, {"format": format_})
    assert reponse.status_code == 200, reponse.content.decode()[:2000]
    contenu = reponse.content
    if format_ == "0":
        donnees = Dataset().load(contenu.decode("utf-8-sig"), format="csv", delimiter=";")
        assert donnees.headers == ENTETES_REFERENTIEL
        assert list(donnees[0]) == [*LIGNES[0][:7], "25000,50", *LIGNES[0][8:]]
        nom = "export.csv"
    else:
        donnees = Dataset().load(io.BytesIO(contenu), format="xlsx")
        assert donnees.headers == ENTETES_REFERENTIEL
        nom = "export.xlsx"
    historiques = SolutionReferencee.history.count()
    rechargement = essai(client_gestionnaire, contenu, nom=nom, format_=format_)
    assert apercu(rechargement) == [("skip", "ans-0001"), ("skip", "ans-0002"), ("skip", "ans-0003")]
    assert confirmer(client_gestionnaire, rechargement).status_code == 302
    assert valeurs() == ATTENDU and SolutionReferencee.history.count() == historiques


def test_un_fournisseur_n_y_accede_pas(client_relais):
    for chemin in (LISTE_REFERENTIEL, IMPORT_REFERENTIEL, EXPORT_REFERENTIEL):
        reponse = client_relais.get(chemin)
        assert reponse.status_code == 302 and reponse["Location"].startswith("/admin/login/"), chemin


def test_le_gestionnaire_ne_supprime_pas(client_gestionnaire):
    charger(client_gestionnaire, csv_de(LIGNES))
    ligne = SolutionReferencee.objects.get(numero_ans="ans-0001")
    assert client_gestionnaire.get(f"{LISTE_REFERENTIEL}{ligne.pk}/delete/").status_code == 403
    reponse = client_gestionnaire.post(
        LISTE_REFERENTIEL, {"action": "delete_selected", "_selected_action": [ligne.pk], "post": "yes"}
    )
    assert SolutionReferencee.objects.count() == 3
    assert "delete_selected" not in client_gestionnaire.get(LISTE_REFERENTIEL).content.decode()
    assert reponse.status_code in (200, 302)


def test_un_staff_sans_le_droit_d_ajout_ne_charge_pas(client, demo):
    from django.contrib.auth.models import Permission

    from tests.factories import nouveau_staff

    staff = nouveau_staff()
    staff.user_permissions.set(
        Permission.objects.filter(codename__in=["view_solutionreferencee", "change_solutionreferencee"])
    )
    client.force_login(staff)
    assert client.get(LISTE_REFERENTIEL).status_code == 200
    assert client.get(IMPORT_REFERENTIEL).status_code == 403
