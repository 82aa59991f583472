"""The repository's `.triage-desk.yml`: read through the contents API at the pull request's base
commit (cached per commit), laid over the admin's settings, ignored and named when invalid."""

from pathlib import Path

import pytest

from config.jobs.state import JobState
from reviews.models import RepositorySettings, Review
from reviews.repo_config import CONFIG_PATH, effective_settings, parse_config
from reviews.services.review import review_run
from tests.reviews.factories import ReviewFactory
from tests.reviews.github import diff_entry

pytestmark = pytest.mark.django_db

READ_CONFIG = "GET /repos/{owner}/{repo}/contents/{path}"
BASE = "b" * 40  # PullRequestFactory's base_sha
PATCH = "@@ -1,2 +1,3 @@\n first line\n+added = 1\n second line"

DOCS = Path(__file__).resolve().parents[2] / "docs" / "reviews.md"


def documented_example() -> str:
    """The example `.triage-desk.yml` of docs/reviews.md."""
    section = DOCS.read_text().split("## Configured from the repository", 1)[1]
    return section.split("```yaml\n", 1)[1].split("```", 1)[0]


def pending_review(**pull) -> Review:
    return ReviewFactory(state=JobState.RUNNING, pull_request__repository="o/r", **pull)


@pytest.fixture
def changed_files(fake_github, fake_openai, settings):
    """change(number): the pull request changes three files; returns the paths the LLM is
    asked to review, filled as it is asked (in this thread: no answer cached, no pool)."""
    settings.LLM_CACHE_TTL_S = 0
    settings.REVIEW_FILE_CONCURRENCY = 1

    def change(number: int) -> list[str]:
        fake_github.files[number] = [
            diff_entry("src/app.py", PATCH),
            diff_entry("src/legacy/api.py", PATCH),
            diff_entry("docs/index.md", PATCH),
        ]
        asked = []

        def answer(body: dict) -> dict:
            asked.append(body["messages"][-1]["content"].splitlines()[0].removeprefix("Path: "))
            return {"summary": "Changes.", "findings": []}

        fake_openai.set_responder(answer)
        return asked

    return change


# --- parsing and validation -------------------------------------------------------------------


def test_the_documented_example_is_valid_and_gives_every_key():
    values, errors = parse_config(documented_example())

    assert errors == []
    assert set(values["reviews"]) == {
        "enabled",
        "drafts",
        "include",
        "exclude",
        "path_instructions",
        "severity_threshold",
        "max_files",
        "budget_tokens",
        "ignore",
        "check_fail_severity",
    }
    assert set(values["reviews"]["ignore"]) == {"authors", "title_keywords", "labels", "base_branches"}
    assert values["reviews"]["path_instructions"] == [
        {"path": "src/api/**", "instructions": "Check that every view checks permissions."}
    ]
    assert (values["reviews"]["severity_threshold"], values["reviews"]["budget_tokens"]) == ("major", 40000)
    assert values["triage"] == {"github": "labels"}


def test_an_unquoted_off_is_the_off_mode_not_a_boolean_error():
    assert parse_config("triage:\n  github: off\n") == ({"triage": {"github": "off"}}, [])


def test_each_invalid_key_is_named_with_why_and_nothing_of_the_file_applies():
    values, errors = parse_config("reviews:\n  max_files: many\n  severity_threshold: loud\n  colour: red\n")

    assert values == {}
    assert errors == [
        "reviews.max_files: must be a whole number from 1 to 3000, not 'many'",
        "reviews.severity_threshold: must be one of info, minor, major, critical, not 'loud'",
        "reviews.colour: unknown key (known: enabled, drafts, include, exclude, path_instructions, "
        "severity_threshold, max_files, budget_tokens, ignore, check_fail_severity)",
    ]


def test_broken_yaml_is_reported_with_its_line():
    values, [error] = parse_config("reviews:\n  include: [src/**\n")

    assert values == {}
    assert error.startswith("not valid YAML (line 3)")


