"""Triaging an issue: ask the LLM (or the rules), check the answer against the database, apply it.

The LLM call happens with no transaction open; applying the answer is one short transaction
that re-reads the issue and writes through `issue_update` with the version it read, so a
person's edit made meanwhile is never overwritten (the apply is redone on the fresh row).
"""

import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.db import models, transaction

from config.api.errors import ConflictError
from config.jobs.errors import TransientError
from issues.actors import LLM, Actor
from issues.choices import ActorType, SuggestionKind
from issues.fields import TRIAGE_FIELDS
from issues.github_sync import issue_github_writeback_request
from issues.jobs import TRIAGE
from issues.models import Issue, Label, TriageEngine, TriageRun
from issues.services import issue_github_label_removed_by_person, issue_update
from issues.suggestions.lessons import triage_lessons
from issues.suggestions.raising import Proposal, not_decided_before, suggestions_raise
from issues.triage.prompts import triage_messages
from issues.triage.rules import rules_triage
from issues.triage.schemas import TriageOutput
from issues.triage.similar import OPEN_STATUSES, similar_open_issues

logger = logging.getLogger(__name__)

RULES = Actor(ActorType.AUTOMATION, name="rules")
NOT_CONFIGURED_NOTE = "LLM not configured: rules triage"
APPLY_ATTEMPTS = 3
# Why an unknown label is only suggested, by the project's `triage_may_create_labels`.
UNKNOWN_LABEL_WHY = {
    True: "Not a label of this project yet: accepting creates and adds it.",
    False: "Not a label of this project: create it first (the project does not let triage create labels).",
}


@dataclass
class Decision:
    """What an engine proposes, in one shape for the LLM and the rules."""

    engine: str
    # Proposed values of the fields triage sets (TRIAGE_FIELDS, e.g. type); a missing or empty one: no proposal.
    fields: dict = field(default_factory=dict)
    labels: list[str] = field(default_factory=list)
    confidence: float | None = None
    duplicates: list[dict] = field(default_factory=list)
    questions: list[str] = field(default_factory=list)
    result: dict = field(default_factory=dict)
    note: str = ""
    call_id: int | None = None
    cached: bool = False


def issue_triage(*, issue_id: int) -> TriageRun:
    """Triage one issue whose job is claimed (TRIAGE); records a TriageRun and completes the job.

    Raises what `llm.complete` raises for the task to retry or fail (LLMNotConfigured excepted:
    then the rules triager answers alone)."""
    issue = Issue.objects.select_related("project").get(pk=issue_id)
    rules = rules_triage(issue)
    decision = _ask_llm(issue)
    if decision is None:
        decision = Decision(
            engine=TriageEngine.RULES,
            fields={"type": rules.type, "priority": rules.priority},
            labels=list(rules.labels),
            result=rules.as_dict(),
            note=NOT_CONFIGURED_NOTE,
        )
    else:
        # With an LLM the rules may add labels; the LLM's answer is primary for everything else.
        extra = [name for name in rules.labels if name.lower() not in {label.lower() for label in decision.labels}]
        decision.labels += extra
        if rules.matched:
            decision.result["rules"] = rules.as_dict()
    run = _apply(issue_id, decision)
    TRIAGE.complete(issue_id, triage_confidence=decision.confidence)
    issue_github_writeback_request(issue_id=issue_id)  # a GitHub-linked issue: its labels and comment
    return run


def _ask_llm(issue: Issue) -> Decision | None:
    if not settings.OPENAI_API_KEY:
        return None
    from llm import complete
    from llm.errors import LLMNotConfigured

    labels = list(issue.project.labels.order_by("name"))
    similar = list(similar_open_issues(issue))
    try:
        answer = complete(
            purpose="issues.triage",
            messages=triage_messages(
                issue=issue, labels=labels, similar=similar, lessons=triage_lessons(project_id=issue.project_id)
            ),
            output=TriageOutput,
            subject=issue,
        )
    except LLMNotConfigured:
        return None
    data: TriageOutput = answer.data
    return Decision(
        engine=TriageEngine.LLM,
        fields={name: _stripped(getattr(data, name)) for name in TRIAGE_FIELDS},
        labels=list(dict.fromkeys(data.labels)),
        confidence=data.confidence,
        duplicates=[candidate.model_dump() for candidate in data.duplicates],
        questions=list(data.questions),
        result=data.model_dump(),
        call_id=answer.call_id,
        cached=answer.cached,
    )


def _stripped(value):
    return value.strip() if isinstance(value, str) else value


def _apply(issue_id: int, decision: Decision) -> TriageRun:
    for _attempt in range(APPLY_ATTEMPTS):
        try:
            with transaction.atomic():
                return _apply_once(Issue.objects.select_related("project").get(pk=issue_id), decision)
        except ConflictError:
            logger.info("issue %s changed while its triage was applied; applying again", issue_id)
    raise TransientError("The issue kept changing while its triage was applied; trying again later.")


