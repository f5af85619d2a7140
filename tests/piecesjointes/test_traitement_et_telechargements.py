"""Processing a zip (piecesjointes.services.traiter_zip, the task body, called directly): the same
result however often it runs, a worker killed in the middle then relaunched; « Terminer » refused
while pieces are missing or a zip waits; private downloads, for the owner and the authorised
managers only; the status endpoint the page polls."""

from pathlib import Path

import pytest
from django.contrib.auth.models import Permission

from demandes.models import Demande
from demandes.valeurs import StatutDemande
from imports.models import Import
from piecesjointes import services, tasks
from piecesjointes.models import EntreeZip, PieceRecue, ZipDepose
from tests.factories import ELF, NOM_PIECE, NOM_PIECE_2, PDF, PDF_BIS, zip_de
from tests.pages import (
    COLONNES_ZIPS,
    MESSAGE_COMPLET,
    MESSAGE_MANQUANTES,
    MESSAGE_ZIP_EN_COURS,
    contenu_telecharge,
    desactive,
    page,
    texte,
)
from tests.parcours import (
    deposer,
    deposer_et_traiter,
    ecran,
    fichiers_sous,
    importer,
    statut_du_zip,
    utilisateur,
    verifier_stockage,
)

# --- idempotence and retry ----------------------------------------------------------------


def _etat_du_zip(depot) -> dict:
    depot.refresh_from_db()
    return {
        "zip": (
            depot.statut,
            depot.message,
            depot.nb_entrees,
            depot.nb_traitees,
            depot.nb_acceptees,
            depot.nb_refusees,
        ),
        "entrees": [(e.rang, e.nom, e.acceptee, e.motif, e.taille_lue) for e in depot.entrees.order_by("rang")],
        "pieces": sorted(
            (p.piece_attendue.nom_fichier, p.cle_stockage, p.fichier.name, p.taille, p.type_mime, p.sha256)
            for p in depot.pieces.all()
        ),
    }


ZIP_MIXTE = [(NOM_PIECE, PDF), ("inconnu.pdf", PDF), (NOM_PIECE_2, PDF_BIS), ("faux.png", ELF)]


def test_traiter_deux_fois_donne_le_meme_resultat(client_relais, import_deux, settings):
    depot = deposer_et_traiter(client_relais, import_deux, zip_de(*ZIP_MIXTE))
    premier = _etat_du_zip(depot)
    fichiers = fichiers_sous(Path(settings.MEDIA_ROOT))
    assert premier["zip"] == (ZipDepose.Statut.TRAITE, "", 4, 4, 2, 2)
    prefixe = f"pieces/{depot.fournisseur_id}/{import_deux.pk}/{depot.cle}/"
    assert [p[1] for p in premier["pieces"]] == [prefixe + "00001.pdf", prefixe + "00003.pdf"]

    services.traiter_zip(depot.pk)
    assert _etat_du_zip(depot) == premier
    assert fichiers_sous(Path(settings.MEDIA_ROOT)) == fichiers  # same keys, no « _xyz » copies
    assert EntreeZip.objects.count() == 4 and PieceRecue.objects.count() == 2
    for piece, contenu in zip(PieceRecue.objects.order_by("cle_stockage"), (PDF, PDF_BIS), strict=False):
        with piece.fichier.open("rb") as flux:
            assert flux.read() == contenu
    verifier_stockage(settings, [depot])


