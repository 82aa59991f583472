"""Failed deliveries come back: GitHub never redelivers by itself, so a beat job
(`reviews.redeliver_failed`) reads the App's recent delivery attempts and asks GitHub to send
again each event (GUID) that has no `OK` attempt and that we do not hold, once per GUID.

The list comes newest first, 100 a page, following the `Link` header's next cursor; it is read
back to GitHub's window (3 days) or to where the previous complete run stopped, less an overlap.
"""

import logging
from datetime import timedelta

from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from config.jobs.errors import CapacityWait, PermanentError, TransientError
from reviews.models import Delivery, Redelivery, RedeliveryRun

logger = logging.getLogger(__name__)

# GitHub keeps deliveries for redelivery 3 days (github.com); a little less, to be inside it.
WINDOW = timedelta(days=3) - timedelta(minutes=10)
# Read this far behind the newest attempt the previous run saw: attempts are listed a little late.
OVERLAP = timedelta(minutes=30)
# 100 attempts a page: 50,000 attempts at most per run.
MAX_PAGES = 500
LOCK_KEY = "reviews:redeliver-failed:lock"
LOCK_TIMEOUT_S = 15 * 60


def _window_start(now):
    start = now - WINDOW
    previous = RedeliveryRun.objects.filter(ok=True, newest_delivered_at__isnull=False).first()
    if previous is not None:
        start = max(start, previous.newest_delivered_at - OVERLAP)
    return start


def _read(client, run: RedeliveryRun) -> dict[str, list[dict]]:
    """The attempts in the window, grouped by GUID; counts `listed` and the newest time seen."""
    by_guid: dict[str, list[dict]] = {}
    for page in client.hook_delivery_pages(max_pages=MAX_PAGES):
        oldest = None
        for attempt in page:
            delivered_at = parse_datetime(attempt.get("delivered_at") or "")
            if delivered_at is None:
                continue
            oldest = delivered_at if oldest is None else min(oldest, delivered_at)
            if delivered_at < run.window_start:
                continue
            run.listed += 1
            if run.newest_delivered_at is None or delivered_at > run.newest_delivered_at:
                run.newest_delivered_at = delivered_at
            by_guid.setdefault(attempt["guid"], []).append(attempt)
        if not page or (oldest is not None and oldest < run.window_start):
            break
    return by_guid


def _request(client, run: RedeliveryRun, guid: str, attempts: list[dict]) -> bool:
    """Ask for one redelivery of the GUID (its newest attempt), once: the Redelivery row is
    claimed first and given back if GitHub refuses."""
    latest = max(attempts, key=lambda attempt: attempt.get("delivered_at") or "")
    try:
        with transaction.atomic():
            claim = Redelivery.objects.create(
                guid=guid[:100],
                github_delivery_id=latest["id"],
                event=str(latest.get("event") or "")[:100],
                action=str(latest.get("action") or "")[:100],
                status=str(latest.get("status") or "")[:100],
                run=run,
            )
    except IntegrityError:  # another run asked meanwhile
        run.already_requested += 1
        return False
    try:
        client.redeliver(latest["id"])
    except TransientError as exc:  # a next run asks again
        claim.delete()
        run.errors += 1
        logger.warning("redelivery of %s (attempt %s) failed: %s", guid, latest["id"], exc)
        if isinstance(exc, CapacityWait):
            raise
        return False
    except PermanentError as exc:  # refused: kept with the reason, not asked again
        Redelivery.objects.filter(pk=claim.pk).update(error=str(exc)[:2000])
        run.errors += 1
        logger.warning("redelivery of %s (attempt %s) refused: %s", guid, latest["id"], exc)
        return False
    run.requested += 1
    return True


def redeliver_failed() -> RedeliveryRun | None:
    """One run: read, find the failed GUIDs, ask for their redelivery. None without App
    credentials (nothing to read with), or while another run holds the lock."""
    from reviews.github.app import app_client, app_configured

    if not app_configured():
        logger.info("redeliver_failed: GitHub App not configured (GITHUB_APP_ID, GITHUB_APP_PRIVATE_KEY): nothing done")
        return None
    if not cache.add(LOCK_KEY, 1, timeout=LOCK_TIMEOUT_S):
        logger.info("redeliver_failed: another run is in progress")
        return None
    try:
        now = timezone.now()
        run = RedeliveryRun.objects.create(window_start=_window_start(now))
        try:
            client = app_client()
            by_guid = _read(client, run)
            failed = {
                guid: attempts
                for guid, attempts in by_guid.items()
                if not any(attempt.get("status") == "OK" for attempt in attempts)
            }
            run.failed = len(failed)
            held = set(Delivery.objects.filter(delivery_id__in=list(failed)).values_list("delivery_id", flat=True))
            run.held = len(held)
            asked = set(Redelivery.objects.filter(guid__in=list(failed)).values_list("guid", flat=True))
            run.already_requested = len(asked - held)
            for guid in sorted(set(failed) - held - asked):
                _request(client, run, guid, failed[guid])
            run.ok = True
        except (TransientError, PermanentError) as exc:
            run.errors += 1
            run.note = str(exc)[:2000]
        run.finished_at = timezone.now()
        run.save()
    finally:
        cache.delete(LOCK_KEY)
    logger.info(
        "redeliver_failed: listed=%d failed=%d held=%d already_requested=%d requested=%d errors=%d%s",
        run.listed,
        run.failed,
        run.held,
        run.already_requested,
        run.requested,
        run.errors,
        f" ({run.note})" if run.note else "",
    )
    return run
