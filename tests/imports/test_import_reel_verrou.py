"""The real import holds the couloir's lock only for what needs it (spec §5): the stored file, its
SHA-256, the format, the file checks and every rule that does not read the live demandes are
checked before; under the lock only the rules declared `lit_la_base` run again, on a context
reloaded there, and the lines are written. A failure under the lock leaves nothing: no demande,
no number, the import still « Simulé » and importable.
"""

import dataclasses
import json
import threading

import pytest
from django.db import connections

from demandes import services as demandes_services
from demandes.models import Beneficiaire, CompteurDossier, Demande, PieceAttendue
from demandes.valeurs import StatutDemande
from imports import ecriture, services
from imports.models import Import
from imports.moteur import contexte as module_contexte
from imports.moteur import regles as module_regles
from imports.moteur.regles import CATALOGUE, FICHIER, catalogue
from imports.moteur.simulation import preparer, simuler
from tests.documents import document_de, en_liberal, en_octets, en_solde, finess, ligne, rpps
from tests.factories import compteur_du_couloir
from tests.marques import SUR_POSTGRES, postgres_seulement
from tests.parcours import (
    importer_service,
    numeros,
    simuler_et_importer,
    simuler_service,
    sortie_de,
    utilisateur,
)

# --- the catalogue says which rules read the base ---------------------------------------------


class _Interdit(dict):
    """A context field no rule declared without lit_la_base may read."""

    def _refus(self, *args, **kwargs):
        raise AssertionError("une règle non déclarée lit_la_base lit les demandes vivantes")

    __getitem__ = __contains__ = get = keys = values = items = __iter__ = __len__ = _refus


def test_les_regles_qui_lisent_les_demandes_vivantes_sont_declarees(demo, document_ttc):
    """Every rule not declared lit_la_base runs on C, M, A, solde and libéral lines without reading
    the three fields of the context that the imports write; the declared ones are E103, E104, E306."""
    assert sorted(r.code for r in catalogue() if r.lit_la_base) == ["E103", "E104", "E306"]
    avance = simuler_et_importer(
        "relais", en_octets(document_de(document_ttc, ligne(document_ttc, 1, geo=[finess(1), finess(2)])))
    )
    assert avance.nb_retenues == 1
    lignes = [
        ligne(document_ttc, 1, editeur="X1", geo=[finess(3)]),
        ligne(document_ttc, 2, action="M", numero_asp="FINMDV000001M0", geo=[finess(1)]),
        ligne(document_ttc, 3, action="A", numero_asp="FINMDV000001M0", geo=[finess(2)]),
        en_liberal(ligne(document_ttc, 4, editeur="X4"), rpps(4)),
        en_solde(ligne(document_ttc, 5, editeur="X5", numero_asp="FINMDV000001M0", geo=[finess(1)])),
    ]
    for type_demande, choisies in (("AVANCE", lignes[:4]), ("SOLDE", lignes[4:])):
        simulation = preparer(
            en_octets(document_de(document_ttc, *choisies)),
            fournisseur=utilisateur("relais").fournisseur,
            numero_ans="mlp525off1",
            type_demande=type_demande,
            taux_tva="20",
        )
        for champ in ("numeros_editeur_vivants", "demandes_referencees", "beneficiaires_vivants"):
            assert getattr(simulation.contexte, champ) == {}  # not loaded by preparer()
            setattr(simulation.contexte, champ, _Interdit())
        document = simulation.document.racine["lignesImport"]
        for regle in catalogue():
            if regle.lit_la_base:
                continue
            if regle.portee == FICHIER:
                list(regle.verifier(document, simulation.contexte))
            else:
                for une_ligne in document:
                    list(regle.verifier(une_ligne, simulation.contexte))


_SOUS_VERROU = [False]  # set by the spied verrouiller_compteur


def _espionner_les_regles(monkeypatch) -> list[tuple[str, bool]]:
    """Each rule of the catalogue, when it runs, notes (code, under the couloir's lock)."""
    vues = []

    def espion(regle):
        def verifier(*args):
            vues.append((regle.code, _SOUS_VERROU[0]))
            return regle.verifier(*args)

        return verifier

    monkeypatch.setattr(
        module_regles, "CATALOGUE", [dataclasses.replace(regle, verifier=espion(regle)) for regle in CATALOGUE]
    )
    return vues


