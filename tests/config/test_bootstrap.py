import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from config.jobs.periodic import PERIODIC_JOBS, ensure_periodic_tasks
from config.ops.staff import TRIAGE_STAFF_GROUP

pytestmark = pytest.mark.django_db


def test_bootstrap_creates_every_periodic_task_once():
    call_command("bootstrap")
    call_command("bootstrap")

    names = set(PeriodicTask.objects.values_list("name", flat=True))
    assert {job.name for job in PERIODIC_JOBS} <= names
    assert PeriodicTask.objects.filter(name="system.heartbeat").count() == 1


def test_bootstrap_keeps_a_schedule_staff_edited():
    ensure_periodic_tasks()
    edited = PeriodicTask.objects.get(name="system.heartbeat")
    edited.interval = IntervalSchedule.objects.create(every=300, period=IntervalSchedule.SECONDS)
    edited.enabled = False
    edited.save()

    outcome = ensure_periodic_tasks()

    edited.refresh_from_db()
    assert outcome["system.heartbeat"] == "unchanged"
    assert (edited.interval.every, edited.enabled) == (300, False)


def test_reset_schedules_restores_the_default():
    ensure_periodic_tasks()
    PeriodicTask.objects.filter(name="system.heartbeat").update(enabled=False)

    ensure_periodic_tasks(reset_schedules=True)

    assert PeriodicTask.objects.get(name="system.heartbeat").enabled


def test_triage_staff_group_exists_after_migrate_with_view_rights_on_the_ledger():
    group = Group.objects.get(name=TRIAGE_STAFF_GROUP)

    assert group.permissions.filter(codename="view_llmcall").exists()
    assert not group.permissions.filter(codename="delete_llmcall").exists()


def test_demo_login_is_created_in_debug(settings):
    settings.DEBUG = True

    call_command("bootstrap", "--demo")

    from django.contrib.auth import get_user_model

    demo = get_user_model().objects.get(username="demo")
    assert demo.is_superuser and demo.check_password("demo")
