"""Findings a maintainer can act on: suggestion blocks on exactly the lines they replace, and the
repository's severity threshold."""

import pytest

from reviews.models import RepositorySettings, ReviewComment
from reviews.repo_config import CONFIG_PATH
from tests.reviews.reviewing import BASE, LOAD_HUNK, SAVE_HUNK, app_file, finding, open_pull, responder, review_head

pytestmark = pytest.mark.django_db

REPLACEMENT = "    with open(path) as source:\n        return json.load(source)['key']"


def review_with(project, fake_github, fake_openai, *findings):
    fake_openai.set_responder(responder({"src/app.py": list(findings)}))
    pull = open_pull(project, fake_github, [app_file(LOAD_HUNK, SAVE_HUNK)])
    review_head(pull, trigger="opened")
    [posted] = fake_github.posted()
    return posted


def test_a_suggestion_over_right_lines_of_one_hunk_is_posted_as_a_multi_line_block(project, fake_github, fake_openai):
    leak = finding(4, "open() is never closed.", start_line=3, suggestion=REPLACEMENT)

    posted = review_with(project, fake_github, fake_openai, leak)

    assert posted["comments"] == [
        {
            "path": "src/app.py",
            "start_line": 3,
            "start_side": "RIGHT",
            "line": 4,
            "side": "RIGHT",
            "body": f"**MAJOR**: open() is never closed.\n\n```suggestion\n{REPLACEMENT}\n```",
        }
    ]
    stored = ReviewComment.objects.get()
    assert (stored.start_line, stored.line, stored.suggestion) == (3, 4, REPLACEMENT)


def test_a_one_line_suggestion_is_anchored_without_start_line(project, fake_github, fake_openai):
    fix = finding(3, "Use a context manager.", start_line=3, suggestion="    data = read(path)")

    posted = review_with(project, fake_github, fake_openai, fix)

    [comment] = posted["comments"]
    assert "start_line" not in comment and comment["line"] == 3
    assert comment["body"].endswith("```suggestion\n    data = read(path)\n```")


def test_a_suggestion_spanning_two_hunks_is_posted_as_prose(project, fake_github, fake_openai):
    spanning = finding(23, "Both files leak.", start_line=3, suggestion="x = 1")

    posted = review_with(project, fake_github, fake_openai, spanning)

    assert posted["comments"] == [
        {"path": "src/app.py", "line": 23, "side": "RIGHT", "body": "**MAJOR**: Both files leak."}
    ]
    assert ReviewComment.objects.get().suggestion == ""


def test_a_suggestion_holding_a_code_fence_gets_a_longer_fence(project, fake_github, fake_openai):
    fenced = finding(4, "Document it.", suggestion="    return data['key']  # ```")

    posted = review_with(project, fake_github, fake_openai, fenced)

    assert "\n````suggestion\n    return data['key']  # ```\n````" in posted["comments"][0]["body"]


def test_findings_below_the_files_severity_threshold_go_to_the_summary_only(project, fake_github, fake_openai):
    fake_github.add_file(CONFIG_PATH, "reviews:\n  severity_threshold: major\n", ref=BASE)

    posted = review_with(
        project, fake_github, fake_openai, finding(4, "open() is never closed."), finding(3, "Name it better.", "minor")
    )

    assert [comment["line"] for comment in posted["comments"]] == [4]
    assert "`src/app.py` line 3 (minor, bug): Name it better." in posted["body"]


def test_the_admins_severity_threshold_applies_without_a_file(project, fake_github, fake_openai):
    RepositorySettings.objects.create(project=project, severity_threshold="critical")

    posted = review_with(project, fake_github, fake_openai, finding(4, "open() is never closed."))

    assert posted["comments"] == []
    assert "open() is never closed." in posted["body"]
