"""What the engine reports: a whole file refused, or the anomalies of one line."""

from dataclasses import dataclass, field

MESSAGE_FORMAT = "Le JSON chargé ne respecte pas le format attendu"
MESSAGE_REGIME = "Le régime de TVA renseigné dans le JSON est différent de celui renseigné dans ce formulaire"


class FichierRejete(Exception):
    """The file is refused before any line is evaluated (spec §3.1): for its content (numéro ANS,
    SIRET, régime de TVA, deposit window) or, as FormatNonRespecte, for its format."""

    de_format = False  # the JSON itself is unreadable or does not follow the schema

    def __init__(self, message: str, details: list[str] | None = None):
        super().__init__(message)
        self.message = message
        self.details = list(details or [])


class FormatNonRespecte(FichierRejete):
    """The file is not the JSON the documentation describes: encoding, syntax, size, schema
    (« Le JSON chargé ne respecte pas le format attendu »)."""

    de_format = True

    def __init__(self, details: list[str] | None = None):
        super().__init__(MESSAGE_FORMAT, details)


@dataclass(frozen=True)
class Anomalie:
    code: str
    chemin: str  # path inside the line, e.g. beneficiaires.structure.FINESSGeo[1]
    message: str

    def libelle(self) -> str:
        return f"{self.code} {self.chemin} : {self.message}"


@dataclass
class ResultatLigne:
    rang: int  # 1-based position in lignesImport
    num_ligne: object
    numero_editeur: object
    anomalies: list[Anomalie] = field(default_factory=list)

    @property
    def valide(self) -> bool:
        return not self.anomalies

    def code_traitement(self) -> str:
        return "OK" if self.valide else self.anomalies[0].code

    def libelle_traitement(self) -> str:
        if self.valide:
            return "Demande valide"
        return " ; ".join(a.libelle() for a in self.anomalies)
