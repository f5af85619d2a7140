"""The supplier's bank details (issue 15 points 4 and 5): shown masked on « Enrôlement », a change
asked by the structure's administrator (checked like the request for access: IBAN, BIC, RIB by
content; one pending at a time), validated or refused by an ASP manager in the admin (« Coordonnées
bancaires »), and the payments that record the details validated at their time."""

import datetime
import re
import smtplib
from decimal import Decimal
from unittest import mock

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from demandes import services
from demandes.comptes import creer_compte_fournisseur
from demandes.models import CoordonneesBancaires, Paiement
from demandes.valeurs import StatutDemande, StatutPaiement
from tests.documents import SIRET_RELAIS
from tests.factories import PDF, PNG, creer_demande, nouveau_staff
from tests.gestion.outils import table_avec
from tests.pages import contenu_telecharge, messages_de_la_page, page, texte
from tests.parcours import utilisateur

IBAN_DEMO = "FR76 •••• •••• •••• •••• •••• 049"  # relais's validated details (seed_demo)
NOUVEL_IBAN = "FR76 3000 3000 0401 1111 1111 167"
NOUVEL_IBAN_MASQUE = "FR76 •••• •••• •••• •••• •••• 167"
LISTE_ADMIN = "/admin/demandes/coordonneesbancaires/"


def action_du_formulaire(reponse, identifiant: str) -> str:
    formulaire = re.search(rf'<form[^>]*id="{identifiant}"[^>]*>', reponse.content.decode())
    assert formulaire, f"formulaire {identifiant} absent"
    return re.search(r'action="([^"]*)"', formulaire.group(0)).group(1).split("#")[0]


def demander_changement(client, *, iban=NOUVEL_IBAN, bic="SOGEFRPP", rib=PDF, nom_rib="rib.pdf"):
    """« Demander un changement de coordonnées bancaires », posted as the page's form says."""
    enrolement = client.get("/enrolement/")
    return client.post(
        action_du_formulaire(enrolement, "changement-coordonnees"),
        {"iban": iban, "bic": bic, "rib": SimpleUploadedFile(nom_rib, rib, content_type="application/pdf")},
        follow=True,
    )


def bouton_de_decision(reponse, libelle) -> str:
    """The action of the admin form whose button is `libelle`."""
    for action, contenu in re.findall(
        r'<form method="post" action="([^"]+)"[^>]*>(.*?)</form>', reponse.content.decode(), re.S
    ):
        if f">{libelle}</button>" in contenu:
            return action
    raise AssertionError(f"bouton « {libelle} » absent")


def en_attente():
    return CoordonneesBancaires.objects.get(statut=CoordonneesBancaires.Statut.EN_ATTENTE)


def payer(demande, gestionnaire, montant="100.00"):
    return services.enregistrer_paiement(
        [demande],
        montant=Decimal(montant),
        date_paiement=datetime.date(2024, 3, 1),
        statut=StatutPaiement.EN_COURS,
        utilisateur=gestionnaire,
    )


# --- the supplier's page ---------------------------------------------------------------------------


def test_les_coordonnees_sont_masquees(client_relais):
    reponse = client_relais.get("/enrolement/")
    contenu = texte(reponse)
    assert f"IBAN {IBAN_DEMO} BIC BNPAFRPPXXX Validées le" in texte(reponse, lu=True)
    assert "FR7630006000010123456789049" not in contenu and "0123456789" not in contenu
    assert "Demander un changement de coordonnées bancaires" in contenu
    assert f"SIRET {SIRET_RELAIS}" in texte(reponse, lu=True)


