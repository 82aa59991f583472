"""Review lifecycle benchmark: one pull request from opening through three pushes, and a file
too large for one LLM call; gunicorn + PostgreSQL + Redis + a real Celery worker.

1. Lifecycle: a 10-file pull request is opened, then pushed to three times, one file each
   (`synchronize` deliveries with new head SHAs, each sent once the previous review finished):
   one push adds a line the fake LLM reports (it flags every added line holding `eval(`), one
   only re-wraps a long call in that same file (no new finding), one is a plain change to
   another file. Figures: reviews posted, inline comments, summary edits (review bodies updated,
   summary comments written or edited), LLM calls, prompt tokens sent, findings posted twice;
   beside the same figures for a reviewer that re-reviews the whole diff on every push without a
   cache (computed for each head with the project's own file selection, prompt builder and
   token estimator; its findings are the fake LLM's answers to those prompts).
   Goals: one review with the summary plus one review for the push with the finding, no finding
   posted twice, prompt tokens at most a third of the whole-diff reviewer's.
2. Large file: a pull request of one file whose patch is over 60,000 characters (160 hunks; the
   last one holds an `eval(`). Goal: reviewed in more than one LLM call, and every hunk sent to
   the LLM or named in the summary as left out.

Uses its own database (<DATABASE_URL's name>_bench_lifecycle, recreated) and the benchmarks'
Redis database (its queues and rate-limit keys are cleared). The fake LLM runs in this process
(its request log is what "LLM calls" and "prompt tokens" count); GitHub is bench/fake_github.py.
"""

import json
import re
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta

import psycopg

from bench.common import (
    ROOT,
    clear_redis,
    database_url,
    env_flag,
    env_float,
    environment,
    free_port,
    last_json_line,
    manage,
    migrate,
    recreate_database,
    redis_url,
    start_gunicorn,
    start_workers,
    stop,
    write_results,
)
from bench.fake_github import FakeGitHubServer
from bench.review_pulls import (
    FINDING_MESSAGE,
    FINDING_MODULE,
    LARGE_PATH,
    MODULES,
    PLAIN_MODULE,
    large_module_text,
    module_path,
    module_text,
    respond,
)
from bench.webhooks import BENCH_REPO, PAYLOAD, SECRET, Sender
from llm.tokens import estimate_prompt_tokens
from tests.fakes.openai_server import FakeOpenAI

LIFECYCLE_PULL, LARGE_PULL = 14, 15
FINISHED = ("done", "skipped", "failed")
FIGURES = ("reviews_posted", "inline_comments", "summary_edits", "llm_calls", "prompt_tokens", "repeated_findings")
SYNCHRONIZE = ROOT / "tests" / "data" / "github" / "webhooks" / "pull_request" / "synchronize.json"


def _request_tokens(body: dict) -> int:
    return estimate_prompt_tokens(body["messages"], body["response_format"]["json_schema"]["schema"])


# --- deliveries --------------------------------------------------------------------------------


class Deliveries:
    """Signed `pull_request` deliveries of the real payloads, each newer than the one before."""

    def __init__(self, url: str, github: FakeGitHubServer):
        self.sender = Sender(url, 1)
        self.github = github
        self.sent = 0

    def send(self, number: int, action: str, *, before: str | None = None) -> None:
        data = json.loads((SYNCHRONIZE if action == "synchronize" else PAYLOAD).read_bytes())
        _status, pull_data = self.github.get_pull(number)
        self.sent += 1
        updated = (datetime(2026, 12, 2, tzinfo=UTC) + timedelta(minutes=self.sent)).strftime("%Y-%m-%dT%H:%M:%SZ")
        data["number"] = number
        data["repository"]["full_name"] = BENCH_REPO
        pull = data["pull_request"]
        pull.update(number=number, id=pull_data["id"], title=pull_data["title"], body=pull_data["body"])
        pull.update(draft=False, state="open", updated_at=updated)
        pull["head"]["sha"], pull["base"]["sha"] = pull_data["head"]["sha"], pull_data["base"]["sha"]
        if action == "synchronize":
            data["before"], data["after"] = before, pull_data["head"]["sha"]
        [(_started, _duration, status)] = self.sender.send_all(self.sender.prepare([json.dumps(data).encode()]))
        if status != 202:
            raise RuntimeError(f"the webhook answered {status} to a {action} delivery")


