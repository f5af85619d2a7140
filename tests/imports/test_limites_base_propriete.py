"""The property of the simulation's promise (spec §2–§3): files generated near every limit of the database
(hypothesis) — a file that simulates without error imports for real, and every demande is created. On
PostgreSQL only, since SQLite enforces none of these limits."""

import json

from django.db import transaction
from hypothesis import HealthCheck, given
from hypothesis import settings as reglages
from hypothesis import strategies as st

from demandes.models import Demande, PieceAttendue, Solution
from imports.models import Import
from tests.documents import (
    MODELES,
    document_de,
    en_liberal,
    en_mandataire,
    en_octets,
    ligne_valide,
    montant,
    piece,
    poser,
    rpps,
)
from tests.imports.limites import COLONNES_EN_SCHEMA, PLAFOND_MAXIMAL, VALEURS_AUX_LIMITES
from tests.marques import postgres_seulement
from tests.parcours import importer_service, simuler_service

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


@postgres_seulement("limites de PostgreSQL (longueurs, NUL, numeric) : SQLite n'en applique aucune")
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
