"""What the ASP managers' admin shows and does (spec §7): the demande changelist's URLs, columns
and actions, the CSV export's headers, the group's exact permissions; running an action as a
manager would, and reading back its messages, the rows and the statuses."""

import re

from demandes.models import Demande
from tests.pages import messages_de_la_page, page

LISTE = "/admin/demandes/demande/"


EXPORT = "/admin/demandes/demande/exporter/"


COLONNES_ADMIN = [
    "",
    "Numéro de dossier",
    "Statut",
    "Montant HT",
    "Fournisseur",
    "Couloir",
    "Dépôt",
    "Jours d'attente",
    "Gestionnaire",
    "Statut du dernier paiement",
]


ENTETES_CSV = [
    "Numéro de dossier",
    "Type",
    "SIRET",
    "Dénomination",
    "Couloir",
    "Logiciel",
    "Vague",
    "Montant HT",
    "Date de dépôt",
    "Statut",
    "Statut du dernier paiement",
]


ACTIONS = ["m_attribuer", "passer_en_instruction", "decider", "rejeter", "enregistrer_un_paiement", "exporter_csv"]


MOTIF_OBLIGATOIRE = "Le motif du rejet est obligatoire."


# The group's permissions, written out here (not read from demandes.gestionnaires) so that any
# change to the group is a deliberate change to this list.
PERMISSIONS_GESTIONNAIRES = {
    "demandes.view_demande",
    "demandes.change_demande",
    "demandes.instruire_demande",
    "demandes.enregistrer_paiement",
    "demandes.view_beneficiaire",
    "demandes.view_pieceattendue",
    "demandes.view_paiement",
    "demandes.view_demandedecomplements",
    "demandes.view_jetonapi",
    "demandes.change_jetonapi",
    "demandes.view_demandeenrolement",
    "demandes.change_demandeenrolement",
    "demandes.view_coordonneesbancaires",
    "demandes.change_coordonneesbancaires",
    *(
        f"demandes.{action}_{modele}"
        for action in ("view", "add", "change")
        for modele in (
            "fournisseur",
            "solution",
            "utilisateur",
            "couloir",
            "logiciel",
            "operateurmessagerie",
            "typepiece",
            "solutionreferencee",
        )
    ),
    "imports.view_import",
    "imports.view_erreurligne",
    "piecesjointes.view_zipdepose",
    "piecesjointes.view_entreezip",
    "piecesjointes.view_piecerecue",
    "piecesjointes.view_piececomplementaire",
}


def agir(client, action, demandes, **donnees):
    """Runs an admin action on the changelist. With `donnees`, the intermediate form is confirmed."""
    formulaire = {"action": action, "_selected_action": [d.pk for d in demandes]}
    if donnees:
        formulaire.update(confirmer="1", **donnees)
    else:
        formulaire["index"] = "0"
    reponse = client.post(LISTE, formulaire)
    reponse.messages_affiches = []
    if reponse.status_code == 302 and reponse["Location"] == LISTE:
        # The changelist the manager is sent back to shows (and consumes) the action's messages.
        reponse.messages_affiches = messages_de_la_page(client.get(LISTE))
    return reponse


def messages_de(reponse) -> list[tuple[str, str]]:
    return getattr(reponse, "messages_affiches", None) or []


def statuts(*demandes) -> list[tuple[str, str]]:
    return [tuple(Demande.objects.filter(pk=d.pk).values_list("statut", "statut_paiement").get()) for d in demandes]


def resultats(reponse) -> list[str]:
    """The dossier numbers of the changelist's rows, in order."""
    assert reponse.status_code == 200, reponse.status_code
    return re.findall(r'<th class="field-numero_dossier"><a href="[^"]+">([^<]+)</a></th>', reponse.content.decode())


def lignes_admin(reponse) -> list[list[str]]:
    return [l for l in page(reponse).table(COLONNES_ADMIN) if len(l) == len(COLONNES_ADMIN)]


def table_avec(reponse, entete) -> list[list[str]]:
    """The first table of the page whose header row has the column `entete` (the admin's sidebar
    of applications is a table too)."""
    return next(t for t in page(reponse).tables if t and entete in t[0])
