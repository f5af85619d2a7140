"""Importing twice: the same import submitted again (sequentially: nothing more is created), and on
PostgreSQL the same import launched four times at once, two imports of one or of two fournisseurs
funding the same beneficiary at the same time (one line retained, numbers unique and without gaps),
with or without the couloir's counter row."""

import json

import pytest

from demandes.models import Beneficiaire, CompteurDossier, Demande, PieceAttendue
from imports import services
from imports.models import ErreurLigne, Import
from tests.documents import (
    SIRET_UNIKALO,
    document_de,
    en_octets,
    finess,
    ligne,
)
from tests.factories import compteur_du_couloir, solution_concurrente
from tests.marques import postgres_seulement
from tests.pages import (
    MESSAGE_IMPORT_REFUSE,
    texte,
)
from tests.parcours import (
    en_parallele,
    import_de,
    importer_service,
    numeros,
    simuler,
    simuler_service,
    sortie_de,
    utilisateur,
)

# --- double submission ----------------------------------------------------------------------


def test_double_soumission_sequentielle(client_relais, trois_lignes):
    import_demandes = import_de(simuler(client_relais, trois_lignes))
    premier = importer_service("relais", import_demandes)
    second = importer_service("relais", import_demandes)
    assert second.pk == premier.pk and second.etat == Import.Etat.IMPORTE
    assert (second.nb_retenues, second.nb_rejetees) == (3, 0)
    assert Demande.objects.count() == 3 and Beneficiaire.objects.count() == 4 and PieceAttendue.objects.count() == 3
    assert CompteurDossier.objects.get(couloir__code="MDV").dernier == 3
    sortie = sortie_de(import_demandes)

    # a second click on the screen: back to the pieces, nothing created, no second success message
    reponse = client_relais.post(f"/imports/{import_demandes.pk}/importer/", follow=True)
    assert reponse.redirect_chain == [(f"/pieces-jointes/{import_demandes.pk}/", 302)]
    assert "L'import s'est déroulé correctement" not in texte(reponse)
    assert MESSAGE_IMPORT_REFUSE not in texte(reponse)
    assert Demande.objects.count() == 3
    assert sortie_de(import_demandes) == sortie
    assert ErreurLigne.objects.count() == 0


# --- concurrency (PostgreSQL) -----------------------------------------------------------------


def _gros_fichier(document_ttc, nombre, *, prefixe_editeur="L", premier_finess=1) -> bytes:
    return en_octets(
        document_de(
            document_ttc,
            *[
                ligne(document_ttc, n, editeur=f"{prefixe_editeur}{n}", geo=[finess(premier_finess + n)])
                for n in range(1, nombre + 1)
            ],
        )
    )


@postgres_seulement("concurrence réelle : verrous de lignes PostgreSQL (la CI tourne sur PostgreSQL)")
@pytest.mark.django_db(transaction=True)
def test_meme_import_lance_deux_fois_en_meme_temps(demo_transactionnel, document_ttc):
    compteur_du_couloir(True)
    import_demandes = simuler_service("relais", _gros_fichier(document_ttc, 200))
    assert import_demandes.simulation_reussie
    relais = utilisateur("relais")

    resultats = en_parallele(
        *[lambda: services.importer_pour_de_vrai(utilisateur=relais, import_id=import_demandes.pk) for _ in range(4)]
    )
    assert [erreur for _, erreur in resultats] == [None] * 4
    assert {resultat.pk for resultat, _ in resultats} == {import_demandes.pk}

    import_demandes.refresh_from_db()
    assert import_demandes.etat == Import.Etat.IMPORTE and (
        import_demandes.nb_retenues,
        import_demandes.nb_rejetees,
    ) == (200, 0)
    assert Demande.objects.count() == 200
    assert numeros() == [f"FINMDV{n:06d}M0" for n in range(1, 201)]
    assert Beneficiaire.objects.count() == 200 and PieceAttendue.objects.count() == 200
    assert CompteurDossier.objects.get(couloir__code="MDV").dernier == 200


