"""The promise of the simulation (spec §2–§3): a file that simulates without error imports for real.

Every limit of the database that a value of a line reaches — length of each varchar column the
import writes, NUL characters (refused by PostgreSQL's text, varchar and jsonb), precision and
scale of the amount, integer ranges — is checked by the simulation: by the reading step (NUL,
numbers written too long), by the published schemas (maxLength) or by a rule of the catalogue.
And what a refused file stores (message, details, errors of the lines) is stored on PostgreSQL.

The regression tests go through the screens (test client) and run on SQLite and PostgreSQL; the
property test runs on PostgreSQL only, since SQLite enforces none of these limits.
"""

import copy
import json
from decimal import Decimal
from pathlib import Path

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given
from hypothesis import settings as reglages
from hypothesis import strategies as st

from demandes.models import Beneficiaire, Demande, PieceAttendue, Solution
from imports import services
from imports.models import ErreurLigne, Import
from imports.moteur.anomalies import Anomalie, FichierRejete, ResultatLigne
from imports.moteur.lecture import MAX_CARACTERES_NOMBRE

from .conftest import MODELES
from .test_ecrans import (
    COLONNES_ERREURS,
    MESSAGE_FORMAT,
    MESSAGE_SUCCES,
    desactive,
    import_de,
    page,
    simuler,
    texte,
)
from .test_fichier import ligne_de
from .test_import_reel import (
    SUR_POSTGRES,
    document_de,
    en_octets,
    importer_service,
    montant,
    simuler_service,
)
from .test_regles import en_liberal, en_mandataire, ligne_valide, piece, poser, rpps

SCHEMAS = Path(__file__).resolve().parents[1] / "schemas"
PLAFOND_MAXIMAL = Decimal("9999999999.99")  # the largest numeric(12, 2)
postgres_seulement = pytest.mark.skipif(
    not SUR_POSTGRES, reason="limites de PostgreSQL (longueurs, NUL, numeric) : SQLite n'en applique aucune"
)


@pytest.fixture(autouse=True)
def environnement(stockage_temporaire):
    pass


# --- helpers ------------------------------------------------------------------------------


def courriel(longueur: int) -> str:
    """A valid e-mail address of exactly `longueur` characters."""
    return "a" * (longueur - len("@mail.fr")) + "@mail.fr"


def telephone(longueur: int) -> str:
    """A valid French number written with `longueur` characters (spaces after the digits)."""
    return "0645124512".ljust(longueur)


def nom(longueur: int) -> str:
    return ("DURAND-É" * 40)[:longueur]


def fichier_avec(document_ttc, chemin: str, valeur, *, preparer=lambda l: l) -> bytes:
    """The TTC model with one line where `chemin` (inside the line) is set to `valeur`."""
    ligne = preparer(ligne_valide(document_ttc, 1))
    poser(ligne, chemin, valeur)
    return en_octets(document_de(document_ttc, ligne))


def refuse_a_l_ecran(client, contenu: bytes) -> tuple[Import, str]:
    """Simulates through the screen: the file is refused; returns the Import and the page's text."""
    reponse = simuler(client, contenu)
    import_demandes = import_de(reponse)
    assert import_demandes.resultat == Import.Resultat.FICHIER_REJETE, (
        import_demandes.resultat,
        list(import_demandes.erreurs.values_list("code", "champ", "message")),
    )
    ecran = client.get(reponse["Location"])
    assert ecran.status_code == 200
    assert desactive(page(ecran).bouton("Importer"))
    assert not import_demandes.fichier_sortie
    return import_demandes, texte(ecran)


def importe_a_l_ecran(client, contenu: bytes) -> Import:
    """Simulates through the screen (success), then « Importer »: the demandes are created."""
    reponse = simuler(client, contenu)
    import_demandes = import_de(reponse)
    assert import_demandes.simulation_reussie, list(import_demandes.erreurs.values_list("code", "champ", "message"))
    ecran = client.get(reponse["Location"])
    assert MESSAGE_SUCCES in texte(ecran)
    assert not desactive(page(ecran).bouton("Importer"))
    apres = client.post(f"/imports/{import_demandes.pk}/importer/")
    assert apres.status_code == 302 and apres["Location"] == f"/pieces-jointes/{import_demandes.pk}/"
    import_demandes.refresh_from_db()
    assert import_demandes.etat == Import.Etat.IMPORTE
    assert import_demandes.nb_retenues == import_demandes.nb_lignes >= 1
    assert Demande.objects.filter(import_demandes=import_demandes).count() == import_demandes.nb_lignes
    return import_demandes


def detail_de_format(chemin: str, contenu: bytes, fragment: bytes, probleme: str) -> str:
    return f"{chemin} (ligne {ligne_de(contenu, fragment)}) : {probleme}"


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
        ["1", "00001", "E101", "numLigne", "doit être inférieur ou égal à 2147483647 (reçu : 2147483648)"]
    ]
    importe_a_l_ecran(client_relais, fichier_avec(document_ttc, "numLigne", 2**31 - 1))


