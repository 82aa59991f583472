"""The enumerations of the LLM's output schemas are those of the apps' choices.py."""

import ast
import inspect

import pytest

import feedback.prompts
import issues.planning.schemas
import issues.triage.schemas
import reviews.prompts
from feedback.choices import AdjustmentType
from issues.choices import IssuePriority, IssueType, TaskStatus
from issues.triage.schemas import TriageOutput
from reviews.choices import Category, Severity
from reviews.prompts import FileReviewOutput, SnippetReviewOutput

SCHEMA_MODULES = [issues.triage.schemas, issues.planning.schemas, reviews.prompts, feedback.prompts]


def _enum(model, *path):
    schema = model.model_json_schema()
    node = schema
    for key in path:
        node = node[key]
    if "$ref" in node:
        node = schema["$defs"][node["$ref"].rsplit("/", 1)[-1]]
    return node["enum"]


@pytest.mark.parametrize(
    ("model", "path", "choices"),
    [
        (TriageOutput, ("properties", "type"), IssueType),
        (TriageOutput, ("properties", "priority"), IssuePriority),
        (FileReviewOutput, ("$defs", "FileFinding", "properties", "severity"), Severity),
        (FileReviewOutput, ("$defs", "FileFinding", "properties", "category"), Category),
        (SnippetReviewOutput, ("$defs", "SnippetFinding", "properties", "severity"), Severity),
    ],
)
def test_an_enumeration_of_an_llm_schema_equals_its_choices(model, path, choices):
    assert _enum(model, *path) == list(choices.values)


def test_the_feedback_schema_and_prompt_name_the_choices():
    schema = feedback.prompts.FeedbackOutput.model_json_schema()["$defs"]["ProposedAdjustment"]["properties"]

    assert schema["type"]["enum"] == list(AdjustmentType.values)
    assert schema["status"]["enum"] == [*TaskStatus.values, None]
    assert f"Statuses: {', '.join(TaskStatus.values)}." in feedback.prompts.SYSTEM_PROMPT


@pytest.mark.parametrize("module", SCHEMA_MODULES, ids=lambda module: module.__name__)
def test_no_llm_schema_spells_out_an_enumeration_by_hand(module):
    """A `Literal["a", "b"]` would drift from choices.py: take `.values` of the choices instead."""
    tree = ast.parse(inspect.getsource(module))
    literals = [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Subscript)
        and isinstance(node.value, ast.Name)
        and node.value.id == "Literal"
        and any(isinstance(item, ast.Constant) for item in ast.walk(node.slice))
    ]

    assert literals == []
