"""Reading a file (imports/moteur/lecture.py, spec §2, §3.1): encoding, strict JSON, size limits and hostile
files — the whole file is refused with a French message and the precise places (line numbers), and
never crashes the portal."""

import codecs

import pytest

from imports.moteur.anomalies import FichierRejete
from tests.documents import ligne_de
from tests.moteur.outils import ajouter_une_seconde_ligne, lancer, modifie, rejet_format, remplacer, toutes_valides
from tests.pages import MESSAGE_FORMAT

# --- Encoding -----------------------------------------------------------------------------


def test_latin1_refuse_avec_la_ligne(exemple_ttc, relais):
    contenu = exemple_ttc.decode("utf-8").replace("DURAND", "DURAND ÉLOÏSE").encode("latin-1")
    details = rejet_format(contenu, relais)
    assert details[0].startswith(f"ligne {ligne_de(contenu, b'DURAND')} : le fichier n'est pas encodé en UTF-8")
    assert "0xC9" in details[0]


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-be", "utf-32"])
def test_utf16_ou_32_avec_bom_refuse(codec, exemple_ttc, relais):
    contenu = exemple_ttc.decode("utf-8").encode(codec)
    if codec == "utf-16-be":
        contenu = codecs.BOM_UTF16_BE + contenu
    details = rejet_format(contenu, relais)
    assert details == [f"le fichier est encodé en {codec[:6].upper()} : seul l'UTF-8 est accepté"]


def test_bom_utf8_accepte(exemple_ttc, relais):
    simulation = lancer(codecs.BOM_UTF8 + exemple_ttc, relais)
    toutes_valides(simulation)
    assert simulation.document.bom


def test_crlf_accepte(exemple_ttc, relais):
    toutes_valides(lancer(exemple_ttc.replace(b"\n", b"\r\n"), relais))


# --- Not JSON, not strict JSON ---------------------------------------------------------------


def test_pas_du_json(relais):
    details = rejet_format(b"numeroAns;siret\nmlp525off1;77625125800013\n", relais)
    assert details == ["ligne 1, colonne 1 : valeur attendue"]


def test_fichier_tronque(exemple_ttc, relais):
    coupe = exemple_ttc[: exemple_ttc.index(b'"typeFichier"')]
    derniere = coupe.count(b"\n") + 1
    details = rejet_format(coupe, relais)
    assert len(details) == 1 and details[0].startswith(f"ligne {derniere}, colonne")
    assert "(le fichier semble tronqué)" in details[0]


def test_fichier_tronque_au_milieu_d_une_chaine(exemple_ttc, relais):
    coupe = exemple_ttc[: exemple_ttc.index(b"durand@mail") + 6]
    details = rejet_format(coupe, relais)
    assert details[0].startswith(f"ligne {ligne_de(coupe, b'durand')}, colonne")
    assert "chaîne de caractères non terminée" in details[0]


def test_contenu_apres_la_fin(exemple_ttc, relais):
    contenu = exemple_ttc.rstrip() + b"\n}\n"
    ligne_en_trop = contenu.rstrip().count(b"\n") + 1
    details = rejet_format(contenu, relais)
    assert details == [f"ligne {ligne_en_trop}, colonne 1 : contenu en trop après la fin du JSON"]


def test_virgule_en_trop(exemple_ttc, relais):
    contenu = remplacer(exemple_ttc, b'"libelleTraitement": null', b'"libelleTraitement": null,')
    details = rejet_format(contenu, relais)
    assert details[0].startswith(f"ligne {ligne_de(contenu, b'libelleTraitement') + 1}, colonne")
    assert "nom de clé entre guillemets attendu" in details[0]


def test_cle_en_double_au_premier_niveau(exemple_ttc, relais):
    contenu = remplacer(
        exemple_ttc, b'  "siret": "77625125800013",\n', b'  "siret": "77625125800013",\n  "siret": "87950324100017",\n'
    )
    details = rejet_format(contenu, relais)
    assert details == [f"siret (ligne {ligne_de(contenu, b'siret', 2)}) : clé « siret » en double"]


def test_cle_en_double_dans_une_ligne(exemple_ttc, relais):
    contenu = remplacer(exemple_ttc, b'"regimeTVA": "TTC",', b'"regimeTVA": "TTC", "regimeTVA": "HT",')
    details = rejet_format(contenu, relais)
    assert details == [
        f"lignesImport[0].commande.regimeTVA (ligne {ligne_de(contenu, b'regimeTVA')}) : clé « regimeTVA » en double"
    ]


