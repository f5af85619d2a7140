"""The real import writes in batches: its number of SQL statements does not depend on the number of
lines, for C, M and A lines alike (a fixed number per batch of lines), and its raw multi-row INSERT
names every column of the rows it writes.
"""

import copy
import datetime
from decimal import Decimal

import pytest
from django.db import connection

from demandes import en_masse
from demandes.models import Beneficiaire, CompteurDossier, Demande, PieceAttendue, Solution
from demandes.valeurs import StatutDemande, TypeDemande
from imports import services
from imports.models import Import
from tests.documents import cle_luhn, document_de, en_octets, finess, ligne, montant
from tests.parcours import simuler_et_importer, simuler_service, utilisateur

# --- a generator of valid files (written here: the tests import no bench module) ---------------


def _finess(serie: int, n: int) -> str:
    """Distinct valid FINESS numbers per série (0-9) and n (< 10 000 000)."""
    corps = f"{serie}{n:07d}"
    return corps + str(cle_luhn(corps))


def fichier(document_ttc, *, creations: int, modifications: int, annulations: int, serie: int, vises: list[str]):
    """A valid file of creations + modifications + annulations lines, mixed (one M every 5 lines,
    one A every 20, while they last), each with its own numéro éditeur, FINESS géographique and
    piece; the M and A lines name the dossiers `vises` in turn."""
    modele = document_ttc["lignesImport"][0]
    total = creations + modifications + annulations
    actions = []
    m = a = 0
    for rang in range(total):
        if rang % 5 == 0 and m < modifications:
            actions.append("M")
            m += 1
        elif rang % 20 == 1 and a < annulations:
            actions.append("A")
            a += 1
        else:
            actions.append("C")
    manquent = (modifications - m, annulations - a)
    actions[len(actions) - sum(manquent) :] = ["M"] * manquent[0] + ["A"] * manquent[1]
    assert actions.count("M") == modifications and actions.count("A") == annulations
    vises = iter(vises)
    lignes = []
    for rang, action in enumerate(actions, start=1):
        une_ligne = copy.deepcopy(modele)
        editeur = f"S{serie}-{rang:05d}"
        une_ligne["numLigne"] = rang
        une_ligne["typeAction"] = action
        une_ligne["numeroASP"] = f"{next(vises)}M0" if action != "C" else None
        une_ligne["numeroEditeur"] = editeur
        une_ligne["commande"]["montantSegurHT"] = montant("10750.00")
        une_ligne["beneficiaires"]["structure"]["FINESSGeo"] = [_finess(serie, rang)]
        une_ligne["piecesJustificatives"] = [
            {"nomFichier": f"MDV-LGC-Va1-BDC-{editeur}.pdf", "formatFichier": "PDF", "typeFichier": "BON_COMMANDE"}
        ]
        lignes.append(une_ligne)
    return en_octets(document_de(document_ttc, *lignes))


def dossiers_vises(solution: Solution, premier: int, nombre: int, serie: int) -> list[str]:
    """`nombre` demandes « En attente des pièces » FINMDV{premier…}, each with a beneficiary and
    a piece, created in bulk (three INSERTs); the couloir's counter moved past them."""
    demandes = Demande.objects.bulk_create(
        [
            Demande(
                numero=f"FINMDV{n:06d}",
                type_demande=TypeDemande.AVANCE,
                fournisseur_id=solution.fournisseur_id,
                solution=solution,
                numero_editeur=f"P{n:06d}",
                date_commande=datetime.date(2021, 11, 24),
                regime_tva="TTC",
                montant_ht=Decimal("1000.00"),
                statut=StatutDemande.EN_ATTENTE_PIECES,
            )
            for n in range(premier, premier + nombre)
        ],
        batch_size=500,
    )
    Beneficiaire.objects.bulk_create(
        [
            Beneficiaire(
                demande=demande,
                nature=Beneficiaire.Nature.FINESS_GEO,
                identifiant=_finess(serie, 9_000_000 + rang),
                type_demande=TypeDemande.AVANCE,
                couloir_id=solution.couloir_id,
                logiciel_id=solution.logiciel_id,
            )
            for rang, demande in enumerate(demandes)
        ],
        batch_size=500,
    )
    PieceAttendue.objects.bulk_create(
        [
            PieceAttendue(demande=d, nom_fichier=f"{d.numero}.pdf", format_fichier="PDF", type_fichier="BON_COMMANDE")
            for d in demandes
        ],
        batch_size=500,
    )
    CompteurDossier.objects.update_or_create(couloir=solution.couloir, defaults={"dernier": premier + nombre - 1})
    return [d.numero for d in demandes]