def test_yaml_tags_that_build_objects_are_refused_by_safe_load():
    values, [error] = parse_config("reviews: !!python/object/apply:os.system ['true']\n")

    assert values == {}
    assert error.startswith("not valid YAML")


# --- in the review ------------------------------------------------------------------------------


def test_without_a_file_the_admins_settings_apply(fake_github, changed_files, fake_openai):
    review = pending_review()
    RepositorySettings.objects.create(project=review.pull_request.project, ignore_globs=["docs/*"])
    asked = changed_files(review.pull_request.number)

    review_run(review_id=review.pk)

    review.refresh_from_db()
    assert sorted(asked) == ["src/app.py", "src/legacy/api.py"]
    assert review.skipped_files == [{"path": "docs/index.md", "reason": "ignored"}]
    assert review.config_error == ""
    assert [key for key, _ in fake_github.calls].count(READ_CONFIG) == 1


def test_a_valid_file_at_the_base_commit_overrides_the_admins_settings(fake_github, changed_files, fake_openai):
    review = pending_review()
    RepositorySettings.objects.create(project=review.pull_request.project, ignore_globs=["src/app.py"])
    fake_github.add_file(CONFIG_PATH, 'reviews:\n  include: ["src/**"]\n  exclude: ["src/legacy/**"]\n', ref=BASE)
    fake_github.add_file(CONFIG_PATH, "reviews:\n  enabled: false\n")  # the default branch's head: not read
    asked = changed_files(review.pull_request.number)

    review_run(review_id=review.pk)

    review.refresh_from_db()
    assert review.state == JobState.DONE
    assert sorted(asked) == ["src/app.py"]
    assert sorted(review.skipped_files, key=lambda item: item["path"]) == [
        {"path": "docs/index.md", "reason": "not_included"},
        {"path": "src/legacy/api.py", "reason": "ignored"},
    ]


def test_an_invalid_file_is_named_once_in_the_summary_and_the_admins_settings_apply(
    fake_github, changed_files, fake_openai
):
    review = pending_review()
    RepositorySettings.objects.create(project=review.pull_request.project, ignore_globs=["docs/*"])
    fake_github.add_file(CONFIG_PATH, "reviews:\n  include: src\n", ref=BASE)
    asked = changed_files(review.pull_request.number)

    review_run(review_id=review.pk)

    [posted] = fake_github.posted()
    assert posted["body"].count("reviews.include: must be a list of strings") == 1
    assert "`.triage-desk.yml` ignored" in posted["body"]
    assert sorted(asked) == ["src/app.py", "src/legacy/api.py"]


def test_reviews_disabled_by_the_file_skip_the_review_without_reading_the_changes(fake_github):
    review = pending_review()
    fake_github.add_file(CONFIG_PATH, "reviews:\n  enabled: false\n", ref=BASE)

    review_run(review_id=review.pk)

    review.refresh_from_db()
    assert review.state == JobState.SKIPPED
    assert "disabled" in review.summary and ".triage-desk.yml" in review.summary
    assert [key for key, _ in fake_github.calls] == [READ_CONFIG]


@pytest.mark.parametrize(
    ("pull", "ignore", "reason"),
    [
        ({"author": "Renovate-Bot"}, "authors: [renovate-bot]", "author Renovate-Bot is ignored"),
        ({"title": "[WIP] try a thing"}, "title_keywords: [wip]", "title contains 'wip'"),
        (
            {"labels": ["Dependencies", "No-Review"]},
            "labels: [no-review]",
            "label 'no-review' is ignored (.triage-desk.yml)",
        ),
        ({"base_ref": "gh-pages"}, "base_branches: [gh-pages]", "base branch gh-pages is ignored"),
    ],
    ids=["author", "title_keyword", "label", "base_branch"],
)
def test_a_pull_request_the_file_ignores_is_not_reviewed(fake_github, pull, ignore, reason):
    review = pending_review(**{f"pull_request__{name}": value for name, value in pull.items()})
    fake_github.add_file(CONFIG_PATH, f"reviews:\n  ignore:\n    {ignore}\n", ref=BASE)

    review_run(review_id=review.pk)

    review.refresh_from_db()
    assert review.state == JobState.SKIPPED
    assert reason in review.summary


