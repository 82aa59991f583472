from celery import shared_task

from config.jobs.taskbase import JobTask, run_job
from feedback.jobs import PROCESS
from feedback.services import feedback_process


@shared_task(name="feedback.process", queue="llm", base=JobTask, bind=True)
def process_feedback(self, feedback_id: int) -> None:
    run_job(self, PROCESS, feedback_id, lambda: feedback_process(feedback_id=feedback_id))