def _review_state(database: str, number: int, head_sha: str) -> str | None:
    with psycopg.connect(database) as conn:
        row = conn.execute(
            "SELECT r.state FROM reviews_review r JOIN reviews_pullrequest p ON p.id = r.pull_request_id "
            "WHERE p.number = %s AND r.head_sha = %s",
            [number, head_sha],
        ).fetchone()
    return row[0] if row else None


def _wait_reviewed(database: str, github: FakeGitHubServer, number: int, head_sha: str, timeout: float) -> str:
    """The review job's final state, once it has one and GitHub has heard nothing for 0.5 s
    (a summary update or a check run may follow the posting)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        state = _review_state(database, number, head_sha)
        if state in FINISHED and time.monotonic() - github.last_request_at > 0.5:
            return state
        time.sleep(0.1)
    return f"timed out ({_review_state(database, number, head_sha)})"


def _ledger(database: str, since: datetime) -> dict:
    with psycopg.connect(database) as conn:
        rows = conn.execute(
            "SELECT outcome, count(*), coalesce(sum(prompt_tokens), 0) FROM llm_llmcall "
            "WHERE purpose LIKE 'reviews.%%' AND created_at >= %s GROUP BY outcome",
            [since],
        ).fetchall()
    return {outcome: {"calls": calls, "prompt_tokens": tokens} for outcome, calls, tokens in rows}


def _db_now(database: str) -> datetime:
    with psycopg.connect(database) as conn:
        return conn.execute("SELECT now()").fetchone()[0]


# --- what GitHub received ----------------------------------------------------------------------


def _github_figures(github: FakeGitHubServer, number: int) -> dict:
    comments = github.review_comments.get(number, [])
    keys = Counter(
        (path, github.line_text(number, comment["commit_id"], path, comment["line"]), comment["body"])
        for comment in comments
        for path in [comment["path"]]
    )
    own_comments = github.issue_comments.get(number, [])
    return {
        "reviews_posted": len(github.reviews.get(number, [])),
        "inline_comments": len(comments),
        "review_body_updates": sum(1 for update in github.review_updates if update["number"] == number),
        "summary_comments_created": len(own_comments),
        "summary_comment_edits": sum(
            1 for edit in github.issue_comment_edits if any(c["id"] == edit["comment_id"] for c in own_comments)
        ),
        # The same comment on the same code (path, the commented line's text) more than once.
        "repeated_findings": sum(count - 1 for count in keys.values()),
    }


def _summary_edits(figures: dict) -> int:
    return figures["review_body_updates"] + figures["summary_comment_edits"]


def _summaries(github: FakeGitHubServer, number: int) -> list[str]:
    return [review["body"] for review in github.reviews.get(number, [])] + [
        comment["body"] for comment in github.issue_comments.get(number, [])
    ]


class Step:
    """What one delivery cost: LLM requests and GitHub writes between two marks."""

    def __init__(self, llm: FakeOpenAI, github: FakeGitHubServer, number: int):
        self.llm, self.github, self.number = llm, github, number
        self.requests_at = len(llm.requests)
        self.github_at = _github_figures(github, number)

    def figures(self) -> dict:
        bodies = self.llm.requests[self.requests_at :]
        now = _github_figures(self.github, self.number)
        delta = {key: now[key] - self.github_at[key] for key in now}
        delta["summary_edits"] = _summary_edits(delta)
        return {"llm_calls": len(bodies), "prompt_tokens": sum(_request_tokens(body) for body in bodies), **delta}


# --- the whole-diff reviewer (computed in a child process with Django set up) --------------------


def _whole_diff_child() -> None:
    """stdin: {"title", "description", "heads": [the pull request's changed files at each head]};
    prints the figures of a reviewer that sends every selected file of every head (the engine's
    prompt: path, the pull request's title and description, the file's hunks), nothing cached,
    nothing remembered."""
    import django

    django.setup()
    from django.conf import settings

    from llm.schema import strict_schema
    from reviews.diff import parse_patch
    from reviews.prompts import FileReviewOutput, file_messages, pull_request_data
    from reviews.selection import select_files

    schema = strict_schema(FileReviewOutput)
    response_format = {"json_schema": {"schema": schema}}
    given = json.load(sys.stdin)
    pull_request = pull_request_data(title=given["title"], description=given["description"])
    calls = tokens = comments = 0
    seen: Counter = Counter()
    for files in given["heads"]:
        for entry in select_files(files, max_files=settings.REVIEW_MAX_FILES).files:
            diff = parse_patch(entry["patch"])
            messages = file_messages(path=entry["filename"], numbered_diff=diff.numbered(), pull_request=pull_request)
            calls += 1
            tokens += estimate_prompt_tokens(messages, schema)
            for finding in respond({"messages": messages, "response_format": response_format})["findings"]:
                comments += 1
                seen[(entry["filename"], diff.right_lines.get(finding["line"]), finding["message"])] += 1
    print(
        json.dumps(
            {
                "reviews_posted": len(given["heads"]),
                "inline_comments": comments,
                "summary_edits": 0,
                "llm_calls": calls,
                "prompt_tokens": tokens,
                "repeated_findings": sum(count - 1 for count in seen.values()),
            }
        )
    )


def _whole_diff(env: dict, pull, heads: list[list[dict]]) -> dict:
    output = subprocess.run(
        [sys.executable, "-m", "bench.review_lifecycle", "--child", "whole-diff"],
        cwd=ROOT,
        env=env,
        input=json.dumps({"title": pull.title, "description": pull.body, "heads": heads}),
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return last_json_line(output)


# --- the scenarios ---------------------------------------------------------------------------------


def _lifecycle(database: str, env: dict, llm: FakeOpenAI, github: FakeGitHubServer, deliveries, timeout) -> dict:
    number = LIFECYCLE_PULL
    base = {module_path(name): module_text(name) for name in MODULES}
    head = {module_path(name): module_text(name, feature=True) for name in MODULES}
    heads = [
        github.add_pull(
            number,
            title="Daily summaries for every module of the shop",
            body="Adds a `summarise_*` function to each module, for the daily report.",
            base=base,
            head=head,
        )
    ]
    since = _db_now(database)
    step = Step(llm, github, number)
    deliveries.send(number, "opened")
    state = _wait_reviewed(database, github, number, heads[0], timeout)
    steps = [{"delivery": "opened (10 files)", "head": heads[0], "state": state, **step.figures()}]
    pushes = [
        ("push 1: adds a finding", {module_path(FINDING_MODULE): module_text(FINDING_MODULE, feature=True, rule=True)}),
        (
            "push 2: re-wraps a call (same file)",
            {module_path(FINDING_MODULE): module_text(FINDING_MODULE, feature=True, rule=True, wrapped=True)},
        ),
        ("push 3: plain change", {module_path(PLAIN_MODULE): module_text(PLAIN_MODULE, feature=True, limit=20)}),
    ]
    for label, changes in pushes:
        step = Step(llm, github, number)
        before, after = github.push(number, changes)
        heads.append(after)
        deliveries.send(number, "synchronize", before=before)
        state = _wait_reviewed(database, github, number, after, timeout)
        steps.append({"delivery": label, "head": after, "state": state, **step.figures()})
    figures = _github_figures(github, number)
    figures["summary_edits"] = _summary_edits(figures)
    figures["llm_calls"] = sum(step["llm_calls"] for step in steps)
    figures["prompt_tokens"] = sum(step["prompt_tokens"] for step in steps)
    figures["ledger"] = _ledger(database, since)
    whole = _whole_diff(env, github.pulls[number], [github.pull_files(number, sha) for sha in heads])
    reviews = github.reviews.get(number, [])
    finding_head = heads[1]
    first_has_summary = bool(reviews) and reviews[0]["commit_id"] == heads[0] and bool(reviews[0]["body"].strip())
    finding_review = [
        review
        for review in reviews[1:]
        if review["commit_id"] == finding_head
        and any(
            comment["pull_request_review_id"] == review["id"] and FINDING_MESSAGE in comment["body"]
            for comment in github.review_comments.get(number, [])
        )
    ]
    goals = {
        "one_review_with_summary_plus_one_for_the_finding": figures["reviews_posted"] == 2
        and first_has_summary
        and len(finding_review) == 1,
        "no_repeated_findings": figures["repeated_findings"] == 0,
        "prompt_tokens_at_most_a_third": figures["prompt_tokens"] * 3 <= whole["prompt_tokens"],
        "every_review_done": all(step["state"] == "done" for step in steps),
    }
    return {
        "pull": number,
        "steps": steps,
        "triage_desk": figures,
        "whole_diff_reviewer": whole,
        "prompt_token_ratio": round(figures["prompt_tokens"] / whole["prompt_tokens"], 3),
        "summaries": _summaries(github, number),  # each review's body as it stands now, then summary comments
        "goals": goals,
        "goal_met": all(goals.values()),
    }


def _sent(lines: list[str], requests: list[str]) -> bool:
    """Every one of a hunk's added lines is in some request."""
    return all(any(line in text for text in requests) for line in lines)


def _large_file(database: str, llm: FakeOpenAI, github: FakeGitHubServer, deliveries, timeout) -> dict:
    number = LARGE_PULL
    head_sha = github.add_pull(
        number,
        title="Re-weight the legacy lookup tables",
        body="Every twelfth table gets a higher weight and is marked as checked.",
        base={LARGE_PATH: large_module_text(changed=False)},
        head={LARGE_PATH: large_module_text(changed=True)},
    )
    [entry] = github.pull_files(number)
    hunks = re.split(r"\n(?=@@ )", entry["patch"])
    step = Step(llm, github, number)
    deliveries.send(number, "opened")
    state = _wait_reviewed(database, github, number, head_sha, timeout)
    spent = step.figures()
    sent = [
        "\n".join(message["content"] for message in body["messages"] if message["role"] == "user")
        for body in llm.requests[step.requests_at :]
    ]
    for_file = [text for text in sent if LARGE_PATH in text]
    added = [[line[1:] for line in hunk.splitlines() if line.startswith("+")] for hunk in hunks]
    hunks_sent = sum(1 for lines in added if _sent(lines, for_file))
    left_out = len(hunks) - hunks_sent
    summaries = _summaries(github, number)
    # Each hunk left out named by its header (or the first of them, and "N more" for the rest),
    # or, when none of the file was sent, the file.
    headers = [hunk.splitlines()[0] for hunk, lines in zip(hunks, added, strict=True) if not _sent(lines, for_file)]
    by_header = sum(1 for header in headers if any(header in summary for summary in summaries))
    rest = f"{left_out - by_header} more"
    named = bool(left_out) and (
        by_header == left_out
        or (by_header > 0 and any(rest in summary for summary in summaries))
        or (hunks_sent == 0 and any(LARGE_PATH in summary for summary in summaries))
    )
    last_hunk_finding = any(
        FINDING_MESSAGE in comment["body"] and comment["path"] == LARGE_PATH
        for comment in github.review_comments.get(number, [])
    )
    result = {
        "pull": number,
        "patch_chars": len(entry["patch"]),
        "hunks": len(hunks),
        "state": state,
        "llm_calls_for_file": len(for_file),
        "hunks_sent": hunks_sent,
        "hunks_left_out": left_out,
        "left_out_named_by_header": by_header,
        "left_out_named_in_summary": named,
        "finding_on_last_hunk_posted": last_hunk_finding,
        "summaries": summaries,
        **spent,
    }
    result["goal_met"] = len(for_file) > 1 and (left_out == 0 or named)
    return result


def run() -> dict:
    database, broker = database_url("lifecycle"), redis_url()
    timeout = env_float("BENCH_LIFECYCLE_TIMEOUT_S", 120)
    recreate_database(database)
    env = environment(database, broker, GITHUB_WEBHOOK_SECRET=SECRET)
    migrate(env)
    manage(
        env,
        "shell",
        "-c",
        "from issues.models import Project; "
        f"Project.objects.create(key='LIFE', name='Lifecycle', github_repo='{BENCH_REPO}')",
    )
    clear_redis(broker)
    llm = FakeOpenAI(delay_s=env_float("BENCH_LIFECYCLE_LLM_DELAY_S", 0.05))
    llm.set_responder(respond)
    llm.start()
    # BENCH_LIFECYCLE_FULL=1: every push looks like a force-push, so the engine reviews the
    # whole diff each time (with LLM_CACHE_TTL_S=0: the whole-diff reviewer, measured).
    github = FakeGitHubServer(forget_heads=env_flag("BENCH_LIFECYCLE_FULL")).start()
    worker_env = {
        **env,
        "OPENAI_BASE_URL": llm.url,
        "OPENAI_API_KEY": "sk-bench",
        "LLM_RPM": "100000",
        "LLM_TPM": "1000000000",
        "GITHUB_API_URL": github.url,
        "GITHUB_TOKEN": "bench-token",
    }
    port = free_port()
    web = start_gunicorn(env, port, workers=1, threads=2)
    workers = []
    try:
        workers = start_workers(worker_env, count=1, concurrency=2, name="lifecycle")
        deliveries = Deliveries(f"http://127.0.0.1:{port}/webhooks/github/", github)
        lifecycle = _lifecycle(database, worker_env, llm, github, deliveries, timeout)
        large = _large_file(database, llm, github, deliveries, timeout)
    finally:
        stop(*workers, web)
        github.stop()
        llm.stop()
    result = {
        "lifecycle": lifecycle,
        "large_file": large,
        "github_calls": dict(github.calls),
        "github_unserved": github.unserved,
        "llm_invalid_requests": len(llm.invalid_requests),
        "goal_met": lifecycle["goal_met"] and large["goal_met"],
    }
    _print(result)
    write_results("review_lifecycle", result)
    return result


def _print(result: dict) -> None:
    life = result["lifecycle"]
    ours, whole = life["triage_desk"], life["whole_diff_reviewer"]
    print(f"lifecycle of pull request {life['pull']}:", flush=True)
    for step in life["steps"]:
        print(
            f"  {step['delivery']}: {step['state']}; reviews {step['reviews_posted']}, "
            f"inline {step['inline_comments']}, summary edits {step['summary_edits']}, "
            f"LLM calls {step['llm_calls']}, prompt tokens {step['prompt_tokens']}",
            flush=True,
        )
    print(f"  {'':24} {'Triage Desk':>12} {'whole diff':>12}")
    for key in FIGURES:
        print(f"  {key:24} {ours[key]:>12} {whole[key]:>12}")
    print(f"  prompt tokens: {life['prompt_token_ratio']:.3f} of the whole-diff reviewer's (goal <= 0.333)")
    for goal, met in life["goals"].items():
        print(f"  goal {goal}: {'met' if met else 'NOT met'}")
    large = result["large_file"]
    named = f" (named in the summary: {large['left_out_named_in_summary']})" if large["hunks_left_out"] else ""
    print(
        f"large file: patch {large['patch_chars']} chars in {large['hunks']} hunks: {large['state']}; "
        f"LLM calls for it {large['llm_calls_for_file']}, hunks sent {large['hunks_sent']}, "
        f"left out {large['hunks_left_out']}{named}, "
        f"finding on the last hunk posted: {large['finding_on_last_hunk_posted']} "
        f"(goal > 1 call, nothing silently dropped: {'met' if large['goal_met'] else 'NOT met'})",
        flush=True,
    )
    if result["github_unserved"] or result["llm_invalid_requests"]:
        print(f"  unserved GitHub requests {result['github_unserved']}")
        print(f"  invalid LLM requests {result['llm_invalid_requests']}")


if __name__ == "__main__":
    if sys.argv[1:] == ["--child", "whole-diff"]:
        _whole_diff_child()
