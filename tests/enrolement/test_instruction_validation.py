"""« Valider la demande » in the managers' admin: the list of requests, the side-by-side check with
the référentiel ANS, and what the validation creates — the Fournisseur (or the bare one reused), its
Solutions with the référentiel's windows as Paris datetimes, its validated bank details, its first
account (administrator, no usable password) — or refuses with the manager told why, nothing written."""

import datetime
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile

from demandes.models import CoordonneesBancaires, DemandeEnrolement, Fournisseur, Solution
from tests.documents import SIRET_RELAIS
from tests.factories import PDF
from tests.pages import messages_de_la_page, page, texte

from .outils_instruction import (
    BIC,
    CONTACT,
    IBAN,
    LISTE,
    SIRET_NOUVEAU,
    VALIDER,
    decider,
    decisions_offertes,
    demande_enrolement,
    fiche,
    ligne_referentiel,
)

Statut = DemandeEnrolement.Statut
PARIS = ZoneInfo("Europe/Paris")
COLONNES = [
    "Dénomination sociale",
    "SIRET",
    "Contact",
    "Numéros ANS",
    "Statut",
    "Demandée le",
    "Adresse confirmée le",
    "Instruite par",
]


@pytest.fixture
def demande(demo):
    ligne_referentiel("ans0000001")
    ligne_referentiel("ans0000002", nom="Agenda partagé")
    return demande_enrolement(["ans0000001", "ans0000002"])


def rien_ecrit(demande):
    """Nothing of a validation is in the database, and the request still waits."""
    demande.refresh_from_db()
    assert demande.statut == Statut.A_VERIFIER
    assert demande.fournisseur_id is None and demande.utilisateur_id is None
    assert not Fournisseur.objects.filter(siret=demande.siret).exists()
    assert not Solution.objects.filter(numero_ans__in=demande.numeros_ans).exists()
    assert not CoordonneesBancaires.objects.filter(iban=demande.iban).exists()


# --- The list and the page ------------------------------------------------------------------------


def test_la_liste_montre_d_abord_les_demandes_a_verifier(client_gestionnaire, demande):
    DemandeEnrolement.objects.exclude(pk=demande.pk).delete()  # the demo suppliers' validated requests
    demande_enrolement(["ans0000009"], siret=SIRET_RELAIS, statut=Statut.ADRESSE_A_CONFIRMER, email="x@y.example")
    validee = demande_enrolement(["ans0000008"], statut=Statut.VALIDEE, denomination="DÉJÀ VALIDÉE")
    reponse = client_gestionnaire.get(LISTE)
    assert reponse.status_code == 200
    lignes = [l for l in page(reponse).table(COLONNES) if len(l) == len(COLONNES)]
    assert [(l[0], l[4]) for l in lignes] == [
        ("ÉDITIONS LOGICIELLES DU SUD", "À vérifier"),
        ("ÉDITIONS LOGICIELLES DU SUD", "Adresse électronique à confirmer"),
        ("DÉJÀ VALIDÉE", "Validée"),
    ]
    assert lignes[0][1] == SIRET_NOUVEAU
    assert lignes[0][2] == f"Marie Durand{CONTACT}"
    assert lignes[0][3] == "ans0000001, ans0000002"
    # Searched by SIRET, dénomination or e-mail; filtered by status.
    assert "DÉJÀ VALIDÉE" not in texte(client_gestionnaire.get(LISTE, {"q": "x@y.example"}))
    filtree = page(client_gestionnaire.get(LISTE, {"statut__exact": "VALIDEE"})).table(COLONNES)
    assert [(l[0], l[4]) for l in filtree if len(l) == len(COLONNES)] == [(validee.denomination, "Validée")]


