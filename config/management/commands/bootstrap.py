from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from rest_framework.authtoken.models import Token

from config.jobs.periodic import ensure_periodic_tasks
from config.ops.staff import ensure_triage_staff_group


class Command(BaseCommand):
    help = "Create or update the periodic tasks and the Triage staff group; --demo adds a demo login."

    def add_arguments(self, parser):
        parser.add_argument("--demo", action="store_true", help="Create the demo superuser (DEBUG only).")
        parser.add_argument(
            "--reset-schedules", action="store_true", help="Put periodic task schedules back to their defaults."
        )

    def handle(self, *args, demo: bool, reset_schedules: bool, **options):
        for name, outcome in ensure_periodic_tasks(reset_schedules=reset_schedules).items():
            self.stdout.write(f"periodic task {name}: {outcome}")
        ensure_triage_staff_group()
        self.stdout.write("group Triage staff: ready")
        if demo:
            self._ensure_demo_login()

    def _ensure_demo_login(self):
        if not settings.DEBUG:
            raise CommandError("Refusing to create the demo login with DEBUG off.")
        user, created = get_user_model().objects.get_or_create(
            username=settings.DEMO_USERNAME, defaults={"is_staff": True, "is_superuser": True}
        )
        if created:
            user.set_password(settings.DEMO_PASSWORD)
            user.save()
        token, _ = Token.objects.get_or_create(user=user)
        self.stdout.write(
            self.style.SUCCESS(
                f"demo login: {settings.DEMO_USERNAME} / {settings.DEMO_PASSWORD}  (API token: {token.key})"
            )
        )
