"""The promise of the simulation (spec §2–§3): a file that simulates without error imports for real.

Every limit of the database that a value of a line reaches — length of each varchar column the
import writes, NUL characters (refused by PostgreSQL's text, varchar and jsonb), precision and
scale of the amount, integer ranges — is checked by the simulation: by the reading step (NUL,
numbers written too long), by the published schemas (maxLength) or by a rule of the catalogue.
And what a refused file stores (message, details, errors of the lines) is stored on PostgreSQL.

The regression tests go through the screens (test client) and run on SQLite and PostgreSQL; the
property test (test_limites_base_propriete.py) runs on PostgreSQL only."""

import copy
import json
from decimal import Decimal

import pytest

from demandes.models import Demande, Solution
from imports import services
from imports.models import ErreurLigne, Import
from imports.moteur.anomalies import Anomalie, FichierRejete, ResultatLigne
from imports.moteur.lecture import MAX_CARACTERES_NOMBRE
from tests.documents import SCHEMAS, montant
from tests.imports.ecran_import import COLONNES_ERREURS
from tests.imports.limites import (
    COLONNES_EN_SCHEMA,
    PLAFOND_MAXIMAL,
    VALEURS_AUX_LIMITES,
    courriel,
    detail_de_format,
    fichier_avec,
    importe_a_l_ecran,
    nom,
    refuse_a_l_ecran,
    telephone,
)
from tests.pages import MESSAGE_FORMAT, page
from tests.parcours import import_de, importer_service, simuler, simuler_service

# --- A. Values beyond a limit of the database: refused by the simulation ---------------------


RESPONSABLE = "lignesImport[0].beneficiaires.structure"


def test_nom_du_responsable_de_201_caracteres(client_relais, document_ttc):
    """varchar(200): 201 characters are refused by the format check, 200 are imported."""
    contenu = fichier_avec(document_ttc, "beneficiaires.structure.nomResponsable", nom(201))
    import_demandes, ecran = refuse_a_l_ecran(client_relais, contenu)
    assert MESSAGE_FORMAT in ecran
    attendu = detail_de_format(
        f"{RESPONSABLE}.nomResponsable", contenu, b'"nomResponsable"', "chaîne de 201 caractères : 200 au plus"
    )
    assert import_demandes.details == [attendu]
    assert attendu in ecran
    assert not Demande.objects.exists()

    importe_a_l_ecran(client_relais, fichier_avec(document_ttc, "beneficiaires.structure.nomResponsable", nom(200)))
    demande = Demande.objects.get()
    assert demande.nom_responsable == nom(200)
    assert {b.nom for b in demande.beneficiaires.all()} == {nom(200)}


def test_courriel_du_responsable_de_310_caracteres(client_relais, document_ttc):
    """A valid address of 310 characters (Django accepts 320) does not fit varchar(254)."""
    chemin = "beneficiaires.structure.emailResponsable"
    contenu = fichier_avec(document_ttc, chemin, courriel(310))
    import_demandes, ecran = refuse_a_l_ecran(client_relais, contenu)
    attendu = detail_de_format(
        f"{RESPONSABLE}.emailResponsable", contenu, b'"emailResponsable"', "chaîne de 310 caractères : 254 au plus"
    )
    assert attendu in ecran and import_demandes.details == [attendu]

    importe_a_l_ecran(client_relais, fichier_avec(document_ttc, chemin, courriel(254)))
    assert Demande.objects.get().email_responsable == courriel(254)


def test_telephone_du_responsable_suivi_de_40_espaces(client_relais, document_ttc):
    """Spaces are allowed in a number, but varchar(30) holds 30 characters."""
    chemin = "beneficiaires.structure.telephoneResponsable"
    contenu = fichier_avec(document_ttc, chemin, telephone(50))
    import_demandes, ecran = refuse_a_l_ecran(client_relais, contenu)
    attendu = detail_de_format(
        f"{RESPONSABLE}.telephoneResponsable",
        contenu,
        b'"telephoneResponsable"',
        "chaîne de 50 caractères : 30 au plus",
    )
    assert attendu in ecran and import_demandes.details == [attendu]

    importe_a_l_ecran(client_relais, fichier_avec(document_ttc, chemin, telephone(30)))
    assert Demande.objects.get().telephone_responsable == telephone(30)