def test_la_fiche_confronte_chaque_numero_au_referentiel(client_gestionnaire, demo):
    ligne_referentiel("ans0000001")
    ligne_referentiel("ans0000003", siret=SIRET_RELAIS)
    demande = demande_enrolement(["ans0000001", "ans0000003", "inconnu42"])
    reponse = client_gestionnaire.get(fiche(demande))
    assert reponse.status_code == 200
    lignes = page(reponse).table(
        [
            "Numéro ANS demandé",
            "Nom de la solution",
            "SIRET du référentiel",
            "Couloir",
            "Logiciel",
            "Vague",
            "Date de référencement",
            "Plafond HT",
            "Dépôt des avances",
            "Dépôt des soldes",
            "Vérification",
        ]
    )
    assert lignes[0] == [
        "ans0000001",
        "Logiciel ans0000001",
        SIRET_NOUVEAU,
        "MDV",
        "LGC",
        "2",
        "01/03/2024",
        "15 000,00 €",  # the narrow and no-break spaces, read as a person reads them
        "du 15/01/2024 au 30/06/2026",
        "du 01/02/2024 au 31/12/2027",
        "Conforme",
    ]
    assert lignes[1][0] == "ans0000003" and lignes[1][-1] == (
        f"Le numéro ANS « ans0000003 » est référencé pour un autre SIRET que {SIRET_NOUVEAU}"
    )
    assert lignes[2] == [
        "inconnu42",
        "Absent du référentiel ANS",
        "Le numéro ANS « inconnu42 » est inconnu du référentiel ANS",
    ]
    contenu = texte(reponse, lu=True)
    assert "Fournisseur du portail aucun : il sera créé à la validation" in contenu
    assert "Déjà enrôlé non" in contenu
    assert "IBAN FR76 3000 6000 0112 3456 7890 189" in contenu
    assert f"BIC {BIC}" in contenu
    assert "la validation sera refusée tant qu'elle demeure" in contenu
    # Read-only: no field of the vendor's data to edit, nothing posted to the page itself.
    assert 'name="denomination"' not in reponse.content.decode()
    assert client_gestionnaire.post(fiche(demande), {"denomination": "Pirate"}).status_code == 405
    assert decisions_offertes(reponse) == [
        "Confirmer la validation",
        "Confirmer la demande de complément",
        "Confirmer le refus",
    ]


# --- The validation ----------------------------------------------------------------------------


