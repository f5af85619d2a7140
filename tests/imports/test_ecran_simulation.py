"""The screen « Importer les demandes » (POST /imports/simulation/, spec §2–§4): a blank screen, a
successful simulation, a line in error and the paginated errors table, the original file and the
output file to download; files refused as a whole; form errors, never a 500; another supplier's
solutions and imports out of reach."""

import copy
import hashlib
import json

from imports import documentation
from imports.models import Import
from tests.documents import cle_luhn, finess_invalide, ligne_type, vers_octets
from tests.imports.ecran_import import AIDE_TVA, COLONNES_ERREURS, OPTIONS_TVA
from tests.pages import (
    MESSAGE_ERREURS,
    MESSAGE_FORMAT,
    MESSAGE_IMPORT_REFUSE,
    MESSAGE_REGIME,
    MESSAGE_SUCCES,
    NOTICE,
    bouton_fermer,
    contenu_telecharge,
    desactive,
    page,
    texte,
)
from tests.parcours import import_de, simuler, utilisateur

# --- login, logout, access ----------------------------------------------------------------


def test_la_cle_luhn_des_exemples_du_guide():
    assert cle_luhn("02001577") == 2 and cle_luhn("02001511") == 1 and cle_luhn("02001508") == 7
    assert finess_invalide(1)[-1] != str(cle_luhn("03000001"))


# --- import screen ------------------------------------------------------------------------


def test_ecran_d_import_vierge(client_relais):
    reponse = client_relais.get("/imports/simulation/")
    assert reponse.status_code == 200
    contenu = texte(reponse)
    for attendu in (
        "Importer les demandes",
        "1 - Fichier JSON",
        "a - Simulation",
        "b - Importation",
        "2 - Pièces jointes",
        "Récapitulatif",
        "SIRET : 77625125800013",
        "Dénomination sociale : RELAIS CAP FRANCE AU GAI LOGIS",
        NOTICE,
        "Type de demande",
        "Numéro ANS",
        "Taux de TVA",
        "Choisissez le fichier",
    ):
        assert attendu in contenu, attendu
    ecran = page(reponse)
    assert [(o.texte, o.attrs["value"]) for o in ecran.options["type_demande"]] == [
        ("Avance", "AVANCE"),
        ("Solde", "SOLDE"),
    ]
    assert [o.texte for o in ecran.options["numero_ans"]] == ["mlp525off1"]
    assert "cpiPFI0001" not in contenu and "bnd52qq600" not in contenu
    # The taux starts empty, as in the guide, and the guide's rule is written under it
    assert [(o.texte, o.attrs["value"]) for o in ecran.options["taux_tva"]] == OPTIONS_TVA
    assert [o.texte for o in ecran.options["taux_tva"] if "selected" in o.attrs] in ([], ["Sélectionnez une option"])
    assert AIDE_TVA in contenu
    assert not desactive(ecran.bouton("Simuler"))
    assert desactive(ecran.bouton("Importer"))
    assert ecran.lien("Retour").attrs["href"] == "/imports/"
    assert ecran.bouton("Etape suivante")
    assert "resultat-simulation" not in reponse.content.decode()


def test_ecran_d_un_autre_fournisseur_propose_ses_seules_solutions(client, demo):
    client.force_login(utilisateur("hopital"))
    ecran = page(client.get("/imports/simulation/"))
    assert [o.texte for o in ecran.options["numero_ans"]] == ["2021k052a", "bnd52qq600"]