def _apply_once(issue: Issue, decision: Decision) -> TriageRun:
    actor = LLM if decision.engine == TriageEngine.LLM else RULES
    changes: dict = {}
    applied: dict = {}
    suggestions: dict = {}
    proposals: list[Proposal] = []

    for name in TRIAGE_FIELDS:
        proposed, current = decision.fields.get(name), getattr(issue, name)
        if not proposed or proposed == current:
            continue
        # A text (the summary) is not copied into the run twice: its change is noted, not repeated.
        text = isinstance(Issue._meta.get_field(name), models.TextField)
        if getattr(issue, f"{name}_set_by_human"):
            suggestions[name] = (
                {"suggested": proposed, "reason": "written by a person"}
                if text
                else {"suggested": proposed, "kept": current, "reason": "set by a person"}
            )
            if name in SuggestionKind.values:
                proposals.append(Proposal(name, {name: proposed}, f"The {name} was set by a person ({current})."))
        else:
            changes[name] = proposed
            applied[name] = True if text else {"from": current, "to": proposed}

    known = {label.name.lower(): label.name for label in Label.objects.filter(project_id=issue.project_id)}
    current_labels = [label.name for label in issue.labels.all()]
    have = {name.lower() for name in current_labels}
    # A label a person removed on GitHub is not put back by triage (issues/services/github.py).
    proposed = [known[name.lower()] for name in decision.labels if name.lower() in known and name.lower() not in have]
    added = list(dict.fromkeys(name for name in proposed if not issue_github_label_removed_by_person(issue, name)))
    kept_off = list(dict.fromkeys(name for name in proposed if issue_github_label_removed_by_person(issue, name)))
    unknown = list(dict.fromkeys(name.strip() for name in decision.labels if name.lower() not in known))
    if added:
        changes["labels"] = current_labels + added  # never removes a label someone set
        applied["labels_added"] = added
    if unknown:
        suggestions["unknown_labels"] = unknown
        why = UNKNOWN_LABEL_WHY[issue.project.triage_may_create_labels]
        proposals += [Proposal(SuggestionKind.LABEL, {"label": name}, why) for name in unknown if name]
    if kept_off:
        suggestions["labels_removed_on_github"] = kept_off

    duplicates, rejected = _checked_duplicates(issue, decision.duplicates)
    if rejected:
        suggestions["rejected_duplicates"] = rejected
    if issue.duplicate_of_id is None:  # marked a duplicate by a person already: no more candidates
        proposals += [
            Proposal(SuggestionKind.DUPLICATE, candidate, "A likely duplicate: a person confirms it.")
            for candidate in duplicates
        ]
    proposals += [
        Proposal(SuggestionKind.QUESTION, {"question": question}, "Asked once a person accepts it.")
        for question in dict.fromkeys(question.strip() for question in decision.questions)
        if question
    ]
    proposals = not_decided_before(issue, proposals)
    # Duplicates and questions are only proposed: a person decides them (issues/services/suggestions.py).
    duplicates_left = [proposal.value for proposal in proposals if proposal.kind == SuggestionKind.DUPLICATE]
    questions_left = [proposal.value["question"] for proposal in proposals if proposal.kind == SuggestionKind.QUESTION]
    if duplicates_left:
        suggestions["duplicates"] = duplicates_left
    if questions_left:
        suggestions["questions"] = questions_left

    if changes:
        issue_update(issue=issue, version=issue.version, actor=actor, **changes)
    run = TriageRun.objects.create(
        issue=issue,
        engine=decision.engine,
        note=decision.note,
        llm_call_id=decision.call_id,
        cached=decision.cached,
        result=decision.result,
        applied=applied,
        suggestions=suggestions,
    )
    suggestions_raise(issue=issue, run=run, proposals=proposals)
    return run


def _checked_duplicates(issue: Issue, candidates: list[dict]) -> tuple[list[dict], list[dict]]:
    """Keep the candidates that are other open issues of the same project (with their id)."""
    numbers = {candidate["number"] for candidate in candidates}
    valid = dict(
        Issue.objects.filter(project_id=issue.project_id, number__in=numbers, status__in=OPEN_STATUSES)
        .exclude(pk=issue.pk)
        .values_list("number", "pk")
    )
    kept, rejected, seen = [], [], set()
    for candidate in candidates:
        if candidate["number"] in seen:
            continue
        seen.add(candidate["number"])
        if candidate["number"] in valid:
            kept.append({**candidate, "issue_id": valid[candidate["number"]]})
        else:
            rejected.append({**candidate, "why_rejected": "not an open issue of this project"})
    return kept, rejected