def test_worker_tue_au_milieu_puis_relance(client_relais, import_deux, settings, monkeypatch):
    """The storage fails on the 2nd accepted entry (as a killed worker would stop there): the task
    raises, nothing is committed for the zip; the retry gives the full result under the same keys."""
    deposer(client_relais, import_deux, zip_de(*ZIP_MIXTE))
    depot = ZipDepose.objects.get()
    stocker = services._stocker
    appels = []

    def stocker_puis_mourir(cle, contenu, sha256):
        appels.append(cle)
        if len(appels) == 2:
            raise RuntimeError("worker tué")
        return stocker(cle, contenu, sha256)

    monkeypatch.setattr(services, "_stocker", stocker_puis_mourir)
    with pytest.raises(RuntimeError, match="worker tué"):
        tasks.traiter_zip(depot.pk)
    depot.refresh_from_db()
    assert not depot.termine and depot.statut == ZipDepose.Statut.EN_COURS
    assert not EntreeZip.objects.filter(zip_depose=depot).exists()
    assert not PieceRecue.objects.filter(zip_depose=depot).exists()
    reponse = ecran(client_relais, import_deux)
    assert desactive(page(reponse).bouton("Terminer"))
    assert "En cours" in page(reponse).table(COLONNES_ZIPS)[0][1]

    monkeypatch.setattr(services, "_stocker", stocker)
    assert tasks.traiter_zip(depot.pk) == {"statut": "TRAITE", "acceptees": 2, "refusees": 2}
    etat = _etat_du_zip(depot)
    prefixe = f"pieces/{depot.fournisseur_id}/{import_deux.pk}/{depot.cle}/"
    assert etat["zip"] == (ZipDepose.Statut.TRAITE, "", 4, 4, 2, 2)
    assert [p[1] for p in etat["pieces"]] == [prefixe + "00001.pdf", prefixe + "00003.pdf"]
    assert fichiers_sous(Path(settings.MEDIA_ROOT) / prefixe) == {"00001.pdf", "00003.pdf"}
    # the same as a run that was never interrupted
    services.traiter_zip(depot.pk)
    assert _etat_du_zip(depot) == etat


# --- « Terminer » -------------------------------------------------------------------------


def test_terminer_refuse_tant_que_des_pieces_manquent_ou_qu_un_zip_attend(client_relais, import_deux):
    url = f"/pieces-jointes/{import_deux.pk}/terminer/"
    reponse = client_relais.post(url, follow=True)
    assert reponse.redirect_chain == [(f"/pieces-jointes/{import_deux.pk}/", 302)]
    assert MESSAGE_MANQUANTES in texte(reponse, lu=True)

    deposer_et_traiter(client_relais, import_deux, zip_de((NOM_PIECE, PDF)))
    assert MESSAGE_MANQUANTES in texte(client_relais.post(url, follow=True), lu=True)

    # a zip bringing the last piece, not processed yet
    deposer(client_relais, import_deux, zip_de((NOM_PIECE_2, PDF)))
    attente = ZipDepose.objects.last()
    assert attente.statut == ZipDepose.Statut.EN_ATTENTE
    reponse = ecran(client_relais, import_deux)
    assert desactive(page(reponse).bouton("Terminer")) and MESSAGE_COMPLET not in texte(reponse, lu=True)
    assert page(reponse).table(COLONNES_ZIPS)[1][1] == (
        "En attente de traitement reçu, le traitement démarrera automatiquement"
    )
    assert MESSAGE_ZIP_EN_COURS in texte(client_relais.post(url, follow=True), lu=True)
    import_deux.refresh_from_db()
    assert import_deux.etat == Import.Etat.IMPORTE
    assert set(Demande.objects.values_list("statut", flat=True)) == {StatutDemande.EN_ATTENTE_PIECES}

    services.traiter_zip(attente.pk)
    assert MESSAGE_COMPLET in texte(ecran(client_relais, import_deux), lu=True)
    reponse = client_relais.post(url)
    assert reponse.status_code == 302 and reponse["Location"] == f"/pieces-jointes/{import_deux.pk}/"
    assert set(Demande.objects.values_list("statut", flat=True)) == {StatutDemande.DEPOSEE}


# --- downloads ----------------------------------------------------------------------------