def test_simulation_reussie(client_relais, exemple_ttc):
    reponse = simuler(client_relais, exemple_ttc, nom="EJMDV7 structure.json")
    import_demandes = import_de(reponse)
    assert import_demandes.sha256 == hashlib.sha256(exemple_ttc).hexdigest()
    assert import_demandes.nom_fichier == "EJMDV7 structure.json"
    assert import_demandes.nb_lignes == 1 and import_demandes.nb_valides == 1 and import_demandes.nb_invalides == 0
    assert import_demandes.type_demande == "AVANCE" and import_demandes.taux_tva == "20"
    assert import_demandes.numero_ans == "mlp525off1"
    assert import_demandes.fournisseur.siret == "77625125800013"
    assert import_demandes.taille == len(exemple_ttc)
    with import_demandes.fichier.open("rb") as fichier:
        assert fichier.read() == exemple_ttc

    ecran_reponse = client_relais.get(reponse["Location"])
    assert ecran_reponse.status_code == 200
    contenu = texte(ecran_reponse)
    assert MESSAGE_SUCCES in contenu
    assert MESSAGE_ERREURS not in contenu
    ecran = page(ecran_reponse)
    assert not desactive(ecran.bouton("Importer"))
    assert ecran.bouton("Importer").attrs.get("form") == "formulaire-importer"
    assert f'action="/imports/{import_demandes.pk}/importer/"' in ecran_reponse.content.decode()
    assert bouton_fermer(ecran)

    # « Importer » on a successful simulation is accepted (the real import is not built yet)
    suite = client_relais.post(f"/imports/{import_demandes.pk}/importer/", follow=True)
    assert suite.status_code == 200
    assert MESSAGE_IMPORT_REFUSE not in texte(suite)


def test_fichier_json_d_origine_telechargeable(client_relais, exemple_ttc):
    import_demandes = import_de(simuler(client_relais, exemple_ttc, nom="mes demandes.json"))
    reponse = client_relais.get(f"/imports/{import_demandes.pk}/fichier/")
    assert reponse.status_code == 200
    assert contenu_telecharge(reponse) == exemple_ttc
    assert reponse["Content-Disposition"].startswith("attachment")
    assert "mes demandes.json" in reponse["Content-Disposition"]


def test_simulation_avec_une_ligne_en_erreur(client_relais, fichier_une_erreur):
    reponse = simuler(client_relais, fichier_une_erreur, nom="EJMDV7 structure.json")
    import_demandes = import_de(reponse)
    assert import_demandes.nb_lignes == 1 and import_demandes.nb_invalides == 1
    assert import_demandes.resultat == Import.Resultat.ERREURS

    ecran_reponse = client_relais.get(reponse["Location"])
    assert ecran_reponse.status_code == 200
    contenu = texte(ecran_reponse)
    assert MESSAGE_ERREURS in contenu
    assert MESSAGE_SUCCES not in contenu
    ecran = page(ecran_reponse)
    assert ecran.lien("Télécharger le fichier de sortie").attrs["href"] == f"/imports/{import_demandes.pk}/sortie/"
    assert bouton_fermer(ecran)
    assert desactive(ecran.bouton("Importer"))
    assert ecran.table(COLONNES_ERREURS) == [
        ["1", "00001", "E302", "beneficiaires.structure.FINESSGeo[1]", "clé FINESS invalide (020015112)"],
    ]

    # the output file
    sortie = client_relais.get(ecran.lien("Télécharger le fichier de sortie").attrs["href"])
    assert sortie.status_code == 200
    assert sortie["Content-Disposition"].startswith("attachment")
    assert 'filename="EJMDV7 structure_sortie.json"' in sortie["Content-Disposition"]
    document = json.loads(contenu_telecharge(sortie))
    assert document["impId"] == import_demandes.pk
    ligne = document["lignesImport"][0]
    assert ligne["codeTraitement"] == "E302"
    assert ligne["libelleTraitement"] == "E302 beneficiaires.structure.FINESSGeo[1] : clé FINESS invalide (020015112)"

    # the original file is kept as uploaded
    origine = client_relais.get(f"/imports/{import_demandes.pk}/fichier/")
    assert contenu_telecharge(origine) == fichier_une_erreur

    # « Importer » refused after a failed simulation
    refus = client_relais.post(f"/imports/{import_demandes.pk}/importer/", follow=True)
    assert refus.status_code == 200
    assert refus.redirect_chain == [(f"/imports/{import_demandes.pk}/", 302)]
    assert MESSAGE_IMPORT_REFUSE in texte(refus)


