import os
import threading

import pytest
import redis
from django.conf import settings

from config.jobs.dispatch import BatchPublisher
from config.tasks import send_jobs
from tests.worker import wait_for


class Recorder:
    def __init__(self, fail_first: int = 0):
        self.batches: list[tuple[str, list]] = []
        self.fail_first = fail_first
        self.lock = threading.Lock()

    def __call__(self, task_name: str, ids: list) -> None:
        with self.lock:
            if self.fail_first:
                self.fail_first -= 1
                raise ConnectionError("broker down")
            self.batches.append((task_name, list(ids)))

    def ids(self) -> list:
        with self.lock:
            return [pk for _name, batch in self.batches for pk in batch]


def test_ids_submitted_from_many_threads_are_sent_once_each_in_bounded_batches():
    recorder = Recorder()
    publisher = BatchPublisher("reviews.process_delivery", batch_size=50, send=recorder)

    def submit(start):
        for pk in range(start, start + 500):
            publisher.submit(pk)

    threads = [threading.Thread(target=submit, args=(start,)) for start in range(0, 2000, 500)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    wait_for(lambda: len(recorder.ids()) == 2000, timeout=10)
    assert sorted(recorder.ids()) == list(range(2000))
    assert {name for name, _batch in recorder.batches} == {"reviews.process_delivery"}
    assert max(len(batch) for _name, batch in recorder.batches) <= 50
    # Batching happened: far fewer messages than ids.
    assert len(recorder.batches) < 2000


def test_a_failed_send_is_logged_and_later_ids_still_go_out(caplog):
    recorder = Recorder(fail_first=1)
    publisher = BatchPublisher("reviews.process_delivery", send=recorder)

    publisher.submit(1)
    wait_for(lambda: "sweeper will re-send" in caplog.text, timeout=10)
    publisher.submit(2)

    wait_for(lambda: recorder.ids() == [2], timeout=10)


def test_flush_sends_what_is_queued_from_the_calling_thread():
    recorder = Recorder()
    publisher = BatchPublisher("reviews.process_delivery", batch_size=3, send=recorder)
    publisher._pid = os.getpid()  # no background thread: only flush() drains the queue
    for pk in range(7):
        publisher.submit(pk)

    publisher.flush()

    assert [batch for _name, batch in recorder.batches] == [[0, 1, 2], [3, 4, 5], [6]]


def test_send_jobs_fans_out_one_message_per_id_on_the_jobs_queue():
    broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    broker.delete("default")

    assert send_jobs("reviews.process_delivery", [11, 12, 13]) == 3

    messages = broker.lrange("default", 0, -1)
    assert len(messages) == 3
    assert all(b'"task": "reviews.process_delivery"' in message for message in messages)
    broker.delete("default")


def test_send_jobs_refuses_a_task_that_is_not_a_job_kind():
    with pytest.raises(ValueError, match="not the task of a registered job kind"):
        send_jobs("system.heartbeat", [1])


def test_ids_still_queued_at_a_normal_exit_are_sent_before_the_process_ends(tmp_path):
    """The background thread is stuck on a slow send when the process exits: the exit hook
    sends what is left from the main thread."""
    import subprocess
    import sys

    sent = tmp_path / "sent.txt"
    script = f"""
import time
from config.jobs.dispatch import BatchPublisher

def send(task_name, ids):
    if ids[0] == 0:
        time.sleep(5)  # the thread's first batch: still sending when the process exits
    with open({str(sent)!r}, "a") as out:
        out.write(" ".join(map(str, ids)) + "\\n")

publisher = BatchPublisher("reviews.process_delivery", linger_s=0, send=send)
publisher.submit(0)
time.sleep(0.2)
for pk in range(1, 6):
    publisher.submit(pk)
"""
    subprocess.run([sys.executable, "-c", script], check=True, timeout=30, cwd=settings.BASE_DIR)

    assert sent.read_text().split() == ["1", "2", "3", "4", "5"]
