from django.db import migrations


def charger_referentiels(apps, schema_editor):
    from demandes import referentiels

    referentiels.charger(
        apps.get_model("demandes", "Couloir"), apps.get_model("demandes", "Logiciel"),
        apps.get_model("demandes", "OperateurMessagerie"), apps.get_model("demandes", "TypePiece"),
    )


class Migration(migrations.Migration):
    dependencies = [("demandes", "0001_initial")]
    operations = [migrations.RunPython(charger_referentiels, migrations.RunPython.noop)]