def test_cle_en_double_dans_la_deuxieme_ligne(document_ttc, relais):
    contenu = modifie(document_ttc, ajouter_une_seconde_ligne)
    cle = b'"isCentreDeSante": true,\n'
    seconde = contenu.index(cle, contenu.index(cle) + 1)
    contenu = contenu[:seconde] + cle + b'        "isCentreDeSante": false,\n' + contenu[seconde + len(cle) :]
    details = rejet_format(contenu, relais)
    assert details == [
        f"lignesImport[1].scenarioInstallation.isCentreDeSante "
        f"(ligne {ligne_de(contenu, b'isCentreDeSante', 3)}) : clé « isCentreDeSante » en double"
    ]


@pytest.mark.parametrize("constante", ["NaN", "Infinity", "-Infinity"])
def test_nan_et_infini_refuses(constante, exemple_ttc, relais):
    contenu = remplacer(exemple_ttc, b"10750.00", constante.encode())
    details = rejet_format(contenu, relais)
    assert details == [
        f"lignesImport[0].commande.montantSegurHT (ligne {ligne_de(contenu, b'montantSegurHT')}) : "
        f"valeur {constante} interdite, un nombre fini est attendu"
    ]


@pytest.mark.parametrize("contenu", [b"[]", b'[{"numeroAns": "mlp525off1"}]', b'"mlp525off1"', b"42", b"null"])
def test_premier_niveau_pas_un_objet(contenu, relais):
    assert rejet_format(contenu, relais) == ["le fichier doit contenir un objet JSON ({ … }) au premier niveau"]


def test_tableau_autour_de_l_exemple(exemple_ttc, relais):
    details = rejet_format(b"[" + exemple_ttc + b"]", relais)
    assert "objet JSON" in details[0]


@pytest.mark.parametrize("contenu", [b"", b"   \n\t\r\n"])
def test_fichier_vide(contenu, relais):
    assert rejet_format(contenu, relais) == ["le fichier est vide"]


# --- Size limits -----------------------------------------------------------------------------


def _taille(octets: int) -> str:
    return f"{octets:,}".replace(",", " ")


def test_fichier_trop_gros(exemple_ttc, relais, settings):
    settings.SEGUR_MAX_JSON_BYTES = len(exemple_ttc) - 1
    details = rejet_format(exemple_ttc, relais)
    assert len(details) == 1
    assert details[0].startswith(f"le fichier fait {_taille(len(exemple_ttc))} octets")
    assert details[0].endswith(f"au-delà du maximum autorisé de {_taille(len(exemple_ttc) - 1)} octets")


def test_fichier_trop_gros_message_lisible(exemple_ttc, relais, settings):
    settings.SEGUR_MAX_JSON_BYTES = len(exemple_ttc) - 1
    assert rejet_format(exemple_ttc, relais) == [
        f"le fichier fait {_taille(len(exemple_ttc))} octets, au-delà du maximum autorisé de "
        f"{_taille(len(exemple_ttc) - 1)} octets"
    ]


def test_fichier_a_la_taille_maximale(exemple_ttc, relais, settings):
    settings.SEGUR_MAX_JSON_BYTES = len(exemple_ttc)
    toutes_valides(lancer(exemple_ttc, relais))


def test_taille_par_defaut_20_mo(settings):
    assert settings.SEGUR_MAX_JSON_BYTES == 20 * 1024 * 1024
    assert settings.SEGUR_MAX_LIGNES == 10_000


def test_trop_de_lignes(document_ttc, relais, settings):
    settings.SEGUR_MAX_LIGNES = 1
    details = rejet_format(modifie(document_ttc, ajouter_une_seconde_ligne), relais)
    assert details == ["lignesImport contient 2 demandes, au-delà du maximum autorisé de 1"]


def test_nombre_maximal_de_lignes(document_ttc, relais, settings):
    settings.SEGUR_MAX_LIGNES = 2
    simulation = lancer(modifie(document_ttc, ajouter_une_seconde_ligne), relais)
    toutes_valides(simulation)
    assert simulation.nb_lignes == 2


# --- Hostile files are refused, never crash the portal ----------------------------------------


@pytest.mark.parametrize(
    "champ, nombre", [(b'"numLigne": 1', b'"numLigne": 1' + b"0" * 5000), (b"10750.00", b"1" + b"0" * 5000)]
)
def test_nombre_demesure_refuse(champ, nombre, exemple_ttc, relais):
    rejet_format(remplacer(exemple_ttc, champ, nombre), relais)


def test_imbrication_profonde_toujours_refusee(exemple_ttc, relais):
    plantages = []
    for profondeur in range(600, 1001):
        contenu = remplacer(
            exemple_ttc, b'"typeAction": "C"', b'"typeAction": ' + b"[" * profondeur + b"]" * profondeur
        )
        try:
            lancer(contenu, relais)
        except FichierRejete as erreur:
            assert erreur.message == MESSAGE_FORMAT and erreur.details
        except RecursionError:
            plantages.append(profondeur)
        else:
            pytest.fail(f"typeAction imbriqué sur {profondeur} niveaux accepté")
    assert plantages == []
