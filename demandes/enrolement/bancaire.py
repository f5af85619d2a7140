"""Bank details as the forms read them: IBAN and BIC checked by schwifty, the RIB a PDF checked by
its content like the pieces (segur_portal.fichiers), the IBAN masked wherever a supplier sees it.
One home for these checks: the request for access and the change of bank details both use
ChampsBancairesMixin."""

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from schwifty import BIC, IBAN
from schwifty.exceptions import SchwiftyException

from segur_portal import formats
from segur_portal.fichiers import extension, motif_du_contenu, nom_affichable
from segur_portal.formats import masquer_iban  # noqa: F401 (the forms' and pages' home of bank details)
from segur_portal.telechargement import reponse_fichier


def iban_normalise(valeur: str) -> str:
    """« FR76 3000 6000 … » → « FR763000600… », or ValidationError in French."""
    texte = "".join((valeur or "").split()).upper()
    if not texte:
        raise ValidationError("Saisissez l'IBAN du compte qui recevra les paiements.", code="requis")
    try:
        return IBAN(texte).compact
    except SchwiftyException:
        raise ValidationError(
            "IBAN invalide : vérifiez-le sur votre RIB (27 caractères pour un compte en France, "
            "commençant par FR, avec une clé de contrôle correcte).",
            code="iban",
        ) from None


def bic_normalise(valeur: str) -> str:
    texte = "".join((valeur or "").split()).upper()
    if not texte:
        raise ValidationError("Saisissez le BIC de la banque.", code="requis")
    try:
        return str(BIC(texte))
    except SchwiftyException:
        raise ValidationError(
            "BIC invalide : 8 ou 11 caractères, tels qu'ils figurent sur votre RIB (exemple : BNPAFRPPXXX).",
            code="bic",
        ) from None


def iban_lisible(iban: str) -> str:
    """« FR76 3000 6000 0112 3456 7890 189 »: as printed on a RIB, for a manager to compare with the PDF."""
    compact = "".join((iban or "").split())
    return " ".join(compact[i : i + 4] for i in range(0, len(compact), 4))


def reponse_rib(champ, siret: str):
    """A RIB downloaded by a manager: always as an attachment, never sniffed into another type (a file
    from outside the ASP, though checked as a PDF). Http404 when the storage no longer has it."""
    reponse = reponse_fichier(champ, f"RIB-{siret}.pdf", "application/pdf")
    reponse["X-Content-Type-Options"] = "nosniff"
    return reponse


def verifier_rib(fichier) -> None:
    """The RIB: a .pdf whose bytes are a PDF (python-magic), SEGUR_MAX_PIECE_BYTES at most."""
    nom = nom_affichable(getattr(fichier, "name", ""))
    if extension(nom) != ".pdf":
        raise ValidationError(f"Le RIB doit être un fichier PDF (.pdf) : « {nom} » n'en est pas un.", code="rib")
    plafond = settings.SEGUR_MAX_PIECE_BYTES
    fichier.seek(0)
    contenu = fichier.read(plafond + 1)
    fichier.seek(0)
    motif, _ = motif_du_contenu(contenu, nom, plafond=plafond)
    if motif:
        raise ValidationError(f"RIB « {nom} » refusé : {motif}.", code="rib")


class ChampsBancairesMixin(forms.Form):
    """IBAN, BIC and RIB, cleaned: iban and bic compact and upper case, the RIB checked by content."""

    iban = forms.CharField(
        label="IBAN",
        max_length=50,
        help_text="Tel qu'il figure sur le RIB, par exemple FR76 3000 6000 0112 3456 7890 189.",
    )
    bic = forms.CharField(label="BIC", max_length=20, help_text="8 ou 11 caractères, par exemple BNPAFRPPXXX.")
    rib = forms.FileField(
        label="RIB (relevé d'identité bancaire)",
        help_text="Un fichier PDF, {taille} au plus.",
        error_messages={"required": "Joignez le RIB du compte, au format PDF."},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["rib"].help_text = self.fields["rib"].help_text.format(
            taille=formats.taille_lisible(settings.SEGUR_MAX_PIECE_BYTES)
        )
        self.fields["rib"].widget.attrs["accept"] = ".pdf,application/pdf"

    def clean_iban(self):
        return iban_normalise(self.cleaned_data.get("iban", ""))

    def clean_bic(self):
        return bic_normalise(self.cleaned_data.get("bic", ""))

    def clean_rib(self):
        fichier = self.cleaned_data.get("rib")
        if fichier:
            verifier_rib(fichier)
        return fichier