# Every free-text value the import writes into a varchar column, with the column(s) it fills:
# its length is the schema's maxLength (the rules only check the content of these fields).
COLONNES_EN_SCHEMA = {
    "beneficiaires.structure.nomResponsable": [(Demande, "nom_responsable"), (Beneficiaire, "nom")],
    "beneficiaires.structure.emailResponsable": [(Demande, "email_responsable")],
    "beneficiaires.structure.telephoneResponsable": [(Demande, "telephone_responsable")],
    "beneficiaires.structure.FINESSJuridique": [(Demande, "finess_juridique")],
    "beneficiaires.nomMandataire": [(Demande, "nom_mandataire")],
    "beneficiaires.emailMandataire": [(Demande, "email_mandataire")],
    "beneficiaires.telephoneMandataire": [(Demande, "telephone_mandataire")],
    "beneficiaires.liberal[0].nomMedecin": [(Beneficiaire, "nom")],
    "beneficiaires.liberal[0].emailMedecin": [(Beneficiaire, "email")],
    "beneficiaires.liberal[0].telephoneMedecin": [(Beneficiaire, "telephone")],
}
# The other columns are bounded by a rule: numeroEditeur (E104, 20), regimeTVA (E204), commandePour
# (E301), FINESSGeo and RPPS (E302 / E303, 9 and 11 characters), nomFichier (E403, 100),
# formatFichier (E402), typeFichier (E401, codes of the référentiel), montantSegurHT (E205, E206).


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


def _structure(ligne):
    return ligne


# (chemin dans la ligne, préparation de la ligne, valeur de n caractères)
VALEURS_AUX_LIMITES = [
    ("beneficiaires.structure.nomResponsable", _structure, nom),
    ("beneficiaires.structure.emailResponsable", _structure, courriel),
    ("beneficiaires.structure.telephoneResponsable", _structure, telephone),
    ("beneficiaires.structure.FINESSJuridique", en_liberal, lambda n: " " * n),  # « vide » for LIBERAL
    ("beneficiaires.nomMandataire", en_mandataire, nom),
    ("beneficiaires.emailMandataire", en_mandataire, courriel),
    ("beneficiaires.telephoneMandataire", en_mandataire, telephone),
    ("beneficiaires.liberal[0].nomMedecin", en_liberal, nom),
    ("beneficiaires.liberal[0].emailMedecin", en_liberal, courriel),
    ("beneficiaires.liberal[0].telephoneMedecin", en_liberal, telephone),
]


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


# --- The property: simulation OK ⇒ real import OK, near every limit (PostgreSQL) -----------------

MODELE_TTC = json.loads((MODELES / "avance-structure-ttc.json").read_bytes())
SANS_NUL = st.characters(codec="utf-8", exclude_categories=("Cs",), exclude_characters="\x00")
CARACTERES_EDITEUR = "ABCXYZabcxyz0189_-"
CHAMPS_TEXTE = [chemin for chemin, _, _ in VALEURS_AUX_LIMITES]
ASPECTS = ("textes", "editeur", "pieces", "montant", "numLigne", "NUL")
NULS = [
    (b': "D', b': "D\\u0000'),
    (b'"nomResponsable"', b'"nomRespons\\u0000able"'),
    (b'"numeroEditeur": "', b'"numeroEditeur": "\\u0000'),
    (b'"typeAction": "C"', b'"typeAction": "C\\u0000"'),
]


def _longueur(limite: int, au_dela: bool):
    if au_dela:
        return st.sampled_from([limite - 1, limite, limite + 1, limite + 2])
    return st.one_of(st.just(limite), st.just(limite - 1), st.integers(1, limite))


@st.composite
def texte_de(draw, longueur: int, genre: str) -> str:
    """A value the rules accept, of `longueur` characters."""
    if genre == "courriel":
        return draw(st.text("abcz019!#$%&'*+/=?^_`{|}~-", min_size=longueur - 8, max_size=longueur - 8)) + "@mail.fr"
    if genre == "telephone":
        chiffres = draw(st.sampled_from(["0645124512", "+33645124512", "0033645124512", "06 45 12 45 12"]))
        reste = longueur - len(chiffres)
        return chiffres + draw(st.text(" .-", min_size=reste, max_size=reste))
    return "D" + draw(st.text(SANS_NUL, min_size=longueur - 1, max_size=longueur - 1))


def _genre(chemin: str) -> str:
    return "courriel" if "email" in chemin else "telephone" if "telephone" in chemin else "nom"