def test_demander_un_changement(client_relais):
    reponse = demander_changement(client_relais)
    contenu = texte(reponse, lu=True)
    assert "Votre demande de changement de coordonnées bancaires est transmise à l'ASP." in contenu
    assert f"IBAN {IBAN_DEMO}" in contenu  # still the one payments use
    attente = re.search(r'id="coordonnees-en-attente">(.*?)</div>', reponse.content.decode(), re.S).group(1)
    attente = " ".join(re.sub("<[^>]+>", "", attente).split())
    assert attente == (
        f"Changement demandé : IBAN {NOUVEL_IBAN_MASQUE}, BIC SOGEFRPP. En attente de validation par l'ASP "
        f"depuis le {timezone.localdate():%d/%m/%Y}."
    )
    demande = en_attente()
    assert demande.iban == "FR7630003000040111111111167" and demande.demandees_par == utilisateur("relais")
    with demande.rib.open("rb") as flux:
        assert flux.read() == PDF

    # One pending change at a time.
    reponse = demander_changement(client_relais, iban="FR76 3000 4000 0209 8765 4321 094")
    assert "Une demande de changement de coordonnées bancaires est déjà en attente de validation par l'ASP" in texte(
        reponse
    )
    assert CoordonneesBancaires.objects.filter(statut="EN_ATTENTE").count() == 1


def test_iban_et_rib_refuses(client_relais):
    reponse = demander_changement(client_relais, iban="FR76 3000 3000 0401 1111 1111 168")
    assert "IBAN invalide : vérifiez-le sur votre RIB" in texte(reponse)
    reponse = demander_changement(client_relais, rib=PNG)
    assert "RIB « rib.pdf » refusé :" in texte(reponse)
    reponse = demander_changement(client_relais, nom_rib="rib.txt")
    assert "Le RIB doit être un fichier PDF (.pdf) : « rib.txt » n'en est pas un." in texte(reponse)
    assert not CoordonneesBancaires.objects.filter(statut="EN_ATTENTE").exists()


def test_un_membre_voit_les_coordonnees_sans_formulaire(client, demo):
    compte = creer_compte_fournisseur(
        utilisateur("relais").fournisseur,
        email="membre@relais.example",
        prenom="M",
        nom="C",
        administrateur=False,
        par=None,
    )
    client.force_login(compte)
    reponse = client.get("/enrolement/")
    assert IBAN_DEMO in texte(reponse) and "Demander un changement" not in texte(reponse)
    refus = client.post("/enrolement/", {"iban": NOUVEL_IBAN, "bic": "SOGEFRPP"})
    assert refus.status_code == 403
    assert "Seul l'administrateur de votre structure peut demander un changement de coordonnées bancaires." in texte(
        refus
    )


# --- the manager's decision ----------------------------------------------------------------------


