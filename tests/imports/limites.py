"""The limits of the database a line's values reach (tests/imports/test_limites_base*.py): values of
exactly n characters, a file with one value set, the varchar columns each free-text value fills, and
the screens' verdict on a file refused or imported."""

from decimal import Decimal

from demandes.models import Beneficiaire, Demande
from imports.models import Import
from tests.documents import document_de, en_liberal, en_mandataire, en_octets, ligne_de, ligne_valide, poser
from tests.pages import MESSAGE_SUCCES, desactive, page, texte
from tests.parcours import import_de, simuler

PLAFOND_MAXIMAL = Decimal("9999999999.99")  # the largest numeric(12, 2)


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
