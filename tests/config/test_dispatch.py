import base64
import json
import os
import subprocess
import sys
import time

import pytest
import redis
from django.conf import settings

from config.celery import app
from config.jobs.dispatch import FAN_OUT_CHUNK, SEND_JOBS_TASK, Publisher, send_job, send_jobs_on_commit
from config.jobs.state import JOB_KINDS, JobState
from config.tasks import send_jobs
from issues.jobs import PLAN, TRIAGE
from issues.models import Issue
from reviews.jobs import DELIVERY
from reviews.models import Delivery
from tests.issues.factories import IssueFactory
from tests.reviews.github import SECRET, deliver, payload_bytes
from tests.worker import wait_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def broker():
    """The broker's Redis database, its queues emptied before and after."""
    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    queues = [queue.name for queue in app.conf.task_queues]
    client.delete(*queues)
    yield client
    client.delete(*queues)


def _queued(broker, queue: str) -> list[tuple[str, list]]:
    """(task name, args) of every message waiting on `queue`, oldest first."""
    messages = [json.loads(raw) for raw in reversed(broker.lrange(queue, 0, -1))]
    return [
        (message["headers"]["task"], json.loads(base64.b64decode(message["body"]))[0])  # body: [args, kwargs, embed]
        for message in messages
    ]


def test_bulk_fan_out_sends_one_message_per_pending_id_on_the_tasks_queue(broker):
    pending = IssueFactory.create_batch(3)
    done = IssueFactory(triage_state=JobState.DONE)

    assert send_jobs(TRIAGE.task_name, [issue.pk for issue in [*pending, done]]) == 3

    assert sorted(_queued(broker, "llm")) == [(TRIAGE.task_name, [issue.pk]) for issue in pending]


def test_bulk_fan_out_refuses_a_task_that_is_not_a_job_kind():
    with pytest.raises(ValueError, match="not the task of a registered job kind"):
        send_jobs("system.heartbeat", [1])


def test_many_jobs_are_sent_after_commit_in_fan_out_messages_of_bounded_size(
    broker, django_capture_on_commit_callbacks
):
    ids = list(range(1, 2 * FAN_OUT_CHUNK + 2))

    with django_capture_on_commit_callbacks() as callbacks:
        send_jobs_on_commit(TRIAGE.task_name, ids)
    assert _queued(broker, "default") == []  # nothing before the commit
    for callback in callbacks:
        callback()

    assert _queued(broker, "default") == [
        (SEND_JOBS_TASK, [TRIAGE.task_name, ids[:FAN_OUT_CHUNK]]),
        (SEND_JOBS_TASK, [TRIAGE.task_name, ids[FAN_OUT_CHUNK : 2 * FAN_OUT_CHUNK]]),
        (SEND_JOBS_TASK, [TRIAGE.task_name, ids[2 * FAN_OUT_CHUNK :]]),
    ]


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_fans_out_and_triages_issues_sent_together(celery_worker, settings):
    settings.OPENAI_API_KEY = ""  # triage falls back to rules
    ids = [issue.pk for issue in IssueFactory.create_batch(3)]

    send_jobs_on_commit(TRIAGE.task_name, ids)  # autocommit: sent at once

    wait_for(lambda: Issue.objects.filter(pk__in=ids, triage_state=JobState.DONE).count() == 3, timeout=30)


def test_a_job_that_cannot_be_published_gives_up_quickly_with_a_warning(broker_unreachable, caplog):
    started = time.monotonic()

    assert send_job(TRIAGE.task_name, 1) is False

    assert time.monotonic() - started < 2
    assert "the stuck-job sweeper will re-send it" in caplog.text


def test_every_task_of_the_project_declares_its_queue():
    app.autodiscover_tasks(force=True)
    tasks = {name: task for name, task in app.tasks.items() if not name.startswith(("celery.", "tests."))}

    assert {name: task.queue for name, task in tasks.items() if task.queue not in ("default", "llm", "system")} == {}
    assert {kind.task_name for kind in JOB_KINDS} <= tasks.keys()


