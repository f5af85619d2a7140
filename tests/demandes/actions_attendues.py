"""What needs a supplier's action, built straight in the database for the home page's blocks
(« Ce qui attend votre action ») and the pages of a demande: rejected demandes with their motif,
imports at step « 2 - Pièces jointes » with pieces missing or received, successful simulations
never imported."""

import datetime
import hashlib
import itertools

from django.utils import timezone

from demandes.models import Demande
from demandes.valeurs import StatutDemande
from imports.models import Import
from piecesjointes.models import PieceRecue, ZipDepose
from tests.documents import SIRET_RELAIS
from tests.factories import creer_demande, creer_import

_numeros = itertools.count(500)


def empreinte(texte: str) -> str:
    return hashlib.sha256(texte.encode()).hexdigest()


def demande_rejetee(motif: str, *, il_y_a_jours=1, n=None, numero_ans="mlp525off1") -> Demande:
    """A demande rejected `il_y_a_jours` days ago with `motif` (date_modification is the rejection's)."""
    demande = creer_demande(n or next(_numeros), StatutDemande.DEPOSEE, numero_ans=numero_ans)
    moment = timezone.now() - datetime.timedelta(days=il_y_a_jours)
    Demande.objects.filter(pk=demande.pk).update(
        statut=StatutDemande.REJETEE, motif_rejet=motif, date_modification=moment
    )
    demande.refresh_from_db()
    return demande


def import_a_terminer(nom: str, *, pieces: int, recues: int = 0, siret=SIRET_RELAIS) -> Import:
    """An import imported for real (état Importé), its one demande « En attente des pièces »
    expecting `pieces` pieces of which the first `recues` came in a zip."""
    import_demandes = creer_import(
        siret, nom=nom, etat=Import.Etat.IMPORTE, retenues=1, sha256=empreinte(nom), date_import=timezone.now()
    )
    n = next(_numeros)
    numero_ans = import_demandes.numero_ans
    demande = creer_demande(
        n,
        StatutDemande.EN_ATTENTE_PIECES,
        numero_ans=numero_ans,
        pieces=[f"MDV-LGC-Va1-BDC-{n:05d}-{rang}.pdf" for rang in range(1, pieces + 1)],
    )
    Demande.objects.filter(pk=demande.pk).update(import_demandes=import_demandes, rang=1)
    if recues:
        depot = ZipDepose.objects.create(
            import_demandes=import_demandes,
            fournisseur=import_demandes.fournisseur,
            nom_fichier="pieces.zip",
            fichier=f"zips/{nom}.zip",
            statut=ZipDepose.Statut.TRAITE,
        )
        for piece in demande.pieces_attendues.order_by("id")[:recues]:
            PieceRecue.objects.create(
                piece_attendue=piece,
                zip_depose=depot,
                cle_stockage=f"pieces/{piece.pk}",
                fichier=f"pieces/{piece.pk}",
                taille=10,
                type_mime="application/pdf",
                sha256=empreinte(piece.nom_fichier),
            )
    return import_demandes


def simulation_reussie(nom: str, *, siret=SIRET_RELAIS, sha256=None, **champs) -> Import:
    """A successful simulation (état Simulé): « Importer » is still to click."""
    return creer_import(siret, nom=nom, sha256=sha256 or empreinte(nom), **champs)