class CompteRequetes:
    """Every statement sent to the database (Django's query log keeps only the last 9 000)."""

    def __init__(self):
        self.nombre = 0

    def __call__(self, execute, sql, params, many, context):
        self.nombre += 1
        return execute(sql, params, many, context)


def importer_en_comptant(contenu: bytes) -> tuple[Import, int]:
    import_demandes = simuler_service("relais", contenu, nom="lots.json")
    assert import_demandes.simulation_reussie, list(import_demandes.erreurs.values_list("rang", "code", "message")[:5])
    compte = CompteRequetes()
    with connection.execute_wrapper(compte):
        importe = services.importer_pour_de_vrai(utilisateur=utilisateur("relais"), import_id=import_demandes.pk)
    return importe, compte.nombre


def test_le_nombre_de_requetes_ne_depend_pas_du_nombre_de_lignes(demo, document_ttc):
    """10 000 lines (7 500 C, 2 000 M, 500 A), then one line fewer of each kind: as many
    statements (about a hundred; ~19 600 before issue 11, 7 or 8 per M or A line). One line fewer
    of each kind keeps the number of batches of each kind whatever the batch size b — ceil(n / b)
    changes only when b divides n - 1, and 7 499, 1 999 and 499 are prime — and the derived counts
    stay within their batches of 900 (dossiers named 2 500 → 2 498, beneficiaries 10 000 → 9 997):
    a statement per line, or per few lines, would show as a difference of at least three."""
    solution = Solution.objects.select_related("couloir").get(numero_ans="mlp525off1")
    grand_vises = dossiers_vises(solution, 1, 2_500, serie=7)
    petit_vises = dossiers_vises(solution, 2_501, 2_498, serie=6)

    grand, requetes_grand = importer_en_comptant(
        fichier(document_ttc, creations=7_500, modifications=2_000, annulations=500, serie=9, vises=grand_vises)
    )
    assert (grand.etat, grand.nb_lignes, grand.nb_retenues, grand.nb_rejetees) == (
        Import.Etat.IMPORTE,
        10_000,
        10_000,
        0,
    )
    petit, requetes_petit = importer_en_comptant(
        fichier(document_ttc, creations=7_499, modifications=1_999, annulations=499, serie=8, vises=petit_vises)
    )
    assert (petit.nb_lignes, petit.nb_retenues) == (9_997, 9_997)

    print(f"\n[import réel] 10 000 lignes (7 500 C, 2 000 M, 500 A) : {requetes_grand} requêtes")
    assert requetes_grand == requetes_petit
    assert requetes_grand < 200

    # and what they did, in bulk
    modifiees = Demande.objects.filter(import_demandes=grand, version=1)
    assert modifiees.count() == 2_000
    assert Demande.objects.filter(numero__in=grand_vises, statut=StatutDemande.ANNULEE).count() == 500
    assert Demande.objects.filter(import_demandes=grand, version=0).count() == 7_500
    assert not Beneficiaire.objects.filter(demande__statut=StatutDemande.ANNULEE, vivant=True).exists()
    assert Beneficiaire.objects.filter(demande__import_demandes=grand, vivant=True).count() == 9_500
    historiques = Demande.history.filter(numero__in=grand_vises, history_type="~")
    assert historiques.count() == 2_500
    assert set(historiques.values_list("history_user__username", flat=True)) == {"relais"}
    assert CompteurDossier.objects.get(couloir=solution.couloir).dernier == 4_998 + 7_500 + 7_499


