
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('issues', '0005_run_ledger_call'),
    ]

    operations = [
        migrations.AddField(
            model_name='issue',
            name='summary_set_by_human',
            field=models.BooleanField(default=False),
        ),
    ]
