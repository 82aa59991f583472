"""What a task adjustment does to its task: applied by feedback.services.decisions, shown on the
adjustment's admin page (feedback.selectors.adjustment_review)."""

from decimal import Decimal

from feedback.choices import AdjustmentType
from feedback.models import Adjustment
from issues.choices import TaskStatus


def adjustment_task_changes(adjustment: Adjustment) -> dict:
    """The task fields a task adjustment sets, with their new values."""
    value = adjustment.proposed_value
    match adjustment.type:
        case AdjustmentType.TASK_PRIORITY:
            return {"priority": int(value)}
        case AdjustmentType.TASK_STATUS:
            return {"status": value}
        case AdjustmentType.TASK_ESTIMATE:
            return {"estimated_hours": Decimal(str(value))}
        case AdjustmentType.TASK_DESCRIPTION:
            return {"description": value}
        case AdjustmentType.REMOVE_TASK:
            return {"status": TaskStatus.CANCELLED}
    raise AssertionError(f"not a task adjustment: {adjustment.type}")


def adjustment_proposal(adjustment: Adjustment) -> str:
    """The proposed change in a line, e.g. "priority: 1" or "new task: Export as CSV"."""
    if adjustment.type == AdjustmentType.NEW_TASK:
        return f"new task: {(adjustment.proposed_value or {}).get('title', '')}"
    if adjustment.type == AdjustmentType.GENERAL:
        return ""
    return ", ".join(
        f"{name.replace('_', ' ')}: {value}" for name, value in adjustment_task_changes(adjustment).items()
    )