def test_tableau_des_erreurs_pagine(client_relais, document_ttc):
    document = copy.deepcopy(document_ttc)
    lignes = []
    for rang in range(1, 61):
        numero = f"{rang:05d}"
        ligne = ligne_type(document_ttc, numLigne=100 + rang, numeroEditeur=numero)
        ligne["beneficiaires"]["structure"]["FINESSGeo"] = [finess_invalide(rang)]
        ligne["piecesJustificatives"][0]["nomFichier"] = f"MDV-LGC-Va1-BDC-{numero}.pdf"
        lignes.append(ligne)
    document["lignesImport"] = lignes
    import_demandes = import_de(simuler(client_relais, vers_octets(document), nom="soixante.json"))
    assert import_demandes.nb_lignes == 60 and import_demandes.nb_invalides == 60
    assert import_demandes.erreurs.count() == 60

    premiere = client_relais.get(f"/imports/{import_demandes.pk}/")
    lignes_1 = page(premiere).table(COLONNES_ERREURS)
    assert len(lignes_1) == 50
    # the file's numLigne (101…), not the rank in lignesImport (1…)
    assert [l[0] for l in lignes_1] == [str(100 + r) for r in range(1, 51)]
    assert lignes_1[0] == [
        "101",
        "00001",
        "E302",
        "beneficiaires.structure.FINESSGeo[0]",
        f"clé FINESS invalide ({finess_invalide(1)})",
    ]
    assert "60 erreur(s) — page 1 sur 2" in texte(premiere)
    assert any("page=2" in a.attrs.get("href", "") for a in page(premiere).liens)

    seconde = client_relais.get(f"/imports/{import_demandes.pk}/?page=2")
    assert seconde.status_code == 200
    lignes_2 = page(seconde).table(COLONNES_ERREURS)
    assert [l[0] for l in lignes_2] == [str(100 + r) for r in range(51, 61)]
    assert lignes_2[-1] == [
        "160",
        "00060",
        "E302",
        "beneficiaires.structure.FINESSGeo[0]",
        f"clé FINESS invalide ({finess_invalide(60)})",
    ]
    assert "page 2 sur 2" in texte(seconde)
    assert MESSAGE_ERREURS in texte(seconde)

    # the output file carries every line's code
    document_sortie = json.loads(contenu_telecharge(client_relais.get(f"/imports/{import_demandes.pk}/sortie/")))
    assert [l["codeTraitement"] for l in document_sortie["lignesImport"]] == ["E302"] * 60


# --- files refused as a whole -------------------------------------------------------------


def _ecran_rejet(client, reponse) -> tuple[Import, str]:
    import_demandes = import_de(reponse)
    assert import_demandes.resultat == Import.Resultat.FICHIER_REJETE
    ecran_reponse = client.get(reponse["Location"])
    assert ecran_reponse.status_code == 200
    ecran = page(ecran_reponse)
    assert desactive(ecran.bouton("Importer"))
    contenu = texte(ecran_reponse)
    assert MESSAGE_SUCCES not in contenu
    return import_demandes, contenu


def test_fichier_non_json(client_relais):
    import_demandes, contenu = _ecran_rejet(
        client_relais, simuler(client_relais, b"ceci n'est pas du JSON\n", nom="notes.json")
    )
    assert MESSAGE_FORMAT in contenu
    assert "ligne 1, colonne 1" in contenu
    assert import_demandes.nom_fichier == "notes.json"
    assert not import_demandes.fichier_sortie


def test_fichier_non_utf8(client_relais, exemple_ttc):
    contenu_latin1 = exemple_ttc.decode("utf-8").replace("DURAND", "DURÉ").encode("latin-1")
    _, contenu = _ecran_rejet(client_relais, simuler(client_relais, contenu_latin1))
    assert MESSAGE_FORMAT in contenu
    assert "n'est pas encodé en UTF-8" in contenu


