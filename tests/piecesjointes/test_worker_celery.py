"""End to end through a real Celery worker (fixture `worker_celery`: Redis when REDIS_URL is set, kombu's
filesystem broker otherwise): the right piece accepted, a later zip replacing a piece, the progress
of the processing, « Terminer »."""

import threading

import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone

from demandes.models import Demande
from demandes.valeurs import StatutDemande
from imports.models import Import
from piecesjointes import controles, services
from piecesjointes.models import PieceRecue, ZipDepose
from tests.documents import fichier_deux_lignes
from tests.factories import ELF, NOM_PIECE, NOM_PIECE_2, PDF, PDF_BIS, zip_de
from tests.pages import (
    COLONNES_ZIPS,
    DEMANDE_NOUVEAU_ZIP,
    MESSAGE_COMPLET,
    MESSAGE_DEJA_TERMINE,
    MESSAGE_MANQUANTES,
    MESSAGE_PLUS_DE_DEPOT,
    MESSAGE_ZIP_EN_COURS,
    MOTIF_INCONNU,
    contenu_telecharge,
    desactive,
    page,
    texte,
)
from tests.parcours import (
    attendre_traitement,
    deposer,
    ecran,
    envoyer,
    importer,
    statut_du_zip,
    utilisateur,
    verifier_stockage,
)

# --- through the real Celery worker -------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_worker_accepte_la_bonne_piece(worker_celery, relais_transactionnel, exemple_ttc, settings):
    client = relais_transactionnel
    import_demandes = importer(client, exemple_ttc)
    zip_id = envoyer(client, import_demandes, zip_de((NOM_PIECE, PDF), ("en-trop.pdf", PDF)))
    etat = attendre_traitement(client, zip_id)
    assert etat == {
        "statut": "TRAITE",
        "libelle": "Traité",
        "termine": True,
        "nb_entrees": 2,
        "nb_traitees": 2,
        "nb_acceptees": 1,
        "nb_refusees": 1,
        "message": "",
    }
    depot = ZipDepose.objects.get(pk=zip_id)
    piece = PieceRecue.objects.get()
    assert piece.zip_depose == depot and piece.piece_attendue.nom_fichier == NOM_PIECE
    verifier_stockage(settings, [depot])
    reponse = client.get(f"/pieces-jointes/piece/{piece.pk}/")
    assert reponse.status_code == 200 and contenu_telecharge(reponse) == PDF
    contenu = texte(ecran(client, import_demandes), lu=True)
    assert MESSAGE_COMPLET in contenu
    assert f"en-trop.pdf — refusé : {MOTIF_INCONNU}" in contenu


@pytest.mark.django_db(transaction=True)
def test_worker_un_zip_ulterieur_remplace_la_piece(worker_celery, relais_transactionnel, exemple_ttc, settings):
    client = relais_transactionnel
    import_demandes = importer(client, exemple_ttc)
    premier = envoyer(client, import_demandes, zip_de((NOM_PIECE, PDF)), nom="v1.zip")
    assert attendre_traitement(client, premier)["nb_acceptees"] == 1
    second = envoyer(client, import_demandes, zip_de((NOM_PIECE, PDF_BIS)), nom="v2.zip")
    assert attendre_traitement(client, second)["nb_acceptees"] == 1

    en_vigueur = PieceRecue.objects.get(zip_depose_id=second)
    assert PieceRecue.objects.count() == 2  # the older one stays as history
    reponse = ecran(client, import_demandes)
    assert page(reponse).lien("Oui").attrs["href"] == f"/pieces-jointes/piece/{en_vigueur.pk}/"
    assert contenu_telecharge(client.get(f"/pieces-jointes/piece/{en_vigueur.pk}/")) == PDF_BIS
    demande = Demande.objects.get(import_demandes=import_demandes)
    assert (
        page(client.get(f"/demandes/{demande.pk}/"))
        .lien(f"Oui, le {timezone.localtime(en_vigueur.date_reception).strftime('%d/%m/%Y')}")
        .attrs["href"]
        == f"/pieces-jointes/piece/{en_vigueur.pk}/"
    )

    # a third zip with a fake PDF under the same name is refused: the piece in force stays the 2nd
    troisieme = envoyer(client, import_demandes, zip_de((NOM_PIECE, ELF)), nom="v3.zip")
    assert attendre_traitement(client, troisieme)["nb_refusees"] == 1
    reponse = ecran(client, import_demandes)
    assert page(reponse).lien("Oui").attrs["href"] == f"/pieces-jointes/piece/{en_vigueur.pk}/"
    assert MESSAGE_COMPLET in texte(reponse, lu=True)
    assert [ligne[0] for ligne in page(reponse).table(COLONNES_ZIPS)] == ["v1.zip", "v2.zip", "v3.zip"]
    verifier_stockage(settings, ZipDepose.objects.all())


