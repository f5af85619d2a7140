"""seed_demo goes through the enrolment (issue 15, « Done when »: the demo data still comes from
seed_demo, now through the same services): each demo supplier is a validated request for access,
with its référentiel lines, its validated bank details and its first user, the structure's
administrator; run again, it adds nothing; on a demo database made before the enrolment, its
suppliers get their bank details the way a supplier changes them."""

from django.core.management import call_command

from demandes.models import CoordonneesBancaires, DemandeEnrolement, Fournisseur, Solution, SolutionReferencee
from tests.parcours import utilisateur

SIRETS_DEMO = {"77625125800013", "87950324100017", "41268937400012"}


def test_chaque_fournisseur_de_demonstration_est_une_demande_d_acces_validee(db, settings):
    settings.DEBUG = True
    call_command("seed_demo")
    call_command("seed_demo")  # idempotent: nothing asked or validated twice

    demandes = DemandeEnrolement.objects.all()
    assert {d.siret for d in demandes} == SIRETS_DEMO and demandes.count() == 3
    assert {d.statut for d in demandes} == {DemandeEnrolement.Statut.VALIDEE}
    gestionnaire = utilisateur("gestionnaire")
    for demande in demandes:
        assert demande.instruite_par == gestionnaire
        assert demande.date_confirmation is not None
        # Its history: deposited, confirmed, validated — as for any vendor.
        raisons = list(demande.history.order_by("history_date").values_list("history_change_reason", flat=True))
        assert raisons[0] == "Demande déposée" and len(raisons) == 3
    assert set(SolutionReferencee.objects.values_list("numero_ans", flat=True)) == set(
        Solution.objects.values_list("numero_ans", flat=True)
    )
    relais = utilisateur("relais")
    assert relais.administrateur_fournisseur and relais.check_password("demo")
    assert relais.email == "relais@demo.invalid"
    assert DemandeEnrolement.objects.get(siret="77625125800013").utilisateur == relais
    validees = CoordonneesBancaires.objects.filter(statut=CoordonneesBancaires.Statut.VALIDEES)
    assert {c.fournisseur.siret for c in validees} == SIRETS_DEMO and validees.count() == 3
    assert validees.get(fournisseur=relais.fournisseur).iban_masque == "FR76 •••• •••• •••• •••• •••• 049"
    assert CoordonneesBancaires.objects.count() == 3


def test_une_base_de_demonstration_d_avant_l_enrolement_recoit_ses_coordonnees_bancaires(db, settings):
    settings.DEBUG = True
    # What seed_demo made before the enrolment: the supplier and its account, no request, no bank details.
    ancien = Fournisseur.objects.create(siret="77625125800013", denomination="RELAIS CAP FRANCE AU GAI LOGIS")
    from django.contrib.auth import get_user_model

    get_user_model().objects.create_user("relais", email="relais@demo.invalid", fournisseur=ancien)

    call_command("seed_demo")

    assert not DemandeEnrolement.objects.filter(siret="77625125800013").exists()  # not asked again
    coordonnees = CoordonneesBancaires.objects.get(fournisseur=ancien)
    assert coordonnees.statut == CoordonneesBancaires.Statut.VALIDEES
    assert coordonnees.demandees_par == utilisateur("relais") and coordonnees.instruites_par == utilisateur(
        "gestionnaire"
    )
    assert utilisateur("relais").administrateur_fournisseur
    # The two other vendors went through the enrolment.
    assert set(DemandeEnrolement.objects.values_list("siret", flat=True)) == SIRETS_DEMO - {"77625125800013"}