def test_caractere_nul_dans_une_chaine(client_relais, document_ttc):
    """PostgreSQL stores no NUL in text, varchar or jsonb: the reading step refuses it, wherever
    it is, and names the place (the NUL shown as the text \\u0000)."""
    contenu = fichier_avec(document_ttc, "beneficiaires.structure.nomResponsable", "DUR\u0000AND")
    assert b"DUR\\u0000AND" in contenu
    import_demandes, ecran = refuse_a_l_ecran(client_relais, contenu)
    attendu = detail_de_format(
        f"{RESPONSABLE}.nomResponsable", contenu, b"DUR\\u0000AND", "caractère NUL (\\u0000) interdit"
    )
    assert import_demandes.details == [attendu]
    assert attendu in ecran
    assert not Demande.objects.exists()

    importe_a_l_ecran(client_relais, fichier_avec(document_ttc, "beneficiaires.structure.nomResponsable", "DURAND"))


def test_montant_ecrit_avec_16384_zeros(client_relais, document_ttc):
    """10750.000… is 10750.00 (spec: trailing zeros do not count), but PostgreSQL reads at most
    16 383 decimals: a number is written with 40 characters at most."""
    chemin = "commande.montantSegurHT"
    contenu = fichier_avec(document_ttc, chemin, montant("10750." + "0" * 16384))
    import_demandes, ecran = refuse_a_l_ecran(client_relais, contenu)
    attendu = detail_de_format(
        "lignesImport[0].commande.montantSegurHT", contenu, b"10750.000", "nombre de 16390 caractères : 40 au plus"
    )
    assert import_demandes.details == [attendu]
    assert attendu in ecran

    quarante = "10750." + "0" * 34
    assert len(quarante) == 40
    importe_a_l_ecran(client_relais, fichier_avec(document_ttc, chemin, montant(quarante)))
    assert Demande.objects.get().montant_ht == Decimal("10750.00")


def test_montant_au_plafond_de_la_colonne(client_relais, document_ttc):
    """numeric(12, 2): the largest plafond HT is imported; a cent more is E206, a third decimal E205."""
    Solution.objects.filter(numero_ans="mlp525off1").update(plafond_ht=PLAFOND_MAXIMAL)
    chemin = "commande.montantSegurHT"
    for ecrit, code in (("10000000000.00", "E206"), ("9999999999.985", "E205")):
        reponse = simuler(client_relais, fichier_avec(document_ttc, chemin, montant(ecrit)))
        import_demandes = import_de(reponse)
        assert import_demandes.resultat == Import.Resultat.ERREURS
        lignes = page(client_relais.get(reponse["Location"])).table(COLONNES_ERREURS)
        assert [(l[2], l[3]) for l in lignes] == [(code, chemin)], lignes
    importe_a_l_ecran(client_relais, fichier_avec(document_ttc, chemin, montant("9999999999.99")))
    assert Demande.objects.get().montant_ht == PLAFOND_MAXIMAL


def test_num_ligne_au_dela_des_entiers_de_la_base(client_relais, document_ttc):
    """numLigne is bounded like an integer column (E101); the largest one is accepted."""
    reponse = simuler(client_relais, fichier_avec(document_ttc, "numLigne", 2**31))
    import_demandes = import_de(reponse)
    assert import_demandes.resultat == Import.Resultat.ERREURS
    lignes = page(client_relais.get(reponse["Location"])).table(COLONNES_ERREURS)
    assert lignes == [
        ["2147483648", "00001", "E101", "numLigne", "doit être inférieur ou égal à 2147483647 (reçu : 2147483648)"]
    ]
    importe_a_l_ecran(client_relais, fichier_avec(document_ttc, "numLigne", 2**31 - 1))


def noeud_du_schema(schema: dict, chemin: str) -> dict:
    noeud = schema["$defs"]["ligne"]
    for element in chemin.split("."):
        if element.endswith("[0]"):
            noeud = noeud["properties"][element[:-3]]["items"]
        else:
            noeud = noeud["properties"][element]
    return noeud


@pytest.mark.parametrize("type_demande", ["avance", "solde"])
def test_les_schemas_publies_portent_la_longueur_des_colonnes(type_demande):
    schema = json.loads((SCHEMAS / f"{type_demande}.schema.json").read_text(encoding="utf-8"))
    assert f"plus de {MAX_CARACTERES_NOMBRE} caractères" in schema["description"]
    for chemin, colonnes in COLONNES_EN_SCHEMA.items():
        for modele, champ in colonnes:
            assert noeud_du_schema(schema, chemin).get("maxLength") == modele._meta.get_field(champ).max_length, (
                chemin,
                modele.__name__,
                champ,
            )


