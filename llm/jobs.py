"""The probe job on LLMProbe rows (config/jobs/state.py)."""

from config.jobs.state import JobKind, register_job_kind
from llm.models import LLMProbe

PROBE = register_job_kind(JobKind(LLMProbe, "", "finished_at", "llm.probe", "LLM probe"))