@pytest.mark.django_db(transaction=True)
def test_worker_progression_du_traitement(worker_celery, relais_transactionnel, exemple_ttc, monkeypatch):
    """The worker is held after 20 entries (the progress step): the status endpoint and the page show
    « En cours 20 / 45 fichier(s) traité(s) », « Terminer » is refused; released, the zip ends « Traité »."""
    client = relais_transactionnel
    import_demandes = importer(client, exemple_ttc)
    arrive, reprise = threading.Event(), threading.Event()
    examiner = controles.examiner

    def examiner_suspendu(*args, **kwargs):
        for verdict in examiner(*args, **kwargs):
            if verdict.rang == services.PROGRESSION_TOUS_LES + 1:
                arrive.set()
                reprise.wait(60)
            yield verdict

    monkeypatch.setattr(controles, "examiner", examiner_suspendu)
    entrees = [(NOM_PIECE, PDF)] + [(f"inconnu-{n:02d}.pdf", PDF) for n in range(44)]
    try:
        zip_id = envoyer(client, import_demandes, zip_de(*entrees))
        assert arrive.wait(30), "le worker n'a pas pris le zip"
        etat = statut_du_zip(client, ZipDepose(pk=zip_id))
        assert (etat["statut"], etat["termine"], etat["nb_entrees"], etat["nb_traitees"]) == ("EN_COURS", False, 45, 20)
        reponse = ecran(client, import_demandes)
        assert page(reponse).table(COLONNES_ZIPS)[0][1] == "En cours 20 / 45 fichier(s) traité(s)"
        assert desactive(page(reponse).bouton("Terminer")) and MESSAGE_COMPLET not in texte(reponse, lu=True)
        assert "data-en-cours" in reponse.content.decode()  # the page polls the status endpoint
        assert MESSAGE_ZIP_EN_COURS in texte(
            client.post(f"/pieces-jointes/{import_demandes.pk}/terminer/", follow=True), lu=True
        )
    finally:
        reprise.set()
    etat = attendre_traitement(client, zip_id)
    assert (etat["statut"], etat["nb_entrees"], etat["nb_traitees"], etat["nb_acceptees"], etat["nb_refusees"]) == (
        "TRAITE",
        45,
        45,
        1,
        44,
    )
    assert MESSAGE_COMPLET in texte(ecran(client, import_demandes), lu=True)


@pytest.mark.django_db(transaction=True)
def test_worker_terminer(worker_celery, relais_transactionnel, document_ttc, settings):
    client = relais_transactionnel
    import_demandes = importer(client, fichier_deux_lignes(document_ttc))
    url_terminer = f"/pieces-jointes/{import_demandes.pk}/terminer/"
    premier = envoyer(client, import_demandes, zip_de((NOM_PIECE, PDF), (NOM_PIECE_2, ELF)))
    assert attendre_traitement(client, premier)["nb_acceptees"] == 1

    reponse = client.post(url_terminer, follow=True)
    assert reponse.redirect_chain == [(f"/pieces-jointes/{import_demandes.pk}/", 302)]
    contenu = texte(reponse, lu=True)
    assert MESSAGE_MANQUANTES in contenu and DEMANDE_NOUVEAU_ZIP in contenu
    assert NOM_PIECE_2 in contenu.split(DEMANDE_NOUVEAU_ZIP)[1]

    second = envoyer(client, import_demandes, zip_de((NOM_PIECE_2, PDF_BIS)))
    assert attendre_traitement(client, second)["nb_acceptees"] == 1
    assert MESSAGE_COMPLET in texte(ecran(client, import_demandes), lu=True)

    relais = utilisateur("relais")
    reponse = client.post(url_terminer, follow=True)
    assert reponse.redirect_chain == [(f"/pieces-jointes/{import_demandes.pk}/", 302)]
    assert "Import terminé : 2 demande(s) déposée(s), transmise(s) aux gestionnaires de l'ASP." in texte(
        reponse, lu=True
    )
    import_demandes.refresh_from_db()
    assert import_demandes.etat == Import.Etat.TERMINE
    for demande in Demande.objects.filter(import_demandes=import_demandes):
        assert demande.statut == StatutDemande.DEPOSEE
        dernier = demande.history.order_by("-history_date", "-history_id").first()
        assert dernier.statut == StatutDemande.DEPOSEE and dernier.history_user_id == relais.pk
    liste = page(client.get("/demandes/"))
    (table,) = [t for t in liste.tables if t and "Statut" in t[0]]
    colonnes = table[0]
    assert sorted(
        (ligne[colonnes.index("Numéro Editeur")], ligne[colonnes.index("Statut")]) for ligne in table[1:]
    ) == [("00001", "Déposée"), ("00002", "Déposée")]

    # afterwards: no more zips, no second « Terminer »
    reponse = deposer(client, import_demandes, zip_de((NOM_PIECE, PDF)), en_json=True)
    assert reponse.status_code == 400 and reponse.json() == {"erreur": MESSAGE_PLUS_DE_DEPOT}
    reponse = deposer(client, import_demandes, zip_de((NOM_PIECE, PDF)))
    assert MESSAGE_PLUS_DE_DEPOT in texte(client.get(reponse["Location"]), lu=True)
    assert ZipDepose.objects.count() == 2
    assert MESSAGE_DEJA_TERMINE in texte(client.post(url_terminer, follow=True), lu=True)
    reponse = ecran(client, import_demandes)
    assert "Cet import est terminé : ses demandes ont été transmises aux gestionnaires de l'ASP." in texte(
        reponse, lu=True
    )
    assert 'id="formulaire-zip"' not in reponse.content.decode()
    assert not [b for b in page(reponse).boutons if b.texte == "Terminer"]
    verifier_stockage(settings, ZipDepose.objects.all())

    # the pieces are visible to a manager allowed to view them
    gestionnaire = utilisateur("gestionnaire")
    gestionnaire.user_permissions.add(
        Permission.objects.get(content_type__app_label="piecesjointes", codename="view_piecerecue")
    )
    client.force_login(gestionnaire)
    for piece, contenu in (
        (PieceRecue.objects.get(piece_attendue__nom_fichier=NOM_PIECE), PDF),
        (PieceRecue.objects.get(piece_attendue__nom_fichier=NOM_PIECE_2), PDF_BIS),
    ):
        reponse = client.get(f"/pieces-jointes/piece/{piece.pk}/")
        assert reponse.status_code == 200 and contenu_telecharge(reponse) == contenu