def test_le_gestionnaire_valide_le_changement(client, demo, gestionnaire):
    client.force_login(utilisateur("relais"))
    demander_changement(client)
    client.force_login(gestionnaire)

    liste = client.get(LISTE_ADMIN)
    assert liste.status_code == 200
    assert f"{LISTE_ADMIN}add/" not in [l.attrs.get("href") for l in page(liste).liens]
    assert client.get(f"{LISTE_ADMIN}add/").status_code == 403
    # The pending change comes first.
    entetes, *lignes = table_avec(liste, "IBAN")
    assert [(ligne[1], ligne[3]) for ligne in lignes][:1] == [(NOUVEL_IBAN, "En attente de validation")]
    assert [ligne[3] for ligne in lignes][1:] == ["Validées"] * 3  # the three demo suppliers
    fiche = client.get(f"{LISTE_ADMIN}{en_attente().pk}/change/")
    assert fiche.status_code == 200
    comparaison = texte(fiche, lu=True)
    assert "FR76 3000 6000 0101 2345 6789 049" in comparaison and NOUVEL_IBAN in comparaison
    rib = client.get(page(fiche).lien("Télécharger le RIB").attrs["href"])
    assert rib.status_code == 200 and contenu_telecharge(rib) == PDF
    assert rib["Content-Disposition"].startswith("attachment;")
    assert rib["X-Content-Type-Options"] == "nosniff"

    reponse = client.post(bouton_de_decision(fiche, "Valider les nouvelles coordonnées"), follow=True)
    assert (
        "success",
        "Les nouvelles coordonnées bancaires de RELAIS CAP FRANCE AU GAI LOGIS sont validées : les prochains "
        "paiements les utilisent.",
    ) in messages_de_la_page(reponse)
    relais = utilisateur("relais").fournisseur
    assert sorted(CoordonneesBancaires.objects.filter(fournisseur=relais).values_list("iban", "statut")) == [
        ("FR7630003000040111111111167", "VALIDEES"),
        ("FR7630006000010123456789049", "REMPLACEES"),
    ]
    (courriel,) = mail.outbox
    assert courriel.to == ["relais@demo.invalid"]
    assert "L'ASP a validé les nouvelles coordonnées bancaires" in courriel.body
    # Decided: no more buttons; the history records who decided.
    validees = CoordonneesBancaires.objects.get(fournisseur=relais, statut="VALIDEES")
    fiche = client.get(f"{LISTE_ADMIN}{validees.pk}/change/")
    assert "Valider les nouvelles coordonnées" not in texte(fiche)
    assert validees.history.first().history_user == gestionnaire

    client.force_login(utilisateur("relais"))
    contenu = texte(client.get("/enrolement/"), lu=True)
    assert f"IBAN {NOUVEL_IBAN_MASQUE} BIC SOGEFRPP" in contenu and "En attente de validation" not in contenu


def test_le_gestionnaire_refuse_avec_un_motif(client, demo, gestionnaire):
    client.force_login(utilisateur("relais"))
    demander_changement(client)
    client.force_login(gestionnaire)
    fiche = client.get(f"{LISTE_ADMIN}{en_attente().pk}/change/")
    refuser = bouton_de_decision(fiche, "Refuser")

    sans_motif = client.post(refuser, {"motif": "  "})
    assert "Le motif du refus est obligatoire : il est communiqué au fournisseur." in texte(sans_motif)
    assert en_attente()

    with mock.patch("demandes.enrolement.coordonnees.EmailMessage.send", side_effect=smtplib.SMTPException("panne")):
        reponse = client.post(refuser, {"motif": "Le RIB est illisible."}, follow=True)
    assert [niveau for niveau, _ in messages_de_la_page(reponse)] == ["success", "warning"]
    assert "la décision est enregistrée, prévenez-le autrement" in messages_de_la_page(reponse)[1][1]
    assert CoordonneesBancaires.objects.get(iban="FR7630003000040111111111167").statut == "REFUSEES"

    client.force_login(utilisateur("relais"))
    contenu = texte(client.get("/enrolement/"), lu=True)
    assert "a été refusé par l'ASP le" in contenu and "Motif : Le RIB est illisible." in contenu
    assert f"IBAN {IBAN_DEMO}" in contenu


def test_droits_sur_les_coordonnees(client, demo):
    client.force_login(utilisateur("relais"))
    demander_changement(client)
    pk = en_attente().pk
    lecteur = nouveau_staff("lecteur", "demandes.view_coordonneesbancaires")
    client.force_login(lecteur)
    fiche = client.get(f"{LISTE_ADMIN}{pk}/change/")
    assert fiche.status_code == 200 and "Valider les nouvelles coordonnées" not in texte(fiche)
    assert client.post(f"{LISTE_ADMIN}{pk}/valider/").status_code == 403
    assert client.post(f"{LISTE_ADMIN}{pk}/refuser/", {"motif": "Non."}).status_code == 403
    assert en_attente().pk == pk
    assert client.get(f"{LISTE_ADMIN}abc/change/").status_code == 404  # not a 500
    assert client.get(f"{LISTE_ADMIN}{pk}/valider/").status_code == 405  # decisions answer to POST only
    client.force_login(nouveau_staff("autre"))
    assert client.get(f"{LISTE_ADMIN}{pk}/rib/").status_code == 403


