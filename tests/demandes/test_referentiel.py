"""Reference data: demo seed, SIRET/FINESS/RPPS keys, the published schemas, the admin pages."""

import json

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from demandes.models import Couloir, Fournisseur, Logiciel, OperateurMessagerie, Solution, TypePiece, Utilisateur
from demandes.validateurs import finess_valide, rpps_valide, siret_valide, telephone_fr_valide
from tests.documents import SCHEMAS


def test_les_referentiels_sont_charges_par_les_migrations(db):
    assert set(Couloir.objects.values_list("code", flat=True)) == {"HOP", "MDV", "BIO", "RAD", "OFF", "MSO"}
    assert {"DPI", "PFI", "RI", "LGC", "SGL", "RIS", "LGO", "DUI"} <= set(
        Logiciel.objects.values_list("code", flat=True)
    )
    assert {"MAI_15", "API_35"} <= set(OperateurMessagerie.objects.values_list("code", flat=True))
    assert dict(TypePiece.objects.values_list("code", "code_nomenclature")) == {
        "BON_COMMANDE": "BDC",
        "PRELVE_HT": "HT",
        "MANDAT": "MAN",
        "FACTURE": "FAC",
        "PV_VSR": "VSR",
        "AUTRE": "AUT",
    }


def test_seed_demo_cree_les_donnees_du_guide_et_est_idempotent(db, settings):
    settings.DEBUG = True
    call_command("seed_demo")
    call_command("seed_demo")
    assert Fournisseur.objects.count() == 3
    relais = Fournisseur.objects.get(siret="77625125800013")
    assert relais.denomination == "RELAIS CAP FRANCE AU GAI LOGIS"
    assert Fournisseur.objects.get(siret="87950324100017").denomination == "NUANCES UNIKALO COTE D'AZUR"
    solutions = {s.numero_ans: s for s in Solution.objects.select_related("fournisseur", "couloir", "logiciel")}
    assert (
        solutions["mlp525off1"].fournisseur,
        solutions["mlp525off1"].couloir.code,
        solutions["mlp525off1"].logiciel.code,
    ) == (relais, "MDV", "LGC")
    assert (solutions["cpiPFI0001"].couloir.code, solutions["cpiPFI0001"].logiciel.code) == ("HOP", "PFI")
    assert solutions["bnd52qq600"].fournisseur == solutions["2021k052a"].fournisseur
    assert solutions["bnd52qq600"].fournisseur.siret not in ("77625125800013", "87950324100017")
    for username in ("relais", "unikalo", "hopital", "gestionnaire"):
        utilisateur = Utilisateur.objects.get(username=username)
        assert utilisateur.check_password("demo")
    gestionnaire = Utilisateur.objects.get(username="gestionnaire")
    assert gestionnaire.is_staff and gestionnaire.fournisseur is None
    assert gestionnaire.groups.filter(name="Gestionnaires ASP").exists()
    assert not Utilisateur.objects.get(username="relais").is_staff


def test_seed_demo_refuse_quand_debug_est_desactive(db, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("seed_demo")
    assert not Utilisateur.objects.filter(username="relais").exists()


@pytest.mark.parametrize(
    "siret, valide",
    [
        ("77625125800013", True),
        ("87950324100017", True),
        ("77625125800014", False),
        ("7762512580001", False),
        ("7762512580001A", False),
        ("35600000000001", True),
        ("35600000000002", False),
    ],
)
def test_cle_siret(siret, valide):
    assert siret_valide(siret) is valide


def test_un_fournisseur_au_siret_invalide_est_refuse(db):
    fournisseur = Fournisseur(siret="77625125800014", denomination="ERREUR DE CLÉ")
    with pytest.raises(ValidationError) as erreur:
        fournisseur.full_clean()
    assert "SIRET invalide" in str(erreur.value)


@pytest.mark.parametrize(
    "finess, valide",
    [
        ("020015087", True),
        ("020015111", True),
        ("020015112", False),
        ("02001508", False),
        ("2A0000008", True),
        ("2A0000001", False),
    ],
)
def test_cle_finess(finess, valide):
    assert finess_valide(finess) is valide


def test_cle_rpps():
    assert rpps_valide("10003456786") is True
    assert rpps_valide("10003456789") is False
    assert rpps_valide("1000345678") is False


@pytest.mark.parametrize(
    "numero, valide",
    [
        ("0645124512", True),
        ("06 45 12 45 12", True),
        ("+33645124512", True),
        ("06.45.12.45.12", True),
        ("0045124512", False),
        ("064512451", False),
        ("+44645124512", False),
    ],
)
def test_telephone_francais(numero, valide):
    assert telephone_fr_valide(numero) is valide


def test_les_deux_schemas_publies_decrivent_le_meme_format():
    avance = json.loads((SCHEMAS / "avance.schema.json").read_text(encoding="utf-8"))
    solde = json.loads((SCHEMAS / "solde.schema.json").read_text(encoding="utf-8"))
    for schema in (avance, solde):
        assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
        schema.pop("$id"), schema.pop("title")
    assert avance == solde


def test_les_pages_d_administration_des_referentiels_s_ouvrent(admin_client, demo):
    for url in (
        "/admin/demandes/fournisseur/",
        "/admin/demandes/solution/",
        "/admin/demandes/couloir/",
        "/admin/demandes/logiciel/",
        "/admin/demandes/operateurmessagerie/",
        "/admin/demandes/typepiece/",
        "/admin/demandes/utilisateur/",
        "/admin/imports/import/",
        "/admin/demandes/compteurdossier/",
    ):
        reponse = admin_client.get(url)
        assert reponse.status_code == 200, url
    reponse = admin_client.get("/admin/demandes/fournisseur/?q=77625125800013")
    assert "RELAIS CAP FRANCE AU GAI LOGIS" in reponse.content.decode()
    solution = Solution.objects.get(numero_ans="mlp525off1")
    assert admin_client.get(f"/admin/demandes/solution/{solution.pk}/change/").status_code == 200
