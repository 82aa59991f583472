"""Large pull requests: a big patch reviewed in chunks, every call within the model's context,
a token budget spent on what matters most (the rest named in the summary), and unchanged chunks
answered by the LLM cache."""

import pytest

from llm.models import LLMCall
from llm.schema import strict_schema
from llm.tokens import estimate_prompt_tokens
from reviews.prompts import FileReviewOutput
from reviews.repo_config import CONFIG_PATH
from tests.reviews.github import diff_entry
from tests.reviews.reviewing import BASE, HEAD2, open_pull, push, review_head

pytestmark = pytest.mark.django_db

HUNKS = 30


def hunk(number: int, version: int = 1) -> str:
    """A hunk of about 2,000 characters: 30 of them make a 60,000-character patch."""
    start = number * 100
    lines = "\n".join(
        f"+    total_{number}_{line} = compute_value({line}, scale={version}, label='x')" for line in range(36)
    )
    return f"@@ -{start},1 +{start},37 @@ def block_{number}():\n     pass\n{lines}"


def big_patch(version_of_last: int = 1) -> str:
    return "\n".join(hunk(number, version_of_last if number == HUNKS - 1 else 1) for number in range(HUNKS))


def request_tokens(request: dict) -> int:
    return estimate_prompt_tokens(request["messages"], strict_schema(FileReviewOutput))


@pytest.fixture
def big_pull(project, fake_github):
    patch = big_patch()
    assert len(patch) >= 60_000
    return open_pull(project, fake_github, [diff_entry("src/big.py", patch)])


def test_a_60000_character_patch_is_reviewed_in_chunks_not_skipped(big_pull, fake_openai, settings):
    settings.REVIEW_CHUNK_TOKENS = 4000

    review = review_head(big_pull, trigger="opened")

    assert len(fake_openai.requests) >= 4
    assert all("Path: src/big.py" in request["messages"][-1]["content"] for request in fake_openai.requests)
    shown = "\n".join(request["messages"][-1]["content"] for request in fake_openai.requests)
    assert all(f"def block_{number}():" in shown for number in range(HUNKS))
    assert (review.files_reviewed, review.skipped_files) == (1, [])


def test_no_call_exceeds_the_models_context(big_pull, fake_openai, settings):
    settings.LLM_CONTEXT_TOKENS = 3000

    review_head(big_pull, trigger="opened")

    room = settings.LLM_CONTEXT_TOKENS - settings.LLM_COMPLETION_TOKENS_ESTIMATE
    assert max(request_tokens(request) for request in fake_openai.requests) <= room
    assert len(fake_openai.requests) > 6


def test_the_budget_decides_how_much_is_reviewed_and_the_summary_names_what_was_left_out(
    big_pull, fake_github, fake_openai, settings
):
    settings.REVIEW_CHUNK_TOKENS = 4000
    fake_github.add_file(CONFIG_PATH, "reviews:\n  budget_tokens: 9000\n", ref=BASE)

    review = review_head(big_pull, trigger="opened")

    assert sum(request_tokens(request) for request in fake_openai.requests) <= 9000
    [left_out] = review.skipped_files
    assert (left_out["path"], left_out["reason"]) == ("src/big.py", "budget")
    [posted] = fake_github.posted()
    assert f"- `src/big.py` hunk(s) {', '.join(left_out['hunks'])}: over the review's token budget" in posted["body"]
    assert "@@ -2900,1 +2900,37 @@" in left_out["hunks"]


def test_a_file_over_the_budget_altogether_is_named_as_left_out(project, fake_github, fake_openai, settings):
    small = diff_entry("src/auth/tokens.py", "@@ -1 +1,2 @@\n x = 1\n+secret = read()")
    pull = open_pull(project, fake_github, [diff_entry("src/big.py", big_patch()), small])
    fake_github.add_file(CONFIG_PATH, "reviews:\n  budget_tokens: 1000\n", ref=BASE)

    review = review_head(pull, trigger="opened")

    assert review.skipped_files == [{"path": "src/big.py", "reason": "budget"}]
    assert "- `src/big.py`: over the review's token budget" in fake_github.posted()[0]["body"]


def test_a_full_re_review_gets_its_unchanged_chunks_from_the_llm_cache(big_pull, fake_github, fake_openai, settings):
    settings.REVIEW_CHUNK_TOKENS = 4000
    review_head(big_pull, trigger="opened")
    first_calls = len(fake_openai.requests)
    changed = diff_entry("src/big.py", big_patch(version_of_last=2))
    push(big_pull, fake_github, HEAD2, files=[changed], changed=[diff_entry("src/big.py", hunk(HUNKS - 1, 2))])

    review_head(big_pull, trigger="command", full=True)

    assert len(fake_openai.requests) == first_calls + 1
    assert LLMCall.objects.filter(outcome="cache_hit").count() == first_calls - 1
