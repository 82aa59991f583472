import pytest
from django.core.management import call_command


@pytest.mark.django_db
def test_every_model_change_has_its_migration():
    # Exits non-zero (SystemExit) when a model differs from what its migrations build.
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)