# --- the raw INSERT names every column -----------------------------------------------------------


def test_l_insert_en_masse_nomme_chaque_colonne(demo, document_ttc, monkeypatch):
    """The C and M lines' rows and the history rows of M and A lines go through a raw bulk INSERT
    (no model instance, no Django default): every concrete column of Demande, Beneficiaire,
    PieceAttendue and the demande's history but the generated key must be in them — a new
    non-null column, or one with a default, left out would fail or be written NULL."""
    vues = {}
    origine = en_masse.verifier_colonnes

    def espion(modele, champs):
        # every raw write (multi-row INSERT, COPY of rows laid out beforehand) names its columns here
        vues.setdefault(modele, set()).update(champs)
        return origine(modele, champs)

    monkeypatch.setattr(en_masse, "verifier_colonnes", espion)
    simuler_et_importer(
        "relais",
        en_octets(
            document_de(document_ttc, ligne(document_ttc, 1, geo=[finess(1)]), ligne(document_ttc, 2, geo=[finess(2)]))
        ),
    )
    simuler_et_importer(
        "relais",
        en_octets(
            document_de(
                document_ttc,
                ligne(document_ttc, 1, action="M", numero_asp="FINMDV000001M0", geo=[finess(3)]),
                ligne(document_ttc, 2, action="A", numero_asp="FINMDV000002M0", geo=[finess(2)]),
                ligne(document_ttc, 3, geo=[finess(4)]),
            )
        ),
    )
    historique = Demande.history.model
    assert set(vues) == {Demande, Beneficiaire, PieceAttendue, historique}
    for modele, champs in vues.items():
        colonnes = {f.name for f in modele._meta.concrete_fields}
        assert colonnes - champs <= {modele._meta.pk.name}, modele.__name__
        assert champs <= colonnes  # every name is a column of the table
    assert historique.objects.filter(history_type="~").count() == 2


def test_l_insert_en_masse_refuse_une_colonne_oubliee(demo):
    with pytest.raises(ValueError, match="colonnes non fournies"):
        en_masse.inserer(PieceAttendue, [dict(demande=1, nom_fichier="a.pdf", format_fichier="PDF")])


def test_les_textes_arrivent_tels_quels(demo, document_ttc):
    """Backslashes, tabs, line breaks, quotes and non-ASCII letters go through the raw writes
    (COPY's text format escapes them on PostgreSQL) exactly as the file wrote them."""
    nom = 'DURAND \\N\t"Zoé"\\t\nÉtage\r2 \\\\ fin'
    creation = ligne(document_ttc, 1, geo=[finess(1)])
    creation["beneficiaires"]["structure"]["nomResponsable"] = nom
    simuler_et_importer("relais", en_octets(document_de(document_ttc, creation)))
    demande = Demande.objects.get()
    assert demande.nom_responsable == nom
    assert demande.beneficiaires.get().nom == nom
    assert demande.scenario == creation["scenarioInstallation"]

    modification = ligne(document_ttc, 1, action="M", numero_asp="FINMDV000001M0", geo=[finess(2)])
    modification["beneficiaires"]["structure"]["nomResponsable"] = nom + " (bis)"
    modification["scenarioInstallation"]["operateurMessagerie"] = "MAI_15"
    simuler_et_importer("relais", en_octets(document_de(document_ttc, modification)))
    demande.refresh_from_db()
    assert (demande.version, demande.nom_responsable) == (1, nom + " (bis)")
    assert demande.beneficiaires.get().nom == nom + " (bis)"
    assert demande.history.order_by("-history_id").first().nom_responsable == nom + " (bis)"