@st.composite
def lignes_pres_des_limites(draw, numero: int, pousses: frozenset) -> dict:
    ligne = ligne_valide(MODELE_TTC, numero)
    liberal = draw(st.booleans())
    if liberal:
        en_liberal(ligne, rpps(numero))
    mandataire = draw(st.booleans())
    if mandataire:
        en_mandataire(ligne)
    for chemin in CHAMPS_TEXTE:
        if chemin.startswith("beneficiaires.liberal") and not liberal:
            continue
        if "Mandataire" in chemin and not mandataire:
            continue
        modele, champ = COLONNES_EN_SCHEMA[chemin][0]
        limite = modele._meta.get_field(champ).max_length
        if chemin.startswith("beneficiaires.structure.") and (liberal or chemin.endswith("FINESSJuridique")):
            if liberal:  # blank, so « null or empty » for LIBERAL (E303), yet stored
                poser(ligne, chemin, " " * draw(_longueur(limite, "textes" in pousses)))
            continue
        longueur = draw(_longueur(limite, "textes" in pousses))
        genre = _genre(chemin)
        minimum = {"courriel": 9, "telephone": 14}.get(genre, 1)
        poser(ligne, chemin, draw(texte_de(max(longueur, minimum), genre)))

    # numeroEditeur (varchar 20, E104) and the file names (varchar 100, E403) at their limits.
    taille = draw(st.sampled_from([20, 21]) if "editeur" in pousses else st.sampled_from([5, 19, 20]))
    editeur = str(numero) + draw(st.text(CARACTERES_EDITEUR, min_size=taille - 1, max_size=taille - 1))
    ligne["numeroEditeur"] = editeur
    longueur_nom = draw(st.sampled_from([99, 100, 101]) if "pieces" in pousses else st.sampled_from([60, 100]))
    chiffres = max(longueur_nom - len(f"MDV-LGC-Va1-BDC-{editeur}-.pdf"), 1)
    pieces = [piece("BON_COMMANDE", f"MDV-LGC-Va1-BDC-{editeur}-{'7' * chiffres}.pdf")]
    if mandataire:
        pieces.append(piece("MANDAT", f"MDV-LGC-Va1-MAN-{editeur}.pdf"))
    ligne["piecesJustificatives"] = pieces

    # The amount: numeric(12, 2), written in many ways.
    entier = draw(st.sampled_from([1, 10750, 12000, 9_999_999_999]) | st.integers(1, 9_999_999_999))
    decimales = draw(st.sampled_from(["", ".0", ".5", ".05", ".99", ".00"]))
    zeros = draw(st.sampled_from([30, 34, 35, 16384]) if "montant" in pousses else st.sampled_from([0, 1, 10]))
    ecrit = f"{entier}{decimales or '.0'}{'0' * zeros}" if zeros else f"{entier}{decimales}"
    if "montant" in pousses:
        ecrit = draw(
            st.sampled_from(
                [ecrit, "9999999999.99", "9999999999.995", "10000000000", "0.001", "1E+10", "1E-2", "1.0E+3", "0.01"]
            )
        )
    ligne["commande"]["montantSegurHT"] = montant(ecrit)
    ligne["numLigne"] = draw(
        st.sampled_from([numero, 2**31 - 1 - numero, 2**31 + numero, 10**39 + numero, 10**40 + numero])
        if "numLigne" in pousses
        else st.sampled_from([numero, 2**31 - 1 - numero])
    )
    return ligne


@st.composite
def fichiers_pres_des_limites(draw) -> bytes:
    # Some files stay within every limit, the others go beyond some of them.
    pousses = draw(st.just(frozenset()) | st.frozensets(st.sampled_from(ASPECTS), min_size=1))
    nombre = draw(st.integers(1, 2))
    lignes = [draw(lignes_pres_des_limites(numero, pousses)) for numero in range(1, nombre + 1)]
    contenu = en_octets(document_de(MODELE_TTC, *lignes))
    if "NUL" in pousses:
        # A NUL somewhere: in a name, a key, the numéro éditeur, the action.
        avant, apres = draw(st.sampled_from(NULS))
        contenu = contenu.replace(avant, apres, 1)
    return contenu


@postgres_seulement
def test_propriete_simulation_reussie_donc_import_reussi(demo):
    """Files near every limit: the simulation never fails with an exception, and when it succeeds
    the real import succeeds too and creates every demande."""
    Solution.objects.filter(numero_ans="mlp525off1").update(plafond_ht=PLAFOND_MAXIMAL)
    importes = []

    @reglages(
        max_examples=60,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example],
    )
    @given(contenu=fichiers_pres_des_limites())
    def propriete(contenu):
        with transaction.atomic():
            import_demandes = simuler_service("relais", contenu)
            if import_demandes.simulation_reussie:
                importe = importer_service("relais", import_demandes)
                assert importe.etat == Import.Etat.IMPORTE
                assert importe.nb_retenues == importe.nb_lignes >= 1
                assert Demande.objects.filter(import_demandes=importe).count() == importe.nb_lignes
                assert PieceAttendue.objects.filter(demande__import_demandes=importe).exists()
                importes.append(importe.nb_lignes)
            transaction.set_rollback(True)  # each example starts from the same database

    propriete()
    assert len(importes) >= 10, f"only {len(importes)} file(s) simulated without error: the property says little"
