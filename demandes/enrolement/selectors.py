"""Reads of the enrolment. One home for « may this SIRET claim these numéros ANS? »: the public
form refuses with these reasons, the manager's side-by-side check shows them line by line, and the
validation checks them again (the référentiel or the portal may have changed in between)."""

from dataclasses import dataclass

from ..models import DemandeEnrolement, Fournisseur, Solution, SolutionReferencee

STATUTS_EN_INSTRUCTION = (DemandeEnrolement.Statut.A_VERIFIER, DemandeEnrolement.Statut.COMPLEMENT_DEMANDE)


@dataclass(frozen=True)
class SituationNumero:
    """A claimed numéro ANS: its référentiel line (or None), the Solution that already carries it on
    the portal (or None), and why it cannot be granted to the SIRET (None: it can)."""

    numero_ans: str
    ligne: SolutionReferencee | None
    solution: Solution | None
    motif: str | None

    @property
    def conforme(self) -> bool:
        return self.motif is None

    @property
    def message(self) -> str:
        """The motif as a sentence of its own (a form's error, a manager's refusal)."""
        return f"{self.motif[:1].upper()}{self.motif[1:]}." if self.motif else ""


def situation_des_numeros(siret: str, numeros: list[str]) -> list[SituationNumero]:
    """One SituationNumero per claimed numéro, in the order given (two queries whatever their number).
    A numéro already attached to this SIRET's own fournisseur is conforme: validating again adds nothing."""
    lignes = {ligne.numero_ans: ligne for ligne in SolutionReferencee.objects.filter(numero_ans__in=numeros)}
    solutions = {
        solution.numero_ans: solution
        for solution in Solution.objects.filter(numero_ans__in=numeros).select_related("fournisseur")
    }
    situations = []
    for numero in numeros:
        ligne, solution = lignes.get(numero), solutions.get(numero)
        if ligne is None:
            motif = f"le numéro ANS « {numero} » est inconnu du référentiel ANS"
        elif ligne.siret != siret:
            motif = f"le numéro ANS « {numero} » est référencé pour un autre SIRET que {siret}"
        elif solution is not None and solution.fournisseur.siret != siret:
            motif = f"le numéro ANS « {numero} » est déjà rattaché à un autre fournisseur du portail"
        else:
            motif = None
        situations.append(SituationNumero(numero, ligne, solution, motif))
    return situations


def siret_deja_enrole(siret: str) -> bool:
    """The SIRET's structure is on the portal with at least one active account: it adds users
    through its administrator's invitations, not through a new request for access."""
    return Fournisseur.objects.filter(siret=siret, utilisateurs__is_active=True).exists()


def demande_en_instruction(siret: str) -> DemandeEnrolement | None:
    return DemandeEnrolement.objects.filter(siret=siret, statut__in=STATUTS_EN_INSTRUCTION).first()