@pytest.mark.parametrize("chemin, preparer, valeur", VALEURS_AUX_LIMITES, ids=[v[0] for v in VALEURS_AUX_LIMITES])
def test_chaque_longueur_de_colonne(chemin, preparer, valeur, demo, document_ttc):
    """At its column's length a value is imported; one character more refuses the file."""
    modele, champ = COLONNES_EN_SCHEMA[chemin][0]
    longueur = modele._meta.get_field(champ).max_length

    trop = simuler_service("relais", fichier_avec(document_ttc, chemin, valeur(longueur + 1), preparer=preparer))
    assert trop.resultat == Import.Resultat.FICHIER_REJETE
    assert trop.message == MESSAGE_FORMAT
    assert len(trop.details) == 1
    assert trop.details[0].startswith(f"lignesImport[0].{chemin} (ligne ")
    assert trop.details[0].endswith(f" : chaîne de {longueur + 1} caractères : {longueur} au plus")

    import_demandes = simuler_service("relais", fichier_avec(document_ttc, chemin, valeur(longueur), preparer=preparer))
    assert import_demandes.simulation_reussie, list(import_demandes.erreurs.values_list("code", "champ", "message"))
    importe = importer_service("relais", import_demandes)
    assert importe.etat == Import.Etat.IMPORTE and importe.nb_retenues == 1
    demande = Demande.objects.get(import_demandes=importe)
    if modele is Demande:
        assert getattr(demande, champ) == valeur(longueur)
    else:
        assert {getattr(b, champ) for b in demande.beneficiaires.all()} == {valeur(longueur)}


# --- B. What a refused file stores -----------------------------------------------------------------


def test_cle_contenant_un_caractere_nul(client_relais, exemple_ttc):
    """A key with a NUL is named with the text \\u0000: never a raw NUL in the stored details."""
    contenu = exemple_ttc.replace(b'"nomResponsable"', b'"nomRespons\\u0000able"')
    assert contenu != exemple_ttc
    import_demandes, ecran = refuse_a_l_ecran(client_relais, contenu)
    attendu = detail_de_format(
        f"{RESPONSABLE}.nomRespons\\u0000able", contenu, b"nomRespons", "caractère NUL (\\u0000) interdit"
    )
    assert import_demandes.details == [attendu]
    assert attendu in ecran
    assert "\x00" not in import_demandes.message + "".join(import_demandes.details)


def test_cinq_cent_mille_cles_inconnues(client_relais, document_ttc):
    """500 000 unknown keys: the message names the first 100 of them, then counts the others."""
    document = copy.deepcopy(document_ttc)
    document.update({f"cle{rang:06d}": 1 for rang in range(500_000)})
    contenu = json.dumps(document).encode()
    import_demandes, ecran = refuse_a_l_ecran(client_relais, contenu)
    assert import_demandes.message == MESSAGE_FORMAT
    assert len(import_demandes.details) == 1
    detail = import_demandes.details[0]
    assert detail.startswith("cle000000 (ligne 1) : clé(s) non prévue(s) : « cle000000 », « cle000001 », ")
    assert "« cle000099 »" in detail and "cle000100" not in detail
    assert detail.endswith("« cle000099 », … et 499900 autre(s)")
    assert len(detail) < 2_000
    assert detail in ecran


def test_messages_enregistres_sans_nul_et_bornes(demo, exemple_ttc, monkeypatch):
    """Whatever the engine says, what is stored holds no NUL and stays small (defence in depth)."""

    def rejet(*args, **kwargs):
        raise FichierRejete("titre\x00" + "x" * 100_000, [f"place\x00{rang}" for rang in range(500)])

    monkeypatch.setattr(services, "simuler", rejet)
    import_demandes = simuler_service("relais", exemple_ttc)
    import_demandes.refresh_from_db()
    assert import_demandes.resultat == Import.Resultat.FICHIER_REJETE
    assert import_demandes.message.startswith("titre\\u0000xxx") and import_demandes.message.endswith("…")
    assert len(import_demandes.message) == services.LONGUEUR_MAX_MESSAGE
    assert import_demandes.details[:2] == ["place\\u00000", "place\\u00001"]
    assert len(import_demandes.details) == services.MAX_DETAILS_ENREGISTRES + 1
    assert import_demandes.details[-1] == f"… et {500 - services.MAX_DETAILS_ENREGISTRES} autre(s)"

    ligne = ResultatLigne(rang=1, num_ligne=1, numero_editeur="ED\x00" * 100)
    ligne.anomalies.append(Anomalie("E102", "typeAction", "valeur « \x00" + "y" * 100_000 + " » inconnue"))
    services._enregistrer_erreurs(import_demandes, [ligne])
    erreur = ErreurLigne.objects.get(import_demandes=import_demandes)
    assert "\x00" not in erreur.message + erreur.numero_editeur + erreur.champ
    assert erreur.message.startswith("valeur « \\u0000yyy") and len(erreur.message) == services.LONGUEUR_MAX_MESSAGE
    assert erreur.numero_editeur.startswith("ED\\u0000ED") and len(erreur.numero_editeur) <= 100
