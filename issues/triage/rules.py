"""The rules triager: per-project keyword and regex rules (TriageRule, edited in the admin)."""

import logging
from dataclasses import dataclass, field

from issues.models import Issue, TriageRule
from issues.triage.patterns import compile_pattern, keyword_pattern

logger = logging.getLogger(__name__)

# Staff-written patterns run on every new issue: keep them short and simple.
MAX_TEXT_CHARS = 20_000


def rule_matches(rule: TriageRule, text: str) -> bool:
    keywords = keyword_pattern(rule.keywords)
    if keywords is not None and keywords.search(text):
        return True
    return bool(rule.pattern) and compile_pattern(rule.pattern).search(text) is not None


@dataclass
class RulesDecision:
    labels: list[str] = field(default_factory=list)
    type: str = ""
    priority: str = ""
    matched: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"labels": self.labels, "type": self.type, "priority": self.priority, "matched_rules": self.matched}


def rules_triage(issue: Issue) -> RulesDecision:
    """What the project's enabled rules say about the issue (nothing applied here)."""
    text = f"{issue.title}\n{issue.body}"[:MAX_TEXT_CHARS]
    decision = RulesDecision()
    rules = TriageRule.objects.filter(project_id=issue.project_id, enabled=True).prefetch_related("labels")
    for rule in rules.order_by("order", "id"):
        try:
            if not rule_matches(rule, text):
                continue
        except ValueError:
            logger.warning("triage rule %s has an invalid pattern; skipped", rule.pk)
            continue
        decision.matched.append(rule.name)
        for label in rule.labels.all():
            if label.project_id == issue.project_id and label.name not in decision.labels:
                decision.labels.append(label.name)
        decision.type = decision.type or rule.type
        decision.priority = decision.priority or rule.priority
    return decision
