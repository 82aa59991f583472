from django.core.management.base import BaseCommand

from issues.archiving import issues_archive_stale


class Command(BaseCommand):
    help = "Archive issues with no activity for ARCHIVE_AFTER_DAYS (what the daily beat job does)."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Only report what would be archived.")
        parser.add_argument("--days", type=int, default=None, help="Inactivity in days (default ARCHIVE_AFTER_DAYS).")
        parser.add_argument("--batch-size", type=int, default=None, help="Issues per batch (ARCHIVE_BATCH_SIZE).")

    def handle(self, *args, dry_run: bool, days: int | None, batch_size: int | None, **options):
        report = issues_archive_stale(dry_run=dry_run, after_days=days, batch_size=batch_size)
        verb = "would archive" if dry_run else "archived"
        self.stdout.write(f"{verb} {report.archived} issue(s) inactive since before {report.cutoff:%Y-%m-%d %H:%M} UTC")
        if not dry_run:
            self.stdout.write(f"batches: {report.batches}")
        if report.sample:
            more = report.archived - len(report.sample)
            self.stdout.write("  " + ", ".join(report.sample) + (f" and {more} more" if more > 0 else ""))
