
from django.conf import settings
from django.db import migrations, models


def compress_payloads_with_lz4(apps, schema_editor):
    """Webhook payloads are tens of kilobytes and written once per delivery: lz4 compresses
    them several times faster than PostgreSQL's default pglz, where the server supports it."""
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT 1 FROM pg_settings WHERE name = 'default_toast_compression' AND 'lz4' = ANY(enumvals)"
        )
        if cursor.fetchone():
            cursor.execute("ALTER TABLE reviews_delivery ALTER COLUMN payload SET COMPRESSION lz4")


class Migration(migrations.Migration):

    dependencies = [
        ('reviews', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name='delivery',
            name='delivery_id',
            field=models.CharField(help_text='X-GitHub-Delivery; kept on redelivery.', max_length=100),
        ),
        migrations.AlterField(
            model_name='delivery',
            name='event',
            field=models.CharField(max_length=100),
        ),
        migrations.AlterField(
            model_name='delivery',
            name='repository',
            field=models.CharField(blank=True, max_length=140),
        ),
        migrations.AlterField(
            model_name='delivery',
            name='state',
            field=models.CharField(choices=[('pending', 'Pending'), ('running', 'Running'), ('done', 'Done'), ('failed', 'Failed'), ('skipped', 'Skipped')], default='pending', max_length=20),
        ),
        migrations.AlterField(
            model_name='review',
            name='state',
            field=models.CharField(choices=[('pending', 'Pending'), ('running', 'Running'), ('done', 'Done'), ('failed', 'Failed'), ('skipped', 'Skipped')], default='pending', max_length=20),
        ),
        migrations.AlterField(
            model_name='snippetreview',
            name='state',
            field=models.CharField(choices=[('pending', 'Pending'), ('running', 'Running'), ('done', 'Done'), ('failed', 'Failed'), ('skipped', 'Skipped')], default='pending', max_length=20),
        ),
        migrations.AddIndex(
            model_name='delivery',
            index=models.Index(fields=['state'], name='reviews_delivery_state'),
        ),
        migrations.AddIndex(
            model_name='review',
            index=models.Index(fields=['state'], name='reviews_review_state'),
        ),
        migrations.AddIndex(
            model_name='snippetreview',
            index=models.Index(fields=['state'], name='reviews_snippetreview_state'),
        ),
        migrations.AddConstraint(
            model_name='delivery',
            constraint=models.UniqueConstraint(fields=('delivery_id',), name='reviews_delivery_id_unique'),
        ),
        migrations.RunPython(compress_payloads_with_lz4, migrations.RunPython.noop),
    ]
