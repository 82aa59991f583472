"""Writes of the feedback app (HackSoft style: `<entity>_<action>`, keyword-only arguments)."""

from feedback.services.decisions import adjustment_apply, adjustment_reject
from feedback.services.intake import feedback_create, feedback_rerun

__all__ = ["adjustment_apply", "adjustment_reject", "feedback_create", "feedback_rerun"]
