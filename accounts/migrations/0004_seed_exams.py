from django.db import migrations

from accounts.exam_bank import exam_bank_sync


def seed(apps, schema_editor):
    exam_bank_sync(
        Exam=apps.get_model("accounts", "Exam"),
        ExamQuestion=apps.get_model("accounts", "ExamQuestion"),
        Domain=apps.get_model("accounts", "Domain"),
    )


class Migration(migrations.Migration):
    dependencies = [("accounts", "0003_seed_domains")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