def test_valider_enrole_le_fournisseur_avec_ses_solutions_ses_coordonnees_et_son_administrateur(
    client_gestionnaire, gestionnaire, demande, mailoutbox
):
    reponse = decider(client_gestionnaire, demande, VALIDER)
    assert reponse.redirect_chain[-1][0] == fiche(demande)
    assert messages_de_la_page(reponse) == [
        (
            "success",
            f"Demande validée : ÉDITIONS LOGICIELLES DU SUD (SIRET {SIRET_NOUVEAU}) est enrôlé sur le portail avec "
            f"2 solutions ; son administrateur a le compte « {CONTACT} ». Le lien d'activation a été envoyé à "
            f"{CONTACT} (valable 3 jours).",
        )
    ]
    demande.refresh_from_db()
    fournisseur = Fournisseur.objects.get(siret=SIRET_NOUVEAU)
    assert fournisseur.denomination == "ÉDITIONS LOGICIELLES DU SUD"
    assert (demande.statut, demande.fournisseur, demande.instruite_par) == (Statut.VALIDEE, fournisseur, gestionnaire)
    assert demande.date_decision is not None

    solutions = list(fournisseur.solutions.order_by("numero_ans"))
    assert [(s.numero_ans, s.nom, s.vague) for s in solutions] == [
        ("ans0000001", "Logiciel ans0000001", 2),
        ("ans0000002", "Agenda partagé", 2),
    ]
    solution = solutions[0]
    assert (solution.couloir.code, solution.logiciel.code) == ("MDV", "LGC")
    assert solution.date_referencement == datetime.date(2024, 3, 1)
    assert str(solution.plafond_ht) == "15000.00"
    # The référentiel's days, as moments of Paris: from the first to the last second of the day.
    assert solution.avance_ouverture == datetime.datetime(2024, 1, 15, 0, 0, 0, tzinfo=PARIS)
    assert solution.avance_fermeture == datetime.datetime(2026, 6, 30, 23, 59, 59, tzinfo=PARIS)
    assert solution.solde_ouverture == datetime.datetime(2024, 2, 1, 0, 0, 0, tzinfo=PARIS)
    assert solution.solde_fermeture == datetime.datetime(2027, 12, 31, 23, 59, 59, tzinfo=PARIS)
    assert solution.history.get().history_user == gestionnaire

    coordonnees = CoordonneesBancaires.objects.get(fournisseur=fournisseur)
    assert (coordonnees.statut, coordonnees.iban, coordonnees.bic) == (CoordonneesBancaires.Statut.VALIDEES, IBAN, BIC)
    assert coordonnees.instruites_par == gestionnaire and coordonnees.date_instruction is not None
    with coordonnees.rib.open("rb") as rib:
        assert rib.read() == PDF

    compte = get_user_model().objects.get(fournisseur=fournisseur)
    assert demande.utilisateur == compte
    assert (compte.username, compte.email, compte.first_name, compte.last_name) == (
        CONTACT,
        CONTACT,
        "Marie",
        "Durand",
    )
    assert compte.administrateur_fournisseur and compte.is_active
    assert not compte.is_staff and not compte.is_superuser
    assert not compte.has_usable_password()

    assert [m.to for m in mailoutbox] == [[CONTACT]]
    assert mailoutbox[0].subject == "Portail Ségur numérique : activez votre compte"

    # Historised: who validated, and why.
    derniere = demande.history.latest()
    assert (derniere.statut, derniere.history_user, derniere.history_change_reason) == (
        Statut.VALIDEE,
        gestionnaire,
        "Demande validée",
    )
    apres = client_gestionnaire.get(fiche(demande))
    historique = page(apres).table(["Date", "Par", "Statut", "Étape", "Motif ou message"])
    assert [l[1:4] for l in historique] == [
        ["le demandeur", "À vérifier", "Création"],
        ["gestionnaire", "Validée", "Demande validée"],
    ]
    # Decided: no decision offered any more.
    assert decisions_offertes(apres) == []
    assert "Aucune décision n'est possible depuis le statut « Validée »." in texte(apres)


def test_valider_reprend_le_fournisseur_existant_sans_compte_et_remplace_ses_coordonnees(
    client_gestionnaire, gestionnaire, demo, mailoutbox
):
    ancien = Fournisseur.objects.create(siret=SIRET_NOUVEAU, denomination="ANCIEN NOM")
    anciennes = CoordonneesBancaires.objects.create(
        fournisseur=ancien,
        iban="FR1420041010050500013M02606",
        bic="PSSTFRPPPAR",
        rib=SimpleUploadedFile("ancien.pdf", PDF),
        statut=CoordonneesBancaires.Statut.VALIDEES,
    )
    ligne_referentiel("ans0000001")
    ligne_referentiel("ans0000002")
    deja = Solution.objects.create(
        numero_ans="ans0000002",
        nom="Déjà là",
        fournisseur=ancien,
        couloir_id=1,
        logiciel_id=1,
        vague=1,
        date_referencement=datetime.date(2021, 1, 1),
        plafond_ht=1,
        avance_ouverture=datetime.datetime(2021, 1, 1, tzinfo=PARIS),
        avance_fermeture=datetime.datetime(2021, 1, 1, tzinfo=PARIS),
        solde_ouverture=datetime.datetime(2021, 1, 1, tzinfo=PARIS),
        solde_fermeture=datetime.datetime(2021, 1, 1, tzinfo=PARIS),
    )
    demande = demande_enrolement(["ans0000001", "ans0000002"])
    assert "ANCIEN NOM" in texte(client_gestionnaire.get(fiche(demande)))

    reponse = decider(client_gestionnaire, demande, VALIDER)

    assert messages_de_la_page(reponse)[0][0] == "success"
    assert Fournisseur.objects.filter(siret=SIRET_NOUVEAU).count() == 1
    demande.refresh_from_db()
    assert demande.fournisseur == ancien
    # The solution already attached stays as it was; the other one is added.
    assert sorted(ancien.solutions.values_list("numero_ans", "nom")) == [
        ("ans0000001", "Logiciel ans0000001"),
        ("ans0000002", "Déjà là"),
    ]
    assert Solution.objects.get(pk=deja.pk).vague == 1
    anciennes.refresh_from_db()
    assert anciennes.statut == CoordonneesBancaires.Statut.REMPLACEES
    assert anciennes.history.latest().history_user == gestionnaire
    validees = CoordonneesBancaires.objects.get(fournisseur=ancien, statut=CoordonneesBancaires.Statut.VALIDEES)
    assert validees.iban == IBAN
    assert get_user_model().objects.get(fournisseur=ancien).email == CONTACT


