import pytest

from issues.models import TriageRule
from issues.triage.rules import rules_triage
from tests.issues.factories import IssueFactory, LabelFactory, ProjectFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def project():
    return ProjectFactory(key="RUL")


def _rule(project, *, labels=(), **fields):
    rule = TriageRule.objects.create(project=project, name=fields.pop("name", "rule"), **fields)
    rule.labels.set(labels)
    return rule


def test_keywords_match_whole_words_in_any_case(project):
    _rule(project, keywords="crash, data loss", priority="high")

    assert rules_triage(IssueFactory(project=project, title="App CRASHES", body="")).priority == ""
    assert rules_triage(IssueFactory(project=project, title="Crash on start", body="")).priority == "high"
    assert rules_triage(IssueFactory(project=project, title="x", body="we saw data\nloss")).priority == "high"


def test_a_pattern_is_a_case_insensitive_regex(project):
    _rule(project, pattern=r"how (do|can) i", type="question")

    assert rules_triage(IssueFactory(project=project, title="How can I export?", body="")).type == "question"


def test_the_first_matching_rule_by_order_sets_type_and_priority_and_labels_add_up(project):
    ui, security = LabelFactory(project=project, name="ui"), LabelFactory(project=project, name="security")
    _rule(project, name="late", keywords="button", priority="low", labels=[ui], order=2)
    _rule(project, name="early", keywords="password", priority="critical", labels=[security], order=1)

    decision = rules_triage(IssueFactory(project=project, title="Password button does nothing", body=""))

    assert (decision.priority, decision.matched) == ("critical", ["early", "late"])
    assert decision.labels == ["security", "ui"]


def test_disabled_rules_and_other_projects_rules_do_not_apply(project):
    _rule(project, keywords="crash", priority="high", enabled=False)
    _rule(ProjectFactory(key="OTH"), keywords="crash", priority="critical")

    assert rules_triage(IssueFactory(project=project, title="crash", body="")).priority == ""


def test_a_rule_with_a_broken_pattern_is_skipped(project):
    _rule(project, name="broken", pattern="(unclosed", priority="critical")
    _rule(project, name="fine", keywords="crash", priority="high", order=5)

    decision = rules_triage(IssueFactory(project=project, title="crash (unclosed", body=""))

    assert (decision.priority, decision.matched) == ("high", ["fine"])
