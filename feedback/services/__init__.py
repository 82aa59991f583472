"""Writes of the feedback app (HackSoft style: `<entity>_<action>`, keyword-only arguments)."""

from feedback.services.decisions import adjustment_apply, adjustment_reject
from feedback.services.intake import feedback_create, feedback_rerun
from feedback.services.processing import feedback_process

__all__ = ["adjustment_apply", "adjustment_reject", "feedback_create", "feedback_process", "feedback_rerun"]