def test_cle_mal_orthographiee(client_relais, exemple_ttc):
    fautif = exemple_ttc.replace(b'"numeroAns"', b'"numeroANS"', 1)
    assert fautif != exemple_ttc
    _, contenu = _ecran_rejet(client_relais, simuler(client_relais, fautif))
    assert MESSAGE_FORMAT in contenu
    # the place (key, line of the file) and the expected spelling
    assert "numeroANS" in contenu and "(ligne 3)" in contenu
    assert "« numeroANS » (attendu : « numeroAns »)" in contenu


def test_regime_tva_incoherent(client_relais, exemple_ttc):
    _, contenu = _ecran_rejet(client_relais, simuler(client_relais, exemple_ttc, taux="0"))
    assert MESSAGE_REGIME in contenu
    assert "lignesImport[0].commande.regimeTVA" in contenu


# --- form errors: never a 500 -------------------------------------------------------------


def test_sans_fichier(client_relais):
    reponse = client_relais.post(
        "/imports/simulation/", {"type_demande": "AVANCE", "numero_ans": "mlp525off1", "taux_tva": "20"}
    )
    assert reponse.status_code == 400
    assert "Choisissez le fichier JSON à simuler." in texte(reponse)
    assert desactive(page(reponse).bouton("Importer"))
    assert not Import.objects.exists()


def test_fichier_vide_refuse_sans_erreur_serveur(client_relais):
    reponse = simuler(client_relais, b"", nom="vide.json")
    assert reponse.status_code == 400
    assert "vide" in texte(reponse)
    assert not Import.objects.exists()


def test_fichier_vide_message_du_portail(client_relais):
    reponse = simuler(client_relais, b"", nom="vide.json")
    assert "Le fichier choisi est vide." in texte(reponse)


def test_numero_ans_d_un_autre_fournisseur(client_relais, exemple_ttc):
    reponse = simuler(client_relais, exemple_ttc, numero_ans="cpiPFI0001")
    assert reponse.status_code == 400
    contenu = texte(reponse)
    assert "Sélectionnez un choix valide" in contenu and "cpiPFI0001" in contenu
    assert not Import.objects.exists()


def test_valeurs_de_formulaire_inconnues(client_relais, exemple_ttc):
    reponse = simuler(client_relais, exemple_ttc, type_demande="AUTRE", taux="19.6")
    assert reponse.status_code == 400
    assert "Sélectionnez un choix valide" in texte(reponse)
    assert not Import.objects.exists()


def test_fichier_trop_gros(client_relais, settings):
    settings.SEGUR_MAX_JSON_BYTES = 1000
    message = documentation.message_fichier_trop_gros()
    assert "taille maximale" in message
    reponse = simuler(client_relais, b"{" + b" " * 4998 + b"}", nom="gros.json")
    assert reponse.status_code == 400
    assert message in texte(reponse)
    assert not Import.objects.exists()


def test_fichier_juste_sous_la_limite_accepte(client_relais, settings, exemple_ttc):
    settings.SEGUR_MAX_JSON_BYTES = len(exemple_ttc)
    import_demandes = import_de(simuler(client_relais, exemple_ttc))
    assert import_demandes.simulation_reussie


def test_nom_de_fichier_avec_chemin(client_relais, exemple_ttc):
    import_demandes = import_de(simuler(client_relais, exemple_ttc, nom="..\\..\\evil.json"))
    assert import_demandes.nom_fichier == "evil.json"
    assert import_demandes.simulation_reussie
    assert "evil" not in import_demandes.fichier.name
    sortie = client_relais.get(f"/imports/{import_demandes.pk}/fichier/")
    assert 'filename="evil.json"' in sortie["Content-Disposition"]


