"""What the tests of POST /api/v1/simulations and …/import share: the simulation posted over the API,
the same file through the screen (Django's test client, session of the same supplier), and the
output file without its impId (each import writes its own identifier there)."""

import re

from django.core.files.uploadedfile import SimpleUploadedFile

from imports.models import Import
from tests.pages import contenu_telecharge, texte
from tests.parcours import import_de, simuler

PROBLEME = "application/problem+json"


def simuler_par_l_api(api, contenu: bytes, *, nom="demandes.json", type_demande="avance", ans="mlp525off1", taux="20"):
    return api.post(
        "/api/v1/simulations",
        {
            "fichier": SimpleUploadedFile(nom, contenu, content_type="application/json"),
            "type_demande": type_demande,
            "numero_ans": ans,
            "taux_tva": taux,
        },
    )


def simuler_a_l_ecran(client, contenu: bytes, *, nom="demandes.json", taux="20") -> tuple[Import, str]:
    """The simulation form posted, then its result page as the supplier reads it."""
    import_demandes = import_de(simuler(client, contenu, nom=nom, taux=taux))
    return import_demandes, texte(client.get(f"/imports/{import_demandes.pk}/"))


def sortie_a_l_ecran(client, import_demandes: Import) -> bytes:
    reponse = client.get(f"/imports/{import_demandes.pk}/sortie/")
    assert reponse.status_code == 200
    return contenu_telecharge(reponse)


def sans_imp_id(sortie: bytes) -> bytes:
    """The output file with its impId blanked (the only value that differs between two imports)."""
    resultat, nombre = re.subn(rb'"impId"(\s*):(\s*)\d+', rb'"impId"\1:\2#', sortie, count=1)
    assert nombre == 1
    return resultat


def erreurs_de(import_demandes: Import) -> list[dict]:
    """The screen's table of errors, as the API names its columns."""
    return [
        {
            "numLigne": e.num_ligne,
            "numeroEditeur": e.numero_editeur,
            "code": e.code,
            "champ": e.champ,
            "message": e.message,
        }
        for e in import_demandes.erreurs.order_by("id")
    ]