def test_la_simulation_lance_toujours_toutes_les_regles(demo, document_ttc, monkeypatch):
    """One engine: simuler() = preparer() (rules without the base) + verifier_avec_la_base()."""
    vues = _espionner_les_regles(monkeypatch)
    simuler(
        en_octets(document_de(document_ttc, ligne(document_ttc, 1, geo=[finess(1)]))),
        fournisseur=utilisateur("relais").fournisseur,
        numero_ans="mlp525off1",
        type_demande="AVANCE",
        taux_tva="20",
    )
    assert sorted(code for code, _ in vues) == sorted(r.code for r in catalogue())


def test_sous_le_verrou_seules_les_regles_qui_lisent_la_base(demo, document_ttc, monkeypatch):
    """Before the lock: the stored file, its SHA-256 and every rule (those reading the base too, to
    lay out the output file); under it: E103, E104, E306 only, the context of live demandes loaded
    again."""
    import_demandes = simuler_service(
        "relais",
        en_octets(
            document_de(document_ttc, ligne(document_ttc, 1, geo=[finess(1)]), ligne(document_ttc, 2, geo=[finess(2)]))
        ),
    )
    assert import_demandes.simulation_reussie
    journal = []
    origine_compteur = demandes_services.verrouiller_compteur

    def verrouiller(couloir):
        journal.append(("verrou", None))
        _SOUS_VERROU[0] = True
        return origine_compteur(couloir)

    origine_empreinte = services._verifier_empreinte
    origine_charger = module_contexte.charger_la_base
    monkeypatch.setattr(demandes_services, "verrouiller_compteur", verrouiller)
    monkeypatch.setattr(
        services,
        "_verifier_empreinte",
        lambda i: journal.append(("empreinte", _SOUS_VERROU[0])) or origine_empreinte(i),
    )
    monkeypatch.setattr(
        "imports.moteur.simulation.charger_la_base",
        lambda *a: journal.append(("contexte des demandes vivantes", _SOUS_VERROU[0])) or origine_charger(*a),
    )
    regles = _espionner_les_regles(monkeypatch)
    _SOUS_VERROU[0] = False
    try:
        importer_service("relais", import_demandes)
    finally:
        _SOUS_VERROU[0] = False

    assert journal == [
        ("empreinte", False),
        ("contexte des demandes vivantes", False),
        ("verrou", None),
        ("contexte des demandes vivantes", True),
    ]
    avant = {code for code, sous_verrou in regles if not sous_verrou}
    apres = {code for code, sous_verrou in regles if sous_verrou}
    assert apres == {"E103", "E104", "E306"}
    assert avant == {r.code for r in catalogue()}
    import_demandes.refresh_from_db()
    assert (import_demandes.nb_retenues, import_demandes.nb_rejetees) == (2, 0)


def test_un_fichier_refuse_avant_le_verrou_ne_le_prend_pas(demo, exemple_ttc, monkeypatch):
    """A file altered since its simulation is refused without ever taking the lock."""
    import_demandes = simuler_service("relais", exemple_ttc)
    pris = []
    monkeypatch.setattr(demandes_services, "verrouiller_compteur", lambda couloir: pris.append(couloir))
    with open(import_demandes.fichier.path, "wb") as flux:
        flux.write(exemple_ttc.replace(b"10750.00", b"11750.00"))
    with pytest.raises(services.ImportImpossible, match="altéré"):
        importer_service("relais", import_demandes)
    assert pris == []
    import_demandes.refresh_from_db()
    assert import_demandes.importable


