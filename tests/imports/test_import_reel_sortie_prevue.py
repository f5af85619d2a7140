"""The real import lays out its output file before the couloir's lock, from the database rules and
the numbers as the committed state stood then, and keeps it only if under the lock the rules and the
numbers come out the same. What changes meanwhile (another import of the couloir, a dossier
modified) is in the output file the supplier downloads."""

import json

from demandes.models import Demande
from imports import ecriture
from imports.moteur import sortie as module_sortie
from tests.documents import document_de, en_octets, finess, ligne
from tests.parcours import importer_service, simuler_et_importer, simuler_service, sortie_de


def _lignes_de_sortie(import_demandes) -> list[tuple[str, str, str]]:
    return [
        (l["numeroASP"], l["codeTraitement"], l["libelleTraitement"])
        for l in json.loads(sortie_de(import_demandes))["lignesImport"]
    ]


def _apres_la_prevision(monkeypatch, action):
    """Runs `action` once the import has foreseen its numbers, before it takes the lock (once:
    `action` imports too)."""
    origine = ecriture.prevoir_numeros
    a_faire = [action]

    def prevoir(*args, **kwargs):
        prevus = origine(*args, **kwargs)
        while a_faire:
            a_faire.pop()()
        return prevus

    monkeypatch.setattr(ecriture, "prevoir_numeros", prevoir)


def test_sans_changement_le_fichier_prepare_avant_le_verrou_est_celui_enregistre(demo, document_ttc, monkeypatch):
    construits = []
    origine = module_sortie.fichier_de_sortie
    monkeypatch.setattr("imports.services.fichier_de_sortie", lambda *a, **k: construits.append(1) or origine(*a, **k))
    import_demandes = simuler_service(
        "relais", en_octets(document_de(document_ttc, ligne(document_ttc, 1, geo=[finess(1)])))
    )
    construits.clear()
    importer_service("relais", import_demandes)

    assert len(construits) == 1  # laid out once, before the lock
    [(numero, code, libelle)] = _lignes_de_sortie(import_demandes)
    assert code == "OK" and libelle == f"Demande créée : {numero}"
    assert Demande.objects.get(import_demandes=import_demandes).numero_dossier == numero


def test_les_numeros_donnes_par_un_autre_import_entre_temps_sont_dans_le_fichier(demo, document_ttc, monkeypatch):
    mien = simuler_service(
        "relais",
        en_octets(
            document_de(document_ttc, ligne(document_ttc, 1, geo=[finess(1)]), ligne(document_ttc, 2, geo=[finess(2)]))
        ),
    )
    autre = en_octets(document_de(document_ttc, ligne(document_ttc, 3, geo=[finess(3)])))
    _apres_la_prevision(monkeypatch, lambda: simuler_et_importer("relais", autre, nom="autre.json"))

    importer_service("relais", mien)

    crees = sorted(d.numero_dossier for d in Demande.objects.filter(import_demandes=mien))
    autre_numero = Demande.objects.exclude(import_demandes=mien).get().numero_dossier
    assert [numero for numero, _, _ in _lignes_de_sortie(mien)] == crees
    assert [libelle for _, _, libelle in _lignes_de_sortie(mien)] == [f"Demande créée : {n}" for n in crees]
    assert autre_numero < crees[0]  # the other import took the numbers foreseen first


def test_un_beneficiaire_pris_entre_temps_est_refuse_dans_le_fichier(demo, document_ttc, monkeypatch):
    mien = simuler_service(
        "relais",
        en_octets(
            document_de(document_ttc, ligne(document_ttc, 1, geo=[finess(1)]), ligne(document_ttc, 2, geo=[finess(2)]))
        ),
    )
    concurrent = en_octets(document_de(document_ttc, ligne(document_ttc, 7, geo=[finess(2)])))
    _apres_la_prevision(monkeypatch, lambda: simuler_et_importer("relais", concurrent, nom="concurrent.json"))

    importer_service("relais", mien)

    mien.refresh_from_db()
    assert (mien.nb_retenues, mien.nb_rejetees) == (1, 1)
    (numero, code, libelle), (_, code_refus, libelle_refus) = _lignes_de_sortie(mien)
    assert code == "OK" and numero == Demande.objects.get(import_demandes=mien).numero_dossier
    assert code_refus == "E306" and finess(2) in libelle_refus
    assert list(mien.erreurs.values_list("code", flat=True)) == ["E306"]
