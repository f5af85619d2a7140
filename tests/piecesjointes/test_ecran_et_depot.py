"""Step « 2 - Pièces jointes » (spec §6) through the test client: the screen before and after a zip
(its rules, the entries of each zip with their status, the pieces still missing), another supplier's
or a manager's access; the upload: size limit of the zips (not the JSON's), refused in French,
several zips for one import."""

import hashlib
from pathlib import Path

from demandes.models import Demande
from piecesjointes.models import PieceRecue, ZipDepose
from tests.factories import ELF, NOM_PIECE, NOM_PIECE_2, PDF, PDF_BIS, PNG, zip_de, zip_de_taille
from tests.pages import (
    COLONNES_ZIPS,
    DEMANDE_NOUVEAU_ZIP,
    MESSAGE_COMPLET,
    MOTIF_FORMAT,
    MOTIF_INCONNU,
    desactive,
    page,
    texte,
)
from tests.parcours import deposer, deposer_et_traiter, ecran, motifs, utilisateur, verifier_stockage
from tests.piecesjointes.etape import PIECES_A_DEPOSER, REGLES_PIECES

# --- the screen ---------------------------------------------------------------------------


def test_ecran_avant_tout_zip(client_relais, import_ttc):
    reponse = ecran(client_relais, import_ttc)
    contenu = texte(reponse, lu=True)
    for attendu in (
        "Importer les demandes",
        "2 - Pièces jointes",
        "Importer un fichier zip",
        *REGLES_PIECES,
        "Merci d'importer un seul zip contenant toutes les pièces jointes.",
    ):
        assert attendu in contenu, attendu
    vue = page(reponse)
    assert not desactive(vue.bouton("Importer"))
    assert desactive(vue.bouton("Terminer"))
    assert vue.table(COLONNES_ZIPS) == [["Aucun fichier zip importé pour le moment."]]
    # before any zip: the expected piece and how to name it; nothing is « missing » yet
    assert "1 pièce(s) jointe(s) attendue(s)" in contenu and PIECES_A_DEPOSER in contenu
    assert "manquante(s)" not in contenu and DEMANDE_NOUVEAU_ZIP not in contenu
    demande = Demande.objects.get(import_demandes=import_ttc)
    assert f"{demande.numero_dossier} ({demande.numero_editeur}) : {NOM_PIECE}" in contenu
    assert MESSAGE_COMPLET not in contenu
    assert vue.table(["Numéro de dossier", "Numéro éditeur", "Nom du fichier", "Format", "Type", "Reçue"]) == [
        [demande.numero_dossier, "00001", NOM_PIECE, "PDF", "BON_COMMANDE", "Non"]
    ]
    html = reponse.content.decode()
    assert f'action="/pieces-jointes/{import_ttc.pk}/zip/"' in html and 'enctype="multipart/form-data"' in html
    assert 'id="barre-progression"' in html  # upload, then processing progress
    assert f'data-limite="{200 * 1024 * 1024}"' in html


def test_ecran_d_un_autre_fournisseur_ou_d_un_gestionnaire(client, demo, import_ttc):
    client.force_login(utilisateur("unikalo"))
    assert client.get(f"/pieces-jointes/{import_ttc.pk}/").status_code == 404
    assert deposer(client, import_ttc, zip_de((NOM_PIECE, PDF))).status_code == 404
    assert client.post(f"/pieces-jointes/{import_ttc.pk}/terminer/").status_code == 404
    client.force_login(utilisateur("gestionnaire"))
    assert client.get(f"/pieces-jointes/{import_ttc.pk}/").status_code == 403
    assert not ZipDepose.objects.exists()
    client.logout()
    reponse = client.get(f"/pieces-jointes/{import_ttc.pk}/")
    assert reponse.status_code == 302 and reponse["Location"].startswith("/connexion/?next=")


