"""The admin dashboard (/admin/dashboard/) through gunicorn with a superuser's session, on a year
of data: BENCH_ISSUES issues (100,000), two triage writes each in the activity history and a
person's label change on one in ten, 2 × BENCH_ISSUES ledger rows, BENCH_ISSUES / 5 reviews with
four findings each (two judged) and BENCH_ISSUES / 5 triage suggestions.

Its database is `<DATABASE_URL's name>_bench_dashboard` (or BENCH_DATABASE_URL), loaded once
with SQL and reused while it holds BENCH_ISSUES issues.
"""

import re
import statistics
import sys
import time

import psycopg
import requests

from bench.common import (
    ROOT,
    ensure_database,
    env_int,
    environment,
    free_port,
    manage,
    migrate,
    percentile,
    start_gunicorn,
    stop,
    write_results,
)
from bench.common import database_url as bench_database_url

PASSWORD = "bench-dashboard"
GOAL_P95_MS = 1000

LOAD = [
    """INSERT INTO issues_project (key, name, description, archive_exempt_labels, issue_counter, created_at,
         updated_at, triage_may_create_labels)
       SELECT 'D' || n, 'Dashboard bench ' || n, '', '["pinned"]', %(issues)s / 20, now(), now(), false
       FROM generate_series(1, 20) n""",
    # A year of issues, in order of creation; 1 in 20 archived, 1 in 50 failed triage.
    """INSERT INTO issues_issue (project_id, number, title, body, status, priority, type, reporter, source,
         external_id, version, created_at, updated_at, last_activity_at, archived_at, priority_set_by_human,
         type_set_by_human, summary_set_by_human, summary, triage_state, triage_error, triage_attempts,
         triage_state_changed_at, triaged_at, plan_state, plan_error, plan_attempts, github_repository,
         github_sync_state, github_sync_error, github_sync_attempts, github_comment_hash, github_labels_sent)
       SELECT p.id, (n - 1) / 20 + 1, 'Issue ' || n, '', 'open', 'medium', 'bug', '', '', '', 1,
         now() - interval '365 days' * (%(issues)s - n) / %(issues)s, now(), now(),
         CASE WHEN n %% 20 = 0 THEN now() - interval '300 days' * (%(issues)s - n) / %(issues)s END,
         false, false, false, '', CASE WHEN n %% 50 = 0 THEN 'failed' ELSE 'done' END, '', 1, now(),
         now() - interval '365 days' * (%(issues)s - n) / %(issues)s + interval '2 minutes',
         'skipped', '', 0, '', 'skipped', '', 0, '', '[]'
       FROM generate_series(1, %(issues)s) n JOIN issues_project p ON p.key = 'D' || (n %% 20 + 1)""",
    """INSERT INTO issues_activity (issue_id, actor_type, actor_name, field, old_value, new_value, created_at)
       SELECT i.id, 'llm', '', f, CASE WHEN f = 'labels' THEN '[]'::jsonb ELSE '"medium"'::jsonb END,
         CASE WHEN f = 'labels' THEN '["bug"]'::jsonb ELSE '"high"'::jsonb END, i.triaged_at
       FROM issues_issue i CROSS JOIN (VALUES ('priority'), ('labels')) AS v(f)""",
    """INSERT INTO issues_activity (issue_id, actor_type, actor_name, field, old_value, new_value, created_at)
       SELECT id, 'user', 'someone', 'labels', '["bug"]'::jsonb, '[]'::jsonb, triaged_at + interval '1 day'
       FROM issues_issue WHERE id %% 10 = 0""",
    """INSERT INTO llm_llmcall (created_at, purpose, model, outcome, attempt, subject_id, request_hash,
         prompt_tokens, completion_tokens, cached_tokens, cost_usd, latency_ms, error_type, error_message,
         provider_request_id, reply)
       SELECT now() - interval '365 days' * (2 * %(issues)s - n) / (2 * %(issues)s), 'issues.triage',
         'gpt-4o-mini', CASE WHEN n %% 4 = 0 THEN 'cache_hit' ELSE 'ok' END, 1, '', md5(n::text), 500, 100, 0,
         0.0012, 800, '', '', '', ''
       FROM generate_series(1, 2 * %(issues)s) n""",
    """INSERT INTO reviews_pullrequest (repository, number, title, author, author_is_bot, state, draft, base_sha,
         head_sha, html_url, created_at, updated_at)
       SELECT 'bench/dashboard', n, '', '', false, 'open', false, '', '', '', now(), now()
       FROM generate_series(1, 2000) n""",
    """INSERT INTO reviews_review (state, error, attempts, head_sha, trigger, requested_by, summary,
         files_reviewed, files_skipped, skipped_files, file_summaries, inline_comments, summary_comments,
         posted_at, created_at, pull_request_id, config_error)
       SELECT 'done', '', 1, md5(n::text), 'opened', '', '', 1, 0, '[]', '[]', 0, 0,
         now() - interval '365 days' * n / (%(issues)s / 5), now(), pr.id, ''
       FROM generate_series(1, %(issues)s / 5) n JOIN reviews_pullrequest pr ON pr.number = n %% 2000 + 1""",
    """INSERT INTO reviews_reviewcomment (review_id, path, line, side, body, severity, category, fingerprint,
         inline, outcome, outcome_source, outcome_at, created_at)
       SELECT r.id, 'a.py', 1, 'RIGHT', '', 'minor', 'bug', md5(r.id::text || k), true,
         CASE k WHEN 1 THEN 'helpful' WHEN 2 THEN 'dismissed' ELSE '' END, '',
         CASE WHEN k <= 2 THEN r.posted_at + interval '1 hour' END, now()
       FROM reviews_review r CROSS JOIN generate_series(1, 4) k""",
    """INSERT INTO issues_triagerun (issue_id, engine, note, cached, result, applied, suggestions, created_at)
       SELECT id, 'llm', '', false, '{}', '{}', '{}', triaged_at FROM issues_issue WHERE id %% 5 = 0""",
    """INSERT INTO issues_triagesuggestion (kind, value, why, state, decided_at, decision_reason, created_at,
         github_post_state, github_post_error, github_post_attempts, issue_id, run_id)
       SELECT CASE WHEN id %% 2 = 0 THEN 'label' ELSE 'duplicate' END, '{}', '',
         CASE id %% 3 WHEN 0 THEN 'accepted' WHEN 1 THEN 'dismissed' ELSE 'open' END,
         CASE WHEN id %% 3 < 2 THEN created_at + interval '1 day' END, '', created_at, 'skipped', '', 0, issue_id, id
       FROM issues_triagerun""",
]
TABLES = (
    "issues_triagesuggestion",
    "issues_triagerun",
    "reviews_reviewcomment",
    "reviews_review",
    "reviews_pullrequest",
    "llm_llmcall",
    "issues_activity",
    "issues_issue",
    "issues_project",
)