def _multipart_brut(parametre_nom: bytes, contenu: bytes) -> tuple[bytes, str]:
    """A multipart body written by hand, to send file names no test client would produce."""
    limite = "----limite-de-test-7d3f"
    morceaux = []
    for nom, valeur in (("type_demande", b"AVANCE"), ("numero_ans", b"mlp525off1"), ("taux_tva", b"20")):
        morceaux.append(
            f'--{limite}\r\nContent-Disposition: form-data; name="{nom}"\r\n\r\n'.encode() + valeur + b"\r\n"
        )
    morceaux.append(
        f"--{limite}\r\n".encode()
        + b'Content-Disposition: form-data; name="fichier"; '
        + parametre_nom
        + b"\r\n"
        + b"Content-Type: application/json\r\n\r\n"
        + contenu
        + b"\r\n"
    )
    morceaux.append(f"--{limite}--\r\n".encode())
    return b"".join(morceaux), f"multipart/form-data; boundary={limite}"


def test_nom_de_fichier_latin1_avec_chemin(client_relais, exemple_ttc):
    """RFC 2231 name in ISO-8859-1, with a Windows path: only « démo.json » is kept."""
    corps, type_contenu = _multipart_brut(b"filename*=iso-8859-1''..%5C..%5Cd%E9mo%07.json", exemple_ttc)
    import_demandes = import_de(client_relais.generic("POST", "/imports/simulation/", corps, content_type=type_contenu))
    assert import_demandes.nom_fichier == "démo.json"
    assert import_demandes.simulation_reussie
    assert client_relais.get(f"/imports/{import_demandes.pk}/").status_code == 200
    assert "démo.json" in texte(client_relais.get("/imports/"))
    telechargement = client_relais.get(f"/imports/{import_demandes.pk}/fichier/")
    assert telechargement.status_code == 200
    assert contenu_telecharge(telechargement) == exemple_ttc


def test_nom_de_fichier_en_octets_non_utf8(client_relais, exemple_ttc):
    """Raw ISO-8859-1 bytes in the part header: Django drops the part; the form says the file
    is missing (400), nothing is recorded, no server error."""
    corps, type_contenu = _multipart_brut('filename="..\\..\\\xe9vil.json"'.encode("latin-1"), exemple_ttc)
    reponse = client_relais.generic("POST", "/imports/simulation/", corps, content_type=type_contenu)
    assert reponse.status_code == 400
    assert "Choisissez le fichier JSON à simuler." in texte(reponse)
    assert not Import.objects.exists()


def test_nom_affichable():
    from segur_portal.fichiers import nom_affichable

    assert nom_affichable("..\\..\\evil.json") == "evil.json"
    assert nom_affichable("../../etc/evil.json") == "evil.json"
    assert nom_affichable("d\x07\u200emo\n.json") == "dmo.json"
    assert nom_affichable("") == nom_affichable("..\\") == "fichier.json"
    assert len(nom_affichable("a" * 400 + ".json")) == 255


# --- isolation ----------------------------------------------------------------------------


def test_isolation_entre_fournisseurs(client, demo, fichier_une_erreur):
    client.force_login(utilisateur("relais"))
    import_demandes = import_de(simuler(client, fichier_une_erreur))
    client.force_login(utilisateur("unikalo"))
    for chemin in (
        f"/imports/{import_demandes.pk}/",
        f"/imports/{import_demandes.pk}/sortie/",
        f"/imports/{import_demandes.pk}/fichier/",
    ):
        assert client.get(chemin).status_code == 404, chemin
    assert client.post(f"/imports/{import_demandes.pk}/importer/").status_code == 404
    assert str(import_demandes.pk) not in [a.texte for a in page(client.get("/imports/")).liens]


def test_identifiants_inconnus(client_relais):
    for chemin in ("/imports/999999/", "/imports/999999/sortie/", "/imports/999999/fichier/"):
        assert client_relais.get(chemin).status_code == 404, chemin
    assert client_relais.post("/imports/999999/importer/").status_code == 404


def test_sortie_d_un_fichier_rejete_introuvable(client_relais):
    import_demandes = import_de(simuler(client_relais, b"[]"))
    assert client_relais.get(f"/imports/{import_demandes.pk}/sortie/").status_code == 404
    assert client_relais.get(f"/imports/{import_demandes.pk}/fichier/").status_code == 200
