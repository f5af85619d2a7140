from django import forms
from django.conf import settings
from dsfr.forms import DsfrBaseForm

from segur_portal.formats import taille_lisible


class ZipForm(DsfrBaseForm):
    fichier = forms.FileField(
        label="Importer un fichier zip :",
        widget=forms.ClearableFileInput(attrs={"accept": ".zip,application/zip"}),
        error_messages={"required": "Choisissez le fichier zip à importer.", "empty": "Le fichier choisi est vide."},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        aide = f"Archive .zip de {taille_lisible(settings.SEGUR_MAX_ZIP_BYTES)} au plus."
        # The DSFR form builds its bound fields in __init__: set the hint on both.
        self.fields["fichier"].help_text = self["fichier"].help_text = aide