@postgres_seulement("concurrence réelle : verrous de lignes PostgreSQL (la CI tourne sur PostgreSQL)")
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("compteur_existant", [True, False], ids=["compteur-existant", "premier-import-du-couloir"])
def test_deux_imports_du_meme_beneficiaire_en_meme_temps(demo_transactionnel, document_ttc, compteur_existant):
    """Two files of relais, simulated before either is imported, fund the same beneficiary under
    different numéros éditeur: imported at the same time, one line is retained, the other rejected."""
    compteur_du_couloir(compteur_existant)
    commun = finess(500)
    premier = simuler_service(
        "relais",
        en_octets(
            document_de(
                document_ttc,
                *[ligne(document_ttc, n, editeur=f"A{n}", geo=[finess(n)]) for n in range(1, 60)],
                ligne(document_ttc, 60, editeur="A-COMMUN", geo=[commun]),
            )
        ),
    )
    second = simuler_service(
        "relais",
        en_octets(
            document_de(
                document_ttc,
                ligne(document_ttc, 1, editeur="B-COMMUN", geo=[commun]),
                *[ligne(document_ttc, n, editeur=f"B{n}", geo=[finess(100 + n)]) for n in range(2, 61)],
            )
        ),
    )
    assert premier.simulation_reussie and second.simulation_reussie
    relais = utilisateur("relais")

    resultats = en_parallele(
        lambda: services.importer_pour_de_vrai(utilisateur=relais, import_id=premier.pk),
        lambda: services.importer_pour_de_vrai(utilisateur=relais, import_id=second.pk),
    )
    assert [erreur for _, erreur in resultats] == [None, None]
    premier.refresh_from_db()
    second.refresh_from_db()
    assert premier.etat == second.etat == Import.Etat.IMPORTE
    assert sorted([(premier.nb_retenues, premier.nb_rejetees), (second.nb_retenues, second.nb_rejetees)]) == [
        (59, 1),
        (60, 0),
    ]
    assert Beneficiaire.objects.filter(identifiant=commun).count() == 1
    assert Demande.objects.filter(beneficiaires__identifiant=commun).count() == 1
    assert Demande.objects.count() == 119
    assert numeros() == [f"FINMDV{n:06d}M0" for n in range(1, 120)]  # unique and without gaps

    perdant = premier if premier.nb_rejetees else second
    rang_commun = 59 if perdant == premier else 0
    ligne_sortie = json.loads(sortie_de(perdant))["lignesImport"][rang_commun]
    assert ligne_sortie["codeTraitement"] == "E306" and ligne_sortie["numeroASP"] is None


@postgres_seulement("concurrence réelle : verrous de lignes PostgreSQL (la CI tourne sur PostgreSQL)")
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("compteur_existant", [True, False], ids=["compteur-existant", "premier-import-du-couloir"])
def test_deux_fournisseurs_du_meme_couloir_pour_le_meme_beneficiaire_en_meme_temps(
    demo_transactionnel, document_ttc, compteur_existant
):
    """relais (mlp525off1) and unikalo (a second MDV / LGC solution) fund the same FINESS at once."""
    compteur_du_couloir(compteur_existant)
    solution_concurrente(SIRET_UNIKALO)
    commun = finess(700)
    import_relais = simuler_service(
        "relais",
        en_octets(
            document_de(
                document_ttc,
                ligne(document_ttc, 1, editeur="R1", geo=[commun]),
                *[ligne(document_ttc, n, editeur=f"R{n}", geo=[finess(n)]) for n in range(2, 40)],
            )
        ),
    )
    import_unikalo = simuler_service(
        "unikalo",
        en_octets(
            document_de(
                document_ttc,
                *[ligne(document_ttc, n, editeur=f"U{n}", geo=[finess(200 + n)]) for n in range(1, 40)],
                ligne(document_ttc, 40, editeur="U-COMMUN", geo=[commun]),
                numero_ans="conc525lgc",
                siret=SIRET_UNIKALO,
            )
        ),
        numero_ans="conc525lgc",
    )
    assert import_relais.simulation_reussie, list(import_relais.erreurs.values_list("code", "message"))
    assert import_unikalo.simulation_reussie, list(import_unikalo.erreurs.values_list("code", "message"))
    relais, unikalo = utilisateur("relais"), utilisateur("unikalo")

    resultats = en_parallele(
        lambda: services.importer_pour_de_vrai(utilisateur=relais, import_id=import_relais.pk),
        lambda: services.importer_pour_de_vrai(utilisateur=unikalo, import_id=import_unikalo.pk),
    )
    assert [erreur for _, erreur in resultats] == [None, None]
    import_relais.refresh_from_db()
    import_unikalo.refresh_from_db()
    assert import_relais.nb_rejetees + import_unikalo.nb_rejetees == 1
    assert import_relais.nb_retenues + import_unikalo.nb_retenues == 78
    assert Demande.objects.filter(beneficiaires__identifiant=commun).count() == 1
    assert numeros() == [f"FINMDV{n:06d}M0" for n in range(1, 79)]