# --- payments -------------------------------------------------------------------------------------


def test_les_paiements_retiennent_les_coordonnees_de_leur_date(client, demo, gestionnaire):
    demande = creer_demande(1, StatutDemande.DECIDEE)
    ancien = CoordonneesBancaires.objects.get(fournisseur=demande.fournisseur, statut="VALIDEES")
    faites, _ = payer(demande, gestionnaire)
    assert faites

    client.force_login(utilisateur("relais"))
    demander_changement(client)
    nouvelles = en_attente()
    from demandes.enrolement import coordonnees

    coordonnees.valider(nouvelles, par=gestionnaire)
    faites, _ = payer(demande, gestionnaire, montant="200.00")
    assert faites

    assert list(Paiement.objects.order_by("id").values_list("montant", "coordonnees_bancaires")) == [
        (Decimal("100.00"), ancien.pk),
        (Decimal("200.00"), nouvelles.pk),
    ]
    # Each payment shows where it went, to the supplier and to the manager.
    paiements = page(client.get(f"/demandes/{demande.pk}/")).table(
        ["Date du paiement", "Montant", "Statut", "Versé sur le compte"]
    )
    assert sorted(ligne[1] + " " + ligne[3] for ligne in paiements) == [
        f"100,00 € {IBAN_DEMO}",
        f"200,00 € {NOUVEL_IBAN_MASQUE}",
    ]
    client.force_login(gestionnaire)
    dossier = page(client.get(f"/admin/demandes/demande/{demande.pk}/change/"))
    lignes = dossier.table(
        ["Date du paiement", "Montant", "Statut", "Versé sur le compte", "Enregistré par", "Enregistré le"]
    )
    assert sorted(ligne[3] for ligne in lignes) == [IBAN_DEMO, NOUVEL_IBAN_MASQUE]


def test_paiement_refuse_sans_coordonnees_validees(client_gestionnaire):
    demande = creer_demande(1, StatutDemande.DECIDEE)
    CoordonneesBancaires.objects.filter(fournisseur=demande.fournisseur).delete()
    dossier = client_gestionnaire.get(f"/admin/demandes/demande/{demande.pk}/change/")
    reponse = client_gestionnaire.post(
        bouton_de_decision(dossier, "Enregistrer un paiement"),
        {"montant": "100.00", "date_paiement": "2024-03-01", "statut": StatutPaiement.EN_COURS},
        follow=True,
    )
    assert (
        "error",
        "Le paiement n'a pas été enregistré : le fournisseur n'a pas de coordonnées bancaires validées : "
        "le paiement ne peut pas être enregistré.",
    ) in messages_de_la_page(reponse)
    assert not Paiement.objects.exists()


def test_deux_demandes_simultanees_une_seule_en_attente(demo):
    """Two requests at the same moment both pass the first check; the database constraint keeps one,
    the other gets the same message (as if the first had been seen)."""
    from django.db.models import QuerySet

    from demandes.enrolement import coordonnees

    relais = utilisateur("relais")
    premiere = coordonnees.demander_changement(
        relais.fournisseur,
        iban="FR7630003000040111111111167",
        bic="SOGEFRPP",
        rib=SimpleUploadedFile("rib.pdf", PDF),
        par=relais,
    )
    with mock.patch.object(QuerySet, "exists", return_value=False):  # the check saw no pending change
        with pytest.raises(coordonnees.CoordonneesRefusees, match="déjà en attente de validation par l'ASP"):
            coordonnees.demander_changement(
                relais.fournisseur,
                iban="FR7630004000020987654321094",
                bic="AGRIFRPPXXX",
                rib=SimpleUploadedFile("rib.pdf", PDF),
                par=relais,
            )
    assert list(CoordonneesBancaires.objects.filter(statut="EN_ATTENTE")) == [premiere]
