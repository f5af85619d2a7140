"""The domain's shared values, in one place for the rule engine, the apps and the templates:
types of demande, taux de TVA and their régime, statuses with their labels and the DSFR badge
colour they are shown with (the same on the supplier's pages and in the managers' admin)."""

from django.db import models


class TypeDemande(models.TextChoices):
    AVANCE = "AVANCE", "Avance"
    SOLDE = "SOLDE", "Solde"

    @property
    def complement(self) -> str:
        """« une demande d'avance / de solde »."""
        return "d'avance" if self == TypeDemande.AVANCE else "de solde"


class TauxTVA(models.TextChoices):
    VINGT = "20", "20 %"
    HUIT_CINQ = "8.5", "8,5 %"
    ZERO = "0", "0 %"

    @property
    def regime(self) -> str:
        """20 % and 8,5 % are declared TTC, 0 % is HT (ASP guide)."""
        return RegimeTVA.HT if self == TauxTVA.ZERO else RegimeTVA.TTC


class RegimeTVA(models.TextChoices):
    TTC = "TTC", "TTC"
    HT = "HT", "HT"


class StatutDemande(models.TextChoices):
    EN_ATTENTE_PIECES = "EN_ATTENTE_PIECES", "En attente des pièces"
    DEPOSEE = "DEPOSEE", "Déposée"
    EN_INSTRUCTION = "EN_INSTRUCTION", "En instruction"
    # A manager asked the supplier for missing or replacement pieces; back « En instruction » once
    # the supplier has sent them (the code fits Demande.statut's 20 characters).
    A_COMPLETER = "A_COMPLETER", "En attente de compléments"
    DECIDEE = "DECIDEE", "Décidée"
    REJETEE = "REJETEE", "Rejetée"
    ANNULEE = "ANNULEE", "Annulée"

    @property
    def vivant(self) -> bool:
        return self in STATUTS_VIVANTS

    @property
    def couleur(self) -> str:
        return COULEUR_STATUT[self]


class StatutPaiement(models.TextChoices):
    EN_COURS = "EN_COURS", "Paiement en cours"
    EFFECTUE = "EFFECTUE", "Paiement effectué"

    @property
    def couleur(self) -> str:
        return COULEUR_PAIEMENT[self]


# A demande still "live" blocks duplicates (E104, E306); cancelled or rejected ones do not.
# (Lists in a fixed order: the database constraints on Demande and their migrations read them.)
STATUTS_VIVANTS = [
    StatutDemande.EN_ATTENTE_PIECES,
    StatutDemande.DEPOSEE,
    StatutDemande.EN_INSTRUCTION,
    StatutDemande.DECIDEE,
    StatutDemande.A_COMPLETER,
]
# Before instruction a demande may still be modified (M) or cancelled (A) by its fournisseur.
STATUTS_AVANT_INSTRUCTION = [StatutDemande.EN_ATTENTE_PIECES, StatutDemande.DEPOSEE]

# The DSFR system colours of `fr-badge--…`: what waits on the supplier (warning), what is with the
# ASP (info / new), what ended well (success) or not (error); a cancellation is plain.
COULEUR_STATUT = {
    StatutDemande.EN_ATTENTE_PIECES: "warning",
    StatutDemande.DEPOSEE: "new",
    StatutDemande.EN_INSTRUCTION: "info",
    StatutDemande.A_COMPLETER: "warning",
    StatutDemande.DECIDEE: "success",
    StatutDemande.REJETEE: "error",
    StatutDemande.ANNULEE: "",
}
COULEUR_PAIEMENT = {StatutPaiement.EN_COURS: "info", StatutPaiement.EFFECTUE: "success"}


def classe_badge(couleur: str) -> str:
    """The DSFR classes of a badge of that colour."""
    return f"fr-badge fr-badge--{couleur}" if couleur else "fr-badge"