def test_the_heartbeat_and_the_sweeper_have_a_queue_of_their_own():
    names = ("system.heartbeat", "system.sweep_stuck_jobs")

    queues = {name: app.amqp.router.route({}, name)["queue"].name for name in names}

    assert queues == dict.fromkeys(names, "system")
    assert "system" in {queue.name for queue in app.conf.task_queues}  # a plain worker consumes it


SENTINEL = 987_654_321

# A web process: it sends jobs by name and has imported no tasks module.
SEND_EVERY_JOB = f"""
import sys
import django

django.setup()
from config.jobs.dispatch import send_jobs_on_commit
from config.jobs.state import JOB_KINDS

assert not {{"config.tasks", "issues.tasks", "feedback.tasks", "reviews.tasks", "llm.tasks"}} & set(sys.modules)
for kind in JOB_KINDS:
    kind.send_on_commit({SENTINEL})
send_jobs_on_commit(JOB_KINDS[0].task_name, [{SENTINEL}])
"""


def test_every_job_sent_by_name_is_delivered_to_the_queue_its_task_declares(broker):
    db = settings.DATABASES["default"]  # the test database
    env = {**os.environ, "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"}
    subprocess.run([sys.executable, "-c", SEND_EVERY_JOB], check=True, timeout=60, cwd=settings.BASE_DIR, env=env)

    delivered = {
        name: queue
        for queue in ("default", "llm")
        for name, args in _queued(broker, queue)
        if SENTINEL in args or [SENTINEL] in args
    }
    declared = {name: app.tasks[name].queue for name in [kind.task_name for kind in JOB_KINDS] + [SEND_JOBS_TASK]}
    assert delivered == declared
    assert set(declared.values()) == {"default", "llm"}


# --- the background publisher (JOB_PUBLISH_IN_BACKGROUND, on outside tests) -----------------


def test_the_publisher_sends_a_lone_job_as_its_own_message_and_many_as_one_fan_out(broker):
    publisher = Publisher()

    publisher.submit(PLAN.task_name, 7)
    wait_for(lambda: _queued(broker, "llm"))
    for pk in (1, 2, 3):
        publisher.submit(TRIAGE.task_name, pk)
    wait_for(lambda: _queued(broker, "default"))

    assert _queued(broker, "llm") == [(PLAN.task_name, [7])]
    assert _queued(broker, "default") == [(SEND_JOBS_TASK, [TRIAGE.task_name, [1, 2, 3]])]


@pytest.mark.django_db(transaction=True)
def test_a_delivery_acknowledged_with_background_publishing_has_its_job_sent(client, broker, settings):
    settings.JOB_PUBLISH_IN_BACKGROUND = True
    settings.GITHUB_WEBHOOK_SECRET = SECRET

    response = deliver(client, "pull_request", payload_bytes("pull_request/opened"))

    assert response.status_code == 202
    delivery = Delivery.objects.get(delivery_id=response.json()["delivery"])
    assert wait_for(lambda: _queued(broker, "default")) == [(DELIVERY.task_name, [delivery.pk])]


SUBMIT_AND_EXIT = """
import django
django.setup()
from config.jobs.dispatch import PUBLISHER
PUBLISHER.LINGER_S = 5  # the thread would wait far longer than the process lives
for pk in (11, 12):
    PUBLISHER.submit("issues.triage", pk)
"""


def test_jobs_submitted_before_a_normal_exit_are_sent(broker):
    db = settings.DATABASES["default"]
    env = {**os.environ, "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"}

    subprocess.run([sys.executable, "-c", SUBMIT_AND_EXIT], check=True, timeout=60, cwd=settings.BASE_DIR, env=env)

    assert [args for _name, args in _queued(broker, "default")] == [["issues.triage", [11, 12]]]