def test_telechargements_reserves_au_proprietaire_et_aux_gestionnaires_autorises(client, demo, exemple_ttc, settings):
    client.force_login(utilisateur("relais"))
    import_demandes = importer(client, exemple_ttc)
    archive = zip_de((NOM_PIECE, PDF))
    depot = deposer_et_traiter(client, import_demandes, archive, nom="mes pièces.zip")
    piece = PieceRecue.objects.get()
    url_zip, url_piece = f"/pieces-jointes/zip/{depot.pk}/", f"/pieces-jointes/piece/{piece.pk}/"

    reponse = client.get(url_zip)
    assert reponse.status_code == 200 and contenu_telecharge(reponse) == archive
    assert reponse["Content-Type"] == "application/zip"
    assert (
        reponse["Content-Disposition"].startswith("attachment")
        and "mes%20pi%C3%A8ces.zip" in reponse["Content-Disposition"]
    )
    reponse = client.get(url_piece)
    assert reponse.status_code == 200 and contenu_telecharge(reponse) == PDF
    assert reponse["Content-Type"] == "application/pdf"
    assert reponse["Content-Disposition"] == f'attachment; filename="{NOM_PIECE}"'

    # never from a public media URL
    for chemin in (
        f"/media/{piece.cle_stockage}",
        f"/{piece.cle_stockage}",
        f"/media/{depot.fichier.name}",
        f"/{depot.fichier.name}",
        f"{settings.MEDIA_URL or '/'}{piece.cle_stockage}".replace("//", "/"),
    ):
        assert client.get(chemin).status_code == 404, chemin

    client.force_login(utilisateur("unikalo"))
    assert client.get(url_zip).status_code == 404
    assert client.get(url_piece).status_code == 404
    assert client.get(f"/pieces-jointes/zip/{depot.pk}/statut/").status_code == 404

    client.logout()
    for url in (url_zip, url_piece, f"/pieces-jointes/zip/{depot.pk}/statut/"):
        reponse = client.get(url)
        assert reponse.status_code == 302 and reponse["Location"].startswith("/connexion/?next="), url

    # ASP staff: the piece with piecesjointes.view_piecerecue, the zip with view_zipdepose (the
    # « Gestionnaires ASP » group has both)
    gestionnaire = utilisateur("gestionnaire")
    client.force_login(gestionnaire)
    reponse = client.get(url_piece)
    assert reponse.status_code == 200 and contenu_telecharge(reponse) == PDF
    reponse = client.get(url_zip)
    assert reponse.status_code == 200 and contenu_telecharge(reponse) == archive
    gestionnaire.groups.clear()
    gestionnaire.user_permissions.clear()
    client.force_login(utilisateur("gestionnaire"))
    assert client.get(url_piece).status_code == 404
    assert client.get(url_zip).status_code == 404
    gestionnaire.user_permissions.add(
        Permission.objects.get(content_type__app_label="piecesjointes", codename="view_piecerecue")
    )
    client.force_login(utilisateur("gestionnaire"))  # fresh permission cache
    reponse = client.get(url_piece)
    assert reponse.status_code == 200 and contenu_telecharge(reponse) == PDF
    gestionnaire.is_staff = False  # a non-staff account without fournisseur never gets it
    gestionnaire.save()
    client.force_login(utilisateur("gestionnaire"))
    assert client.get(url_piece).status_code == 404
    gestionnaire.is_staff = True
    gestionnaire.save()
    assert client.get("/pieces-jointes/piece/999999/").status_code == 404


def test_gestionnaire_autorise_telecharge_le_zip(client, demo, exemple_ttc):
    client.force_login(utilisateur("relais"))
    import_demandes = importer(client, exemple_ttc)
    archive = zip_de((NOM_PIECE, PDF))
    depot = deposer_et_traiter(client, import_demandes, archive)
    gestionnaire = utilisateur("gestionnaire")
    gestionnaire.user_permissions.add(
        Permission.objects.get(content_type__app_label="piecesjointes", codename="view_zipdepose")
    )
    client.force_login(utilisateur("gestionnaire"))
    reponse = client.get(f"/pieces-jointes/zip/{depot.pk}/")
    assert reponse.status_code == 200 and contenu_telecharge(reponse) == archive


def test_point_de_statut(client_relais, import_ttc):
    deposer(client_relais, import_ttc, zip_de((NOM_PIECE, PDF), ("x.pdf", PDF)))
    depot = ZipDepose.objects.get()
    assert statut_du_zip(client_relais, depot) == {
        "statut": "EN_ATTENTE",
        "libelle": "En attente de traitement",
        "termine": False,
        "nb_entrees": 0,
        "nb_traitees": 0,
        "nb_acceptees": 0,
        "nb_refusees": 0,
        "message": "",
    }
    services.traiter_zip(depot.pk)
    assert statut_du_zip(client_relais, depot) == {
        "statut": "TRAITE",
        "libelle": "Traité",
        "termine": True,
        "nb_entrees": 2,
        "nb_traitees": 2,
        "nb_acceptees": 1,
        "nb_refusees": 1,
        "message": "",
    }
    assert client_relais.get("/pieces-jointes/zip/999999/statut/").status_code == 404