def test_zip_traite_detail_des_entrees_et_pieces_manquantes(client_relais, import_deux, settings):
    depot = deposer_et_traiter(
        client_relais,
        import_deux,
        zip_de((NOM_PIECE, PDF), (NOM_PIECE_2, ELF), ("inattendu.pdf", PDF), ("notes.txt", b"bonjour")),
        nom="lot 1.zip",
    )
    assert depot.statut == ZipDepose.Statut.TRAITE and depot.message == ""
    assert (depot.nb_entrees, depot.nb_traitees, depot.nb_acceptees, depot.nb_refusees) == (4, 4, 1, 3)
    assert [(e.rang, e.nom, e.acceptee) for e in depot.entrees.all()] == [
        (1, NOM_PIECE, True),
        (2, NOM_PIECE_2, False),
        (3, "inattendu.pdf", False),
        (4, "notes.txt", False),
    ]
    assert motifs(depot) == {
        NOM_PIECE: "",
        NOM_PIECE_2: "le contenu (application/x-executable) n'est pas un fichier PDF",
        "inattendu.pdf": MOTIF_INCONNU,
        "notes.txt": MOTIF_FORMAT,
    }
    piece = PieceRecue.objects.get()
    assert piece.piece_attendue.nom_fichier == NOM_PIECE and piece.taille == len(PDF)
    assert piece.type_mime == "application/pdf" and piece.sha256 == hashlib.sha256(PDF).hexdigest()
    verifier_stockage(settings, [depot])

    reponse = ecran(client_relais, import_deux)
    contenu = texte(reponse, lu=True)
    ((nom, statut),) = page(reponse).table(COLONNES_ZIPS)
    assert nom == "lot 1.zip"
    assert statut.startswith("Traité avec refus 1 accepté(s), 3 refusé(s) Détail des fichiers")
    for ligne in (
        f"{NOM_PIECE} — accepté",
        f"{NOM_PIECE_2} — refusé : le contenu (application/x-executable) n'est pas un fichier PDF",
        f"inattendu.pdf — refusé : {MOTIF_INCONNU}",
        f"notes.txt — refusé : {MOTIF_FORMAT}",
    ):
        assert ligne in statut, ligne
    deuxieme = Demande.objects.get(import_demandes=import_deux, numero_editeur="00002")
    assert "1 pièce(s) jointe(s) manquante(s)" in contenu and DEMANDE_NOUVEAU_ZIP in contenu
    assert f"{deuxieme.numero_dossier} (00002) : {NOM_PIECE_2}" in contenu
    assert f": {NOM_PIECE}" not in contenu.split(DEMANDE_NOUVEAU_ZIP)[1].split("Pièces attendues par demande")[0]
    assert MESSAGE_COMPLET not in contenu
    assert desactive(page(reponse).bouton("Terminer"))
    assert page(reponse).lien("lot 1.zip").attrs["href"] == f"/pieces-jointes/zip/{depot.pk}/"
    assert page(reponse).lien("Oui").attrs["href"] == f"/pieces-jointes/piece/{piece.pk}/"

    # the missing piece in a second zip: nothing is missing any more
    second = deposer_et_traiter(client_relais, import_deux, zip_de((NOM_PIECE_2, PDF_BIS)), nom="lot 2.zip")
    assert (second.statut, second.nb_acceptees, second.nb_refusees) == (ZipDepose.Statut.TRAITE, 1, 0)
    reponse = ecran(client_relais, import_deux)
    contenu = texte(reponse, lu=True)
    assert MESSAGE_COMPLET in contenu
    assert "manquante(s)" not in contenu and DEMANDE_NOUVEAU_ZIP not in contenu
    assert not desactive(page(reponse).bouton("Terminer"))
    lignes = page(reponse).table(COLONNES_ZIPS)
    assert [ligne[0] for ligne in lignes] == ["lot 1.zip", "lot 2.zip"]
    assert lignes[1][1] == f"OK 1 accepté(s) Détail des fichiers {NOM_PIECE_2} — accepté"


def test_png_et_jpeg_controles_sur_les_octets(client_relais, import_ttc):
    """The type is read on the bytes: a PNG named .pdf is refused, a PDF named .pdf accepted."""
    depot = deposer_et_traiter(client_relais, import_ttc, zip_de((NOM_PIECE, PNG)))
    assert motifs(depot) == {NOM_PIECE: "le contenu (image/png) n'est pas un fichier PDF"}
    assert not PieceRecue.objects.exists()


# --- upload -------------------------------------------------------------------------------


def test_zip_trop_gros_refuse_en_francais(client_relais, import_ttc, settings):
    settings.SEGUR_MAX_ZIP_BYTES = 2000
    trop_gros = zip_de_taille(2001)
    assert len(trop_gros) == 2001

    reponse = deposer(client_relais, import_ttc, trop_gros, en_json=True)
    assert reponse.status_code == 400
    assert reponse.json() == {"erreur": "Le fichier zip dépasse la taille maximale autorisée (2 000 octets)."}

    reponse = deposer(client_relais, import_ttc, trop_gros)
    assert reponse.status_code == 302 and reponse["Location"] == f"/pieces-jointes/{import_ttc.pk}/"
    assert "Le fichier zip dépasse la taille maximale autorisée (2 000 octets)." in texte(
        ecran(client_relais, import_ttc), lu=True
    )
    assert not ZipDepose.objects.exists()
    assert not (Path(settings.MEDIA_ROOT) / "zips").exists()

    # exactly the limit is accepted, and streamed to the storage as it was sent
    juste = zip_de_taille(2000)
    reponse = deposer(client_relais, import_ttc, juste, nom="juste.zip", en_json=True)
    assert reponse.status_code == 200
    depot = ZipDepose.objects.get()
    assert reponse.json() == {
        "zip": depot.pk,
        "statut_url": f"/pieces-jointes/zip/{depot.pk}/statut/",
        "message": "Le fichier « juste.zip » est en cours de traitement.",
    }
    assert depot.taille == 2000 and depot.nom_fichier == "juste.zip"
    assert depot.statut == ZipDepose.Statut.EN_ATTENTE
    assert depot.fichier.name == f"zips/{depot.fournisseur_id}/{import_ttc.pk}/{depot.cle}.zip"
    assert len(depot.cle) == 32 and depot.cle not in ("juste", "pieces")
    with depot.fichier.open("rb") as flux:
        assert flux.read() == juste


def test_la_limite_des_zips_n_est_pas_celle_des_json(client_relais, import_ttc, settings):
    settings.SEGUR_MAX_JSON_BYTES = 1000
    settings.SEGUR_MAX_ZIP_BYTES = 5000
    assert deposer(client_relais, import_ttc, zip_de_taille(3000), en_json=True).status_code == 200
    assert ZipDepose.objects.get().taille == 3000


def test_plusieurs_zips_pour_un_import_et_formulaire_vide(client_relais, import_ttc):
    reponse = client_relais.post(f"/pieces-jointes/{import_ttc.pk}/zip/", {}, HTTP_ACCEPT="application/json")
    assert reponse.status_code == 400 and reponse.json() == {"erreur": "Choisissez le fichier zip à importer."}
    for rang in range(3):
        assert deposer(client_relais, import_ttc, zip_de((NOM_PIECE, PDF)), nom=f"z{rang}.zip").status_code == 302
    assert list(ZipDepose.objects.values_list("nom_fichier", flat=True)) == ["z0.zip", "z1.zip", "z2.zip"]
    assert len(set(ZipDepose.objects.values_list("cle", flat=True))) == 3