# --- Refused validations: the manager is told why, nothing is written --------------------------


def test_un_numero_devenu_non_conforme_refuse_la_validation(client_gestionnaire, demande, mailoutbox):
    # The référentiel was reloaded after the request: the line now belongs to another SIRET.
    ligne = demande.numeros_ans[1]
    from demandes.models import SolutionReferencee

    SolutionReferencee.objects.filter(numero_ans=ligne).update(siret=SIRET_RELAIS)
    reponse = decider(client_gestionnaire, demande, VALIDER)
    assert messages_de_la_page(reponse) == [
        (
            "error",
            "« Valider la demande » n'a pas été appliqué : Le numéro ANS « ans0000002 » est référencé pour un "
            f"autre SIRET que {SIRET_NOUVEAU}.",
        )
    ]
    rien_ecrit(demande)
    assert mailoutbox == []


def test_un_numero_rattache_entre_temps_a_un_autre_fournisseur_refuse_la_validation(
    client_gestionnaire, demande, relais
):
    from tests.factories import creer_solution

    creer_solution(relais, "ans0000001")
    reponse = decider(client_gestionnaire, demande, VALIDER)
    assert messages_de_la_page(reponse) == [
        (
            "error",
            "« Valider la demande » n'a pas été appliqué : Le numéro ANS « ans0000001 » est déjà rattaché à un "
            "autre fournisseur du portail.",
        )
    ]
    demande.refresh_from_db()
    assert demande.statut == Statut.A_VERIFIER and demande.fournisseur_id is None
    assert not Fournisseur.objects.filter(siret=SIRET_NOUVEAU).exists()
    assert Solution.objects.get(numero_ans="ans0000001").fournisseur == relais


def test_un_siret_deja_enrole_refuse_la_validation(client_gestionnaire, demo):
    ligne_referentiel("mlp525off1_bis", siret=SIRET_RELAIS)
    demande = demande_enrolement(["mlp525off1_bis"], siret=SIRET_RELAIS)
    reponse = decider(client_gestionnaire, demande, VALIDER)
    assert messages_de_la_page(reponse) == [
        ("error", "« Valider la demande » n'a pas été appliqué : Ce SIRET est déjà enrôlé sur le portail.")
    ]
    demande.refresh_from_db()
    assert demande.statut == Statut.A_VERIFIER
    assert not Solution.objects.filter(numero_ans="mlp525off1_bis").exists()


def test_une_adresse_deja_utilisee_par_un_compte_refuse_la_validation(client_gestionnaire, demande, mailoutbox):
    get_user_model().objects.create_user("autre", CONTACT.upper(), "x")
    reponse = decider(client_gestionnaire, demande, VALIDER)
    assert messages_de_la_page(reponse) == [
        (
            "error",
            f"« Valider la demande » n'a pas été appliqué : Un compte du portail utilise déjà l'adresse « {CONTACT} ».",
        )
    ]
    rien_ecrit(demande)
    assert mailoutbox == []


