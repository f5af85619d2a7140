import django_tables2 as tables
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html

from .models import Import


class ImportTable(tables.Table):
    id = tables.Column(verbose_name="Identifiant", linkify=lambda record: reverse("imports:ecran", args=[record.pk]))
    date_creation = tables.Column(verbose_name="Date d'importation")
    numero_ans = tables.Column(verbose_name="Numéro ANS")
    type_demande = tables.Column(verbose_name="Type de demande")
    nom_fichier = tables.Column(verbose_name="Nom du fichier")
    nb_lignes = tables.Column(verbose_name="Nbre de demande")
    nb_retenues = tables.Column(verbose_name="Nbre de demandes retenues")
    nb_rejetees = tables.Column(verbose_name="Nbre de demandes rejetées")
    fichier = tables.Column(verbose_name="Fichier JSON", orderable=False, empty_values=())
    etat = tables.Column(verbose_name="État", empty_values=())

    legende = "Liste des imports :"

    class Meta:
        model = Import
        empty_text = "Aucun import ne correspond à ces critères."
        fields = [
            "id",
            "date_creation",
            "numero_ans",
            "type_demande",
            "nom_fichier",
            "nb_lignes",
            "nb_retenues",
            "nb_rejetees",
            "fichier",
            "etat",
        ]
        order_by = "-id"
        attrs = {"id": "liste-imports"}

    def render_date_creation(self, value):
        return timezone.localtime(value).strftime("%d/%m/%Y")

    def _importe(self, record):
        return record.etat in (Import.Etat.IMPORTE, Import.Etat.TERMINE)

    def render_nb_retenues(self, value, record):
        return value if self._importe(record) else "—"

    def render_nb_rejetees(self, value, record):
        return value if self._importe(record) else "—"

    def render_fichier(self, record):
        lien = format_html(
            '<a class="fr-link fr-icon-download-line fr-link--icon-left" href="{}">JSON</a>',
            reverse("imports:fichier", args=[record.pk]),
        )
        if record.fichier_sortie:
            lien += format_html(' <a class="fr-link" href="{}">Sortie</a>', reverse("imports:sortie", args=[record.pk]))
        return lien

    def render_etat(self, record):
        if record.resultat != Import.Resultat.SIMULATION_OK:
            return record.get_resultat_display()
        return record.get_etat_display()
