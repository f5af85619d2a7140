"""The forms of the public request for access: « Demander un accès » and its complément. Every check
has one home elsewhere and is only called here: the SIRET's key (validateurs), the numéros ANS
(selectors.situation_des_numeros), the SIRET already enrolled or under instruction (selectors), the
IBAN, BIC and RIB (bancaire.ChampsBancairesMixin)."""

import re

from django import forms
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.html import format_html
from dsfr.forms import DsfrBaseForm

from ..validateurs import telephone_fr_valide, valider_siret
from . import selectors
from .bancaire import ChampsBancairesMixin
from .depot import CHAMPS_MODIFIABLES, MESSAGE_DEJA_EN_INSTRUCTION

MESSAGE_DEJA_ENROLE = (
    "Ce SIRET est déjà enrôlé sur le portail : demandez à l'administrateur de votre structure de vous inviter."
)
MESSAGE_CONDITIONS = "Cochez « J'accepte les conditions d'utilisation du portail » pour envoyer votre demande."
# More numéros than any vendor has: beyond, the textarea is not what it should be.
NUMEROS_MAX = 100
_SEPARATEURS_NUMEROS = re.compile(r"[\s,;]+")


def _requis(message: str) -> dict[str, str]:
    return {"required": message}


class DemandeAccesForm(ChampsBancairesMixin, DsfrBaseForm):
    """« Demander un accès »: the structure, its contact, the numéros ANS it claims, its bank
    details, the terms. The template shows the fields in the fieldsets of GROUPES."""

    GROUPES = (
        ("structure", "Votre structure", ("siret", "denomination", "adresse", "code_postal", "commune")),
        (
            "contact",
            "La personne à contacter",
            ("contact_nom", "contact_prenom", "contact_fonction", "contact_email", "contact_telephone"),
        ),
        ("solutions", "Vos solutions référencées", ("numeros_ans",)),
        ("banque", "Coordonnées bancaires pour les paiements", ("iban", "bic", "rib")),
        ("conditions", "Conditions d'utilisation", ("conditions",)),
    )

    siret = forms.CharField(
        label="SIRET",
        max_length=20,
        help_text="14 chiffres, espaces acceptés, par exemple 552 100 554 00013.",
        error_messages=_requis("Saisissez le SIRET de votre structure."),
    )
    denomination = forms.CharField(
        label="Dénomination sociale",
        max_length=200,
        error_messages=_requis("Saisissez la dénomination sociale de votre structure."),
    )
    adresse = forms.CharField(
        label="Adresse",
        max_length=250,
        help_text="Numéro et voie, complément éventuel.",
        error_messages=_requis("Saisissez l'adresse de votre structure."),
    )
    code_postal = forms.RegexField(
        label="Code postal",
        regex=r"^\d{5}$",
        max_length=5,
        error_messages={
            "required": "Saisissez le code postal.",
            "invalid": "Code postal invalide : 5 chiffres, par exemple 75012.",
        },
    )
    commune = forms.CharField(label="Commune", max_length=100, error_messages=_requis("Saisissez la commune."))
    contact_nom = forms.CharField(label="Nom", max_length=150, error_messages=_requis("Saisissez votre nom."))
    contact_prenom = forms.CharField(label="Prénom", max_length=150, error_messages=_requis("Saisissez votre prénom."))
    contact_fonction = forms.CharField(
        label="Fonction",
        max_length=150,
        help_text="Par exemple : directeur commercial, responsable des relations avec l'ASP.",
        error_messages=_requis("Saisissez votre fonction dans la structure."),
    )
    contact_email = forms.EmailField(
        label="Adresse électronique",
        max_length=254,
        help_text="Un lien de confirmation y est envoyé ; la décision de l'ASP aussi.",
        error_messages={
            "required": "Saisissez votre adresse électronique.",
            "invalid": "Adresse électronique invalide : par exemple prenom.nom@editeur.fr.",
        },
    )
    contact_telephone = forms.CharField(
        label="Téléphone",
        max_length=30,
        help_text="Par exemple 01 23 45 67 89 ou +33 1 23 45 67 89.",
        error_messages=_requis("Saisissez votre numéro de téléphone."),
    )
    numeros_ans = forms.CharField(
        label="Numéros ANS de vos solutions référencées",
        max_length=3000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Un numéro par ligne (ou séparés par des virgules), tels qu'ils figurent dans le référentiel "
        "ANS des solutions référencées Ségur pour votre SIRET.",
        error_messages=_requis("Saisissez au moins un numéro ANS."),
    )
    conditions = forms.BooleanField(
        label="J'accepte les conditions d'utilisation du portail",
        error_messages=_requis(MESSAGE_CONDITIONS),
    )

    field_order = [champ for _, _, champs in GROUPES for champ in champs]

    # The complément's form sets it False: its SIRET is the request's own, under instruction.
    verifier_siret_libre = True

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # No crispy here: the template lays the fields out in the fieldsets of GROUPES.
        self.fields["numeros_ans"].widget.attrs["spellcheck"] = "false"
        self.fields["siret"].widget.attrs.update({"inputmode": "numeric", "autocomplete": "off"})
        self.fields["contact_email"].widget.attrs["autocomplete"] = "email"
        self.fields["contact_telephone"].widget.input_type = "tel"
        self.fields["contact_telephone"].widget.attrs["autocomplete"] = "tel"
        # A new window: the form keeps what was typed (the RIB chosen included).
        self.fields["conditions"].help_text = format_html(
            '<a href="{}" target="_blank" rel="noopener" title="{}">{}</a>',
            reverse("conditions_utilisation"),
            "Conditions d'utilisation du portail — nouvelle fenêtre",
            "Lire les conditions d'utilisation",
        )
        self._aides_a_jour()

    def _aides_a_jour(self) -> None:
        # DsfrBaseForm builds the bound fields in its __init__, and a bound field copies its field's
        # help text then: the texts set since (the RIB's size, the terms' link) are passed on.
        for nom, champ in self.fields.items():
            self[nom].help_text = champ.help_text

    def groupes(self):
        """(id, legend, bound fields) of each fieldset, for the template."""
        return [(ident, legende, [self[champ] for champ in champs]) for ident, legende, champs in self.GROUPES]

    def clean_siret(self):
        siret = "".join(self.cleaned_data["siret"].split())
        valider_siret(siret)
        if self.verifier_siret_libre:
            # Refused before anything is stored: the structure goes through its own team, or waits.
            if selectors.siret_deja_enrole(siret):
                raise ValidationError(MESSAGE_DEJA_ENROLE, code="deja_enrole")
            if selectors.demande_en_instruction(siret) is not None:
                raise ValidationError(MESSAGE_DEJA_EN_INSTRUCTION, code="en_instruction")
        return siret

    def clean_contact_telephone(self):
        telephone = self.cleaned_data["contact_telephone"].strip()
        if not telephone_fr_valide(telephone):
            raise ValidationError(
                "Numéro de téléphone invalide : 10 chiffres commençant par 0 (ou +33), par exemple 01 23 45 67 89.",
                code="telephone",
            )
        return telephone

    def clean_numeros_ans(self):
        numeros = list(dict.fromkeys(n for n in _SEPARATEURS_NUMEROS.split(self.cleaned_data["numeros_ans"]) if n))
        if not numeros:
            raise ValidationError("Saisissez au moins un numéro ANS.", code="required")
        if len(numeros) > NUMEROS_MAX:
            raise ValidationError(f"Au plus {NUMEROS_MAX} numéros ANS par demande.", code="trop")
        return numeros

    def clean(self):
        donnees = super().clean()
        siret, numeros = donnees.get("siret"), donnees.get("numeros_ans")
        if siret and numeros:
            # One error per numéro refused, in the words of the one home of this rule.
            for situation in selectors.situation_des_numeros(siret, numeros):
                if not situation.conforme:
                    self.add_error("numeros_ans", ValidationError(situation.message, code="numero_ans"))
        return donnees


class ComplementForm(DemandeAccesForm):
    """The same form, prefilled from the request: its SIRET and its confirmed address shown, not
    editable (a disabled field keeps its initial value whatever is posted), a new RIB optional."""

    verifier_siret_libre = False

    def __init__(self, *args, demande, initial=None, **kwargs):
        """`initial`: what was typed in a POST refused before its validation (the throttle); the
        request's own values otherwise, its SIRET and address whatever was typed."""
        enregistre = {champ: getattr(demande, champ) for champ in CHAMPS_MODIFIABLES}
        enregistre["numeros_ans"] = "\n".join(demande.numeros_ans)
        fixe = {"siret": demande.siret, "contact_email": demande.contact_email}
        super().__init__(*args, initial=enregistre | (initial or {}) | fixe, **kwargs)
        for champ in ("siret", "contact_email"):
            self.fields[champ].disabled = True
        self.fields["siret"].help_text = "Le SIRET de la demande ne change pas."
        self.fields["contact_email"].help_text = "L'adresse confirmée de la demande ne change pas."
        self.fields["rib"].required = False
        self.fields["rib"].help_text = (
            "Laissez ce champ vide pour garder le RIB déjà transmis. " + self.fields["rib"].help_text
        )
        self._aides_a_jour()
