import django_tables2 as tables
from django.urls import reverse
from django.utils import timezone

from .models import Demande


class DemandeTable(tables.Table):
    numero = tables.Column(
        verbose_name="Numéro de dossier", linkify=lambda record: reverse("demande", args=[record.pk])
    )
    type_demande = tables.Column(verbose_name="Type")
    numero_editeur = tables.Column(verbose_name="Numéro Editeur")
    logiciel = tables.Column(verbose_name="Logiciel", accessor="solution__logiciel__code")
    vague = tables.Column(verbose_name="Vague", accessor="solution__vague")
    # Plain columns: django-tables2's DateColumn compiles a template for every cell.
    date_depot = tables.Column(verbose_name="Date dépôt")
    date_commande = tables.Column(verbose_name="Date de la commande")
    statut = tables.Column(verbose_name="Statut")
    statut_paiement = tables.Column(verbose_name="Statut du dernier paiement", empty_values=())

    legende = "Liste des demandes d'avance et de solde :"

    class Meta:
        model = Demande
        empty_text = "Aucune demande ne correspond à ces critères."
        fields = [
            "numero",
            "type_demande",
            "numero_editeur",
            "logiciel",
            "vague",
            "date_depot",
            "date_commande",
            "statut",
            "statut_paiement",
        ]
        order_by = "-date_depot"
        attrs = {"id": "liste-demandes"}

    def render_numero(self, record):
        return record.numero_dossier

    def render_type_demande(self, record):
        return record.get_type_demande_display().upper()

    def render_date_depot(self, value):
        return timezone.localtime(value).strftime("%d/%m/%Y")

    def render_date_commande(self, value):
        return value.strftime("%d/%m/%Y")

    def render_statut_paiement(self, record):
        return record.get_statut_paiement_display() or "—"
