"""Every beneficiary carries its demande's type, couloir and logiciel, and `vivant` equals « its
demande's status is live »: E306 then reads the beneficiaries alone, through the index of the
constraint un_beneficiaire_par_type_et_sorte_de_solution. Rows written before the real import
copied them (or by hand) get them from their demande here; 0010 then makes them required (in its
own transaction: PostgreSQL alters no table with trigger events pending from these updates)."""

from django.db import migrations, models
from django.db.models import OuterRef, Subquery

STATUTS_VIVANTS = ["EN_ATTENTE_PIECES", "DEPOSEE", "EN_INSTRUCTION", "DECIDEE"]


def completer(apps, schema_editor):
    Beneficiaire = apps.get_model("demandes", "Beneficiaire")
    Demande = apps.get_model("demandes", "Demande")
    de_sa_demande = Demande.objects.filter(pk=OuterRef("demande_id"))
    incomplets = Beneficiaire.objects.filter(
        models.Q(couloir__isnull=True) | models.Q(logiciel__isnull=True) | models.Q(type_demande="")
    )
    incomplets.update(
        type_demande=Subquery(de_sa_demande.values("type_demande")[:1]),
        couloir=Subquery(de_sa_demande.values("solution__couloir_id")[:1]),
        logiciel=Subquery(de_sa_demande.values("solution__logiciel_id")[:1]),
    )
    Beneficiaire.objects.filter(vivant=True).exclude(demande__statut__in=STATUTS_VIVANTS).update(vivant=False)


class Migration(migrations.Migration):
    dependencies = [("demandes", "0008_noms_import_demandes_et_rang")]

    operations = [
        migrations.RunPython(completer, migrations.RunPython.noop),
    ]