@pytest.mark.parametrize("statut", [Statut.ADRESSE_A_CONFIRMER, Statut.COMPLEMENT_DEMANDE, Statut.REFUSEE])
def test_une_demande_qui_n_est_pas_a_verifier_ne_se_valide_pas(client_gestionnaire, demo, statut):
    ligne_referentiel("ans0000001")
    demande = demande_enrolement(statut=statut)
    assert "Confirmer la validation" not in decisions_offertes(client_gestionnaire.get(fiche(demande)))
    # Posted anyway (an old page, a crafted request): refused with a message, never a 500.
    reponse = client_gestionnaire.post(f"{LISTE}{demande.pk}/decision/valider/", follow=True)
    assert messages_de_la_page(reponse) == [
        (
            "error",
            f"« Valider la demande » n'a pas été appliqué : la demande est « {Statut(statut).label} »",
        )
    ]
    demande.refresh_from_db()
    assert demande.statut == statut
    assert not Fournisseur.objects.filter(siret=SIRET_NOUVEAU).exists()


def test_l_adresse_a_confirmer_est_signalee_et_ne_se_decide_pas(client_gestionnaire, demo):
    demande = demande_enrolement(statut=Statut.ADRESSE_A_CONFIRMER)
    reponse = client_gestionnaire.get(fiche(demande))
    assert "Adresse électronique à confirmer : le demandeur n'a pas encore ouvert le lien" in texte(reponse)
    assert decisions_offertes(reponse) == []


def test_le_statut_est_relu_sous_le_verrou(gestionnaire, demande):
    """Two managers on the same request: the second one's instance is stale, the service reads the
    row again under its lock and refuses."""
    from django.core.exceptions import ValidationError

    from demandes.enrolement import instruction

    perimee = DemandeEnrolement.objects.get(pk=demande.pk)
    instruction.refuser(demande, par=gestionnaire, motif="Pièces incohérentes")
    with pytest.raises(ValidationError) as erreur:
        instruction.valider(perimee, par=gestionnaire)
    assert erreur.value.messages == [
        "Une demande « Refusée » ne peut pas être validée (elle doit être « À vérifier »)."
    ]
    assert not Fournisseur.objects.filter(siret=SIRET_NOUVEAU).exists()


def test_l_echec_de_l_envoi_du_lien_n_annule_pas_la_validation(client_gestionnaire, demande, mailoutbox):
    with mock.patch("django.core.mail.EmailMultiAlternatives.send", side_effect=OSError("SMTP indisponible")):
        reponse = decider(client_gestionnaire, demande, VALIDER)
    ((niveau, message),) = messages_de_la_page(reponse)
    assert niveau == "warning"
    assert message.endswith(
        f"Le lien d'activation n'a pas été envoyé à {CONTACT} (l'envoi du courriel a échoué, réessayez plus tard) : "
        f"ouvrez le compte {CONTACT} et utilisez « Envoyer un lien de réinitialisation du mot de passe »."
    )
    compte = get_user_model().objects.get(email=CONTACT)
    assert page(reponse).lien(CONTACT).attrs["href"] == f"/admin/demandes/utilisateur/{compte.pk}/change/"
    demande.refresh_from_db()
    assert demande.statut == Statut.VALIDEE and demande.utilisateur == compte
    assert mailoutbox == []


def test_un_script_valide_avec_l_identifiant_de_son_choix(demande, mailoutbox):
    """seed_demo validates its demo requests with the services, naming the account itself."""
    from demandes.enrolement import instruction

    compte = instruction.valider(demande, par=None, identifiant="Editions-Sud")
    assert (compte.username, compte.email) == ("editions-sud", CONTACT)
    demande.refresh_from_db()
    assert (demande.statut, demande.utilisateur, demande.instruite_par) == (Statut.VALIDEE, compte, None)
    assert demande.history.latest().history_user is None
    assert mailoutbox == []  # the activation e-mail is the caller's (a script has no request)
