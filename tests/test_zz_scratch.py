import datetime, html, re
from decimal import Decimal
import pytest
from django.contrib.messages import get_messages
from demandes.models import *
from .test_ecrans import utilisateur, texte

@pytest.fixture(autouse=True)
def environnement(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "fichiers")

def mk(n, statut):
    s = Solution.objects.get(numero_ans="mlp525off1")
    return Demande.objects.create(numero=f"FINMDV{n:06d}", version=0, type_demande="AVANCE", fournisseur=s.fournisseur,
        solution=s, numero_editeur=f"E{n}", date_commande=datetime.date(2021,11,24), regime_tva="TTC",
        montant_ht=Decimal("1000.00"), statut=statut, scenario={"a": True, "b": "x"}, ligne_json='{"x": 1}')

def test_x(client, demo):
    g = utilisateur("gestionnaire")
    client.force_login(g)
    d = mk(1, "DECIDEE")
    r = client.post("/admin/demandes/demande/", {"action": "enregistrer_un_paiement", "_selected_action": [d.pk], "index": 0})
    print(re.findall(r"<(?:input|select|option|label)[^>]*>[^<]*", r.content.decode()))
    client.raise_request_exception = False
    r = client.get("/admin/demandes/demande/exporter/?date_depot__gte=pasunedate")
    print(r.status_code, r.get("Location"))
    r = client.get("/admin/demandes/demande/?date_depot__gte=pasunedate")
    print(r.status_code, r.get("Location"))
    r = client.get("/admin/demandes/demande/exporter/?bidule=1")
    print(r.status_code, r.get("Location"))
    r = client.get("/admin/demandes/demande/exporter/?o=99")
    print(r.status_code, r.get("Location"))
    r = client.get("/admin/")
    print(texte(r)[-1500:])