# --- nothing half-done ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "panne",
    ["insertion des pièces", "historique des modifications", "fichier de sortie", "erreurs de l'import"],
)
def test_une_panne_sous_le_verrou_ne_laisse_rien(demo, document_ttc, monkeypatch, panne):
    existante = simuler_et_importer(
        "relais",
        en_octets(
            document_de(
                document_ttc,
                ligne(document_ttc, 1, geo=[finess(1)]),
                ligne(document_ttc, 2, geo=[finess(2)]),
            )
        ),
    )
    assert existante.nb_retenues == 2
    etat_avant = _etat()
    contenu = en_octets(
        document_de(
            document_ttc,
            ligne(document_ttc, 1, editeur="N1", geo=[finess(3)]),
            ligne(
                document_ttc,
                2,
                editeur="00001",
                action="M",
                numero_asp="FINMDV000001M0",
                geo=[finess(4)],
                valeur="9.99",
            ),
            ligne(document_ttc, 3, action="A", numero_asp="FINMDV000002M0", geo=[finess(2)]),
        )
    )
    import_demandes = simuler_service("relais", contenu)
    assert import_demandes.simulation_reussie

    class Panne(Exception):
        pass

    def en_panne(*args, **kwargs):
        raise Panne(panne)

    cible = {
        "insertion des pièces": (ecriture, "_inserer_beneficiaires_et_pieces"),
        "historique des modifications": (demandes_services, "enregistrer_en_masse"),
        "fichier de sortie": (services, "fichier_de_sortie"),
        "erreurs de l'import": (services, "_enregistrer_erreurs"),
    }[panne]
    with monkeypatch.context() as patch:
        patch.setattr(*cible, en_panne)
        with pytest.raises(Panne):
            importer_service("relais", import_demandes)

    import_demandes.refresh_from_db()
    assert import_demandes.etat == Import.Etat.SIMULE and import_demandes.importable  # the claim rolled back
    assert _etat() == etat_avant

    # and the same import goes through once the fault is gone
    importer_service("relais", import_demandes)
    import_demandes.refresh_from_db()
    assert (import_demandes.etat, import_demandes.nb_retenues) == (Import.Etat.IMPORTE, 3)
    assert numeros() == ["FINMDV000001M1", "FINMDV000002M0", "FINMDV000003M0"]
    assert Demande.objects.get(numero="FINMDV000002").statut == StatutDemande.ANNULEE
    lignes = [l["libelleTraitement"] for l in json.loads(sortie_de(import_demandes))["lignesImport"]]
    assert lignes == [
        "Demande créée : FINMDV000003M0",
        "Demande modifiée : FINMDV000001M1",
        "Demande annulée : FINMDV000002M0",
    ]


def _etat():
    return (
        sorted(Demande.objects.values_list("numero", "version", "statut", "montant_ht", "import_demandes_id")),
        sorted(Beneficiaire.objects.values_list("demande_id", "identifiant", "vivant")),
        sorted(PieceAttendue.objects.values_list("demande_id", "nom_fichier")),
        list(CompteurDossier.objects.values_list("couloir__code", "dernier")),
        Demande.history.count(),
    )


# --- PostgreSQL: another import of the couloir does not wait for a preparation ---------------


@postgres_seulement("concurrence réelle : verrous de lignes PostgreSQL (la CI tourne sur PostgreSQL)")
@pytest.mark.django_db(transaction=True)
def test_un_import_en_preparation_ne_bloque_pas_le_couloir(demo_transactionnel, document_ttc, monkeypatch):
    """While an import reads and checks its file, the couloir is free: a second import of the same
    couloir goes through meanwhile (before issue 11 it waited for the first one's whole engine)."""
    assert SUR_POSTGRES
    compteur_du_couloir(True)
    lent = simuler_service(
        "relais",
        en_octets(
            document_de(document_ttc, *[ligne(document_ttc, n, editeur=f"L{n}", geo=[finess(n)]) for n in (1, 2)])
        ),
    )
    rapide = simuler_service(
        "relais", en_octets(document_de(document_ttc, ligne(document_ttc, 1, editeur="R1", geo=[finess(50)])))
    )
    assert lent.simulation_reussie and rapide.simulation_reussie
    en_preparation, reprendre = threading.Event(), threading.Event()
    origine = services.preparer

    def preparer_lentement(*args, **kwargs):
        if not en_preparation.is_set():
            en_preparation.set()
            assert reprendre.wait(timeout=30)
        return origine(*args, **kwargs)

    monkeypatch.setattr(services, "preparer", preparer_lentement)
    relais = utilisateur("relais")
    resultat = {}

    def importer_le_lent():
        try:
            resultat["lent"] = services.importer_pour_de_vrai(utilisateur=relais, import_id=lent.pk)
        except Exception as erreur:  # noqa: BLE001 — reported below
            resultat["lent"] = erreur
        finally:
            connections.close_all()

    fil = threading.Thread(target=importer_le_lent)
    fil.start()
    try:
        assert en_preparation.wait(timeout=30)
        # Same couloir, while the first import prepares: not blocked (it would wait forever here).
        termine = services.importer_pour_de_vrai(utilisateur=relais, import_id=rapide.pk)
        assert termine.etat == Import.Etat.IMPORTE
    finally:
        reprendre.set()
        fil.join(timeout=60)
    assert not fil.is_alive()
    assert isinstance(resultat["lent"], Import) and resultat["lent"].nb_retenues == 2
    assert numeros(Demande.objects.filter(import_demandes=rapide)) == ["FINMDV000001M0"]
    assert numeros(Demande.objects.filter(import_demandes=lent)) == ["FINMDV000002M0", "FINMDV000003M0"]