def test_a_member_s_review_command_passes_the_ignored_labels(fake_github, project):
    from reviews.models import PullRequest
    from reviews.services.pulls import review_request

    fake_github.add_file(CONFIG_PATH, "reviews:\n  ignore:\n    labels: [no-review]\n", ref=BASE)
    assert effective_settings(project, project.github_repo, commit=BASE).ignore_labels == ["no-review"]
    pull = PullRequest.objects.create(
        repository=project.github_repo,
        number=9,
        project=project,
        labels=["no-review"],
        head_sha="a" * 40,
        base_sha=BASE,
    )

    review = review_request(pull=pull, trigger="command", requested_by="octocat")

    assert review.state == JobState.PENDING


def test_max_files_of_the_file_caps_the_review(fake_github, changed_files, fake_openai):
    review = pending_review()
    fake_github.add_file(CONFIG_PATH, "reviews:\n  max_files: 1\n", ref=BASE)
    changed_files(review.pull_request.number)

    review_run(review_id=review.pk)

    review.refresh_from_db()
    assert review.files_reviewed == 1
    assert sum(1 for item in review.skipped_files if item["reason"] == "file_cap") == 2


# --- cached per commit --------------------------------------------------------------------------


def test_the_file_of_a_commit_is_read_once(fake_github, project):
    fake_github.add_file(CONFIG_PATH, "reviews:\n  max_files: 3\n", ref=BASE)

    first = effective_settings(project, project.github_repo, commit=BASE)
    again = effective_settings(project, project.github_repo, commit=BASE)

    assert (first.max_files, again.max_files, again.source) == (3, 3, "file")
    assert [key for key, _ in fake_github.calls] == [READ_CONFIG]


def test_another_commit_is_read_again(fake_github, project):
    fake_github.add_file(CONFIG_PATH, "reviews:\n  max_files: 3\n", ref=BASE)
    effective_settings(project, project.github_repo, commit=BASE)

    other = effective_settings(project, project.github_repo, commit="c" * 40)

    assert (other.max_files, other.source) == (20, "admin")
    assert [key for key, _ in fake_github.calls] == [READ_CONFIG, READ_CONFIG]


def test_an_absent_file_is_cached_too(fake_github, project):
    effective_settings(project, project.github_repo, commit=BASE)

    known = effective_settings(project, project.github_repo, commit=BASE, fetch=False)

    assert known.known and known.source == "admin"
    assert len(fake_github.calls) == 1


def test_without_fetching_an_unread_commit_is_unknown(fake_github, project):
    found = effective_settings(project, project.github_repo, commit=BASE, fetch=False)

    assert not found.known
    assert fake_github.calls == []


def test_a_draft_the_file_lets_in_is_reviewed(fake_github, project):
    from reviews.models import PullRequest
    from reviews.services.pulls import review_request

    fake_github.add_file(CONFIG_PATH, "reviews:\n  drafts: true\n", ref=BASE)
    pull = PullRequest.objects.create(
        repository=project.github_repo, number=9, project=project, draft=True, head_sha="a" * 40, base_sha=BASE
    )

    review = review_request(pull=pull, trigger="opened")

    assert review.state == JobState.PENDING
    assert [key for key, _ in fake_github.calls] == [READ_CONFIG]


def test_the_review_keys_of_the_documented_example_are_read_into_the_effective_settings(fake_github, project):
    fake_github.add_file(CONFIG_PATH, documented_example(), ref=BASE)

    found = effective_settings(project, project.github_repo, commit=BASE)

    assert (found.severity_threshold, found.budget_tokens) == ("major", 40000)
    assert found.path_instructions == [
        {"path": "src/api/**", "instructions": "Check that every view checks permissions."}
    ]
    assert (found.ignore_labels, found.ignore_base_branches) == (["no-review"], ["gh-pages"])
    assert found.triage_github == "labels"