def _load(conn, issues: int) -> float:
    started = time.perf_counter()
    for table in TABLES:
        conn.execute(f"DELETE FROM {table}")
    for statement in LOAD:
        conn.execute(statement, {"issues": issues})
    conn.commit()
    return time.perf_counter() - started


def _signed_in(base: str, username: str) -> requests.Session:
    session = requests.Session()
    session.get(f"{base}/admin/login/", timeout=30)
    response = session.post(
        f"{base}/admin/login/",
        data={
            "username": username,
            "password": PASSWORD,
            "csrfmiddlewaretoken": session.cookies["csrftoken"],
            "next": "/admin/",
        },
        headers={"Referer": f"{base}/admin/login/"},
        timeout=30,
    )
    response.raise_for_status()
    return session


def run() -> dict:
    issues, requests_count = env_int("BENCH_ISSUES", 100_000), env_int("BENCH_REQUESTS", 30)
    database = bench_database_url("dashboard")
    ensure_database(database)
    # Plain HTTP to gunicorn: the session and CSRF cookies must travel without TLS.
    env = environment(
        database, None, DJANGO_SUPERUSER_PASSWORD=PASSWORD, SESSION_COOKIE_SECURE="false", CSRF_COOKIE_SECURE="false"
    )
    migrate(env)
    with psycopg.connect(database, autocommit=True) as conn:
        load_seconds = None
        if conn.execute("SELECT count(*) FROM issues_issue").fetchone()[0] != issues:
            with psycopg.connect(database) as loader:
                load_seconds = round(_load(loader, issues), 1)
            print(f"loaded {issues:,} issues and the rest in {load_seconds} s", flush=True)
        for table in TABLES:
            conn.execute(f"VACUUM ANALYZE {table}")
        if not conn.execute("SELECT 1 FROM auth_user WHERE username = 'bench-dashboard'").fetchone():
            manage(env, "createsuperuser", "--noinput", "--username", "bench-dashboard", "--email", "b@example.com")
    port = free_port()
    server = start_gunicorn(env, port, workers=1)
    try:
        base = f"http://127.0.0.1:{port}"
        session = _signed_in(base, "bench-dashboard")
        first = session.get(f"{base}/admin/dashboard/", timeout=60)
        first.raise_for_status()
        timings = []
        for _ in range(requests_count):
            started = time.perf_counter()
            session.get(f"{base}/admin/dashboard/", timeout=60).raise_for_status()
            timings.append((time.perf_counter() - started) * 1000)
    finally:
        stop(server)
    drawn = [float(value) for value in re.findall(r'data-value="([\d.]+)"', first.text)]
    results = {
        "issues": issues,
        "requests": requests_count,
        "load_seconds": load_seconds,
        "page_bytes": len(first.content),
        "marks_with_data": sum(1 for value in drawn if value > 0),
        "median_ms": round(statistics.median(timings), 1),
        "p95_ms": round(percentile(timings, 95), 1),
        "goal_p95_ms": GOAL_P95_MS,
        "goal_met": percentile(timings, 95) < GOAL_P95_MS,
    }
    print(
        f"{issues:,} issues: dashboard median {results['median_ms']} ms, p95 {results['p95_ms']} ms"
        f" over {requests_count} requests ({results['page_bytes']:,} bytes, {results['marks_with_data']} marks"
        f" with data) | goal p95 < {GOAL_P95_MS} ms {'met' if results['goal_met'] else 'MISSED'}"
    )
    path = write_results("dashboard", results)
    print(f"wrote {path.relative_to(ROOT)}")
    return results


if __name__ == "__main__":
    run()
    sys.exit(0)
