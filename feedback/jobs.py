"""The background job on a feedback row: turning it into proposed adjustments."""

from config.jobs.state import JobKind, register_job_kind
from feedback.models import Feedback

PROCESS = register_job_kind(JobKind(Feedback, "", "processed_at", "feedback.process", "Feedback"))
