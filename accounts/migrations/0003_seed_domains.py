from django.db import migrations

from accounts.taxonomy import taxonomy_sync


def seed(apps, schema_editor):
    taxonomy_sync(apps.get_model("accounts", "Domain"))


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_expert_onboarding")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
