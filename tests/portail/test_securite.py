"""Security of the accounts and of the responses: login throttling on the portal and the admin
(django-axes), password validators, and the headers of a supplier's page (CSP with nonces,
Permissions-Policy, no cache of authenticated pages, HSTS). The CSP in a real browser:
tests/navigateur/test_navigateur_csp.py."""

import re
import time

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError

from tests.documents import ligne_type, vers_octets
from tests.pages import page, texte
from tests.parcours import import_de, se_connecter, simuler

MESSAGE_BLOQUE = "Trop de tentatives de connexion ont échoué pour cet identifiant depuis votre adresse (5 au plus)."


# --- login throttling ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "url, identifiant", [("/connexion/", "relais"), ("/admin/login/", "gestionnaire")], ids=["portail", "admin"]
)
def test_cinq_echecs_bloquent_le_compte_depuis_cette_adresse(client, demo, url, identifiant):
    for _ in range(4):
        reponse = se_connecter(client, identifiant, "mauvais", url=url)
        assert reponse.status_code == 200  # the form again, with its error
    bloque = se_connecter(client, identifiant, "mauvais", url=url)
    assert bloque.status_code == 429
    assert MESSAGE_BLOQUE in texte(bloque)
    assert "bloquée pendant 15 minutes" in texte(bloque)

    # the right password does not get through any more, from this address
    reponse = se_connecter(client, identifiant, "demo", url=url)
    assert reponse.status_code == 429 and "_auth_user_id" not in client.session
    # the same account from another address, and another account from this one, still can
    assert se_connecter(client, "unikalo", "demo", url="/connexion/").status_code == 302
    client.logout()
    assert se_connecter(client, identifiant, "demo", adresse="198.51.100.20", url=url).status_code == 302


def test_un_succes_remet_le_compteur_a_zero(client, demo):
    for _ in range(4):
        se_connecter(client, "relais", "mauvais")
    assert se_connecter(client, "relais", "demo").status_code == 302
    client.logout()
    for _ in range(4):
        assert se_connecter(client, "relais", "mauvais").status_code == 200
    assert se_connecter(client, "relais", "demo").status_code == 302


def test_deblocage_par_le_temps(client, demo, settings):
    for _ in range(5):
        se_connecter(client, "relais", "mauvais")
    assert se_connecter(client, "relais", "demo").status_code == 429
    settings.AXES_COOLOFF_TIME = 0.0001  # hours (0.36 s): the lock expires
    time.sleep(0.5)
    assert se_connecter(client, "relais", "demo").status_code == 302


def test_deblocage_par_un_superutilisateur_dans_l_admin(client, demo):
    for _ in range(5):
        se_connecter(client, "relais", "mauvais")
    assert se_connecter(client, "relais", "demo").status_code == 429

    admin = get_user_model().objects.create_superuser("chef", "chef@asp.example.fr", "mot-de-passe-solide-42")
    client.force_login(admin)
    liste = client.get("/admin/axes/accessattempt/")
    assert liste.status_code == 200 and "relais" in texte(liste)
    tentative = AccessAttempt.objects.get(username="relais")
    reponse = client.post(f"/admin/axes/accessattempt/{tentative.pk}/delete/", {"post": "yes"})
    assert reponse.status_code == 302
    client.logout()
    assert se_connecter(client, "relais", "demo").status_code == 302


def test_un_gestionnaire_ne_voit_pas_les_tentatives(client, demo):
    client.force_login(get_user_model().objects.get(username="gestionnaire"))
    assert client.get("/admin/axes/accessattempt/").status_code == 403


@pytest.mark.parametrize(
    "mot_de_passe, message",
    [
        ("court", "Ce mot de passe est trop court. Il doit contenir au minimum 12 caractères."),
        ("qwertyuiop12", "Ce mot de passe est trop courant."),
        ("418529637481", "Ce mot de passe est entièrement numérique."),
    ],
)
def test_mots_de_passe_faibles_refuses(db, mot_de_passe, message):
    with pytest.raises(ValidationError) as refus:
        validate_password(mot_de_passe)
    assert message in refus.value.messages


def test_un_mot_de_passe_solide_est_accepte(db):
    validate_password("Ségur-numérique-2026-dépôt")


# --- response headers --------------------------------------------------------------------


def test_entetes_d_une_page_fournisseur(client_relais, settings):
    settings.SECURE_HSTS_SECONDS = 31_536_000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    reponse = client_relais.get("/imports/simulation/", secure=True)
    assert reponse.status_code == 200

    politique = reponse["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in politique.split(";") if d.strip())
    assert directives["default-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'" and directives["object-src"] == "'none'"
    assert "unsafe-inline" not in politique and "unsafe-eval" not in politique
    nonce = re.search(r"'nonce-([^']+)'", directives["script-src"]).group(1)
    scripts = re.findall(r"<script\b[^>]*>", reponse.content.decode())
    assert scripts, "la page charge le DSFR"
    for script in scripts:  # every script of the page carries this request's nonce
        assert f'nonce="{nonce}"' in script, script
    assert client_relais.get("/imports/simulation/")["Content-Security-Policy"] != politique  # a nonce per request

    assert "camera=()" in reponse["Permissions-Policy"] and "geolocation=()" in reponse["Permissions-Policy"]
    cache = {valeur.strip() for valeur in reponse["Cache-Control"].split(",")}
    assert {"private", "no-store"} <= cache
    assert reponse["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    assert reponse["X-Frame-Options"] == "DENY" and reponse["X-Content-Type-Options"] == "nosniff"
    assert reponse["Referrer-Policy"] == "same-origin"


def test_un_telechargement_prive_n_est_jamais_mis_en_cache(client_relais, document_ttc):
    document_ttc["lignesImport"] = [ligne_type(document_ttc, numeroEditeur="?")]  # an error: output offered
    import_demandes = import_de(simuler(client_relais, vers_octets(document_ttc)))
    ecran = page(client_relais.get(f"/imports/{import_demandes.pk}/"))
    lien = next(a for a in ecran.liens if a.attrs.get("href", "").endswith("/sortie/"))
    reponse = client_relais.get(lien.attrs["href"])
    assert reponse.status_code == 200
    assert {"private", "no-store"} <= {valeur.strip() for valeur in reponse["Cache-Control"].split(",")}
