"""Triage inbox benchmark: the admin page through gunicorn with a logged-in triage staff session.

BENCH_ISSUES (100,000) issues across BENCH_PROJECTS (20) projects are loaded as the issue API
benchmark loads them (bench/issues_api.py); then about 10% get a triage run with one to three
open suggestions (and as many already dismissed ones), 2% a failed triage and 3% a low-confidence
triage nobody acted on. BENCH_REQUESTS (200) sequential requests of each scenario (the whole
inbox, one kind of suggestion, one project) render 100 rows each. Goal: p95 < 300 ms.

Uses its own database (BENCH_DATABASE_URL, else <DATABASE_URL's name>_bench_inbox; the issues are
kept and reused while the sizes stay the same) and BENCH_REDIS_URL / REDIS_URL (the cache and
the session-less parts of the admin). Prints the figures and writes bench-results/inbox.json.
"""

import statistics
import subprocess
import sys
import time

import psycopg
import requests

from bench.common import (
    ROOT,
    database_url,
    ensure_database,
    env_int,
    environment,
    free_port,
    migrate,
    percentile,
    redis_url,
    start_gunicorn,
    stop,
    write_results,
)
from bench.issues_api import _issue_columns, _load, _loaded

GOAL_P95_MS = 300.0
INBOX = "/admin/issues/issue/inbox/"
STAFF_USERNAME = "bench-inbox-staff"

# (kind, value as SQL) of the open suggestions, by issue id modulo 5.
SUGGESTIONS = (
    ("label", "jsonb_build_object('label', 'needs-design')"),
    ("priority", "jsonb_build_object('priority', 'high')"),
    ("question", "jsonb_build_object('question', 'Which browser and version do you use?')"),
    ("type", "jsonb_build_object('type', 'feature')"),
    ("duplicate", "jsonb_build_object('number', 1, 'issue_id', i.id - 20, 'reason', 'Same stack trace')"),
)


def _mark_waiting(conn) -> dict:
    """Triage runs and suggestions on the loaded issues (idempotent: cleared first)."""
    conn.execute("DELETE FROM issues_triagesuggestion")
    conn.execute("DELETE FROM issues_triagerun")
    conn.execute(
        "INSERT INTO issues_triagerun (issue_id, engine, note, cached, result, applied, suggestions, created_at)"
        " SELECT id, 'llm', '', false, '{}', '{}', '{}', now() FROM issues_issue WHERE mod(id, 10) = 0"
    )
    # Each run: one open suggestion, a second open one on a third of them, and one dismissed.
    for position, (kind, value) in enumerate(SUGGESTIONS):
        for state, offset, only in (("open", 0, ""), ("open", 1, " AND mod(i.id / 10, 3) = 0"), ("dismissed", 2, "")):
            decided_at = "now()" if state == "dismissed" else "NULL"
            conn.execute(
                "INSERT INTO issues_triagesuggestion (issue_id, run_id, kind, value, why, state, decision_reason,"
                " decided_at, created_at, github_post_state, github_post_error, github_post_attempts)"
                f" SELECT i.id, r.id, %s, {value}, 'A person owns this field.', %s, '', {decided_at}, now(),"
                " 'skipped', '', 0 FROM issues_issue i JOIN issues_triagerun r ON r.issue_id = i.id"
                f" WHERE mod(i.id / 10 + {offset}, 5) = {position}{only}",
                [kind, state],
            )
    conn.execute(
        "UPDATE issues_issue SET triage_state = 'failed', triage_error = 'LLM timed out' WHERE mod(id, 50) = 1"
    )
    conn.execute(
        "UPDATE issues_issue SET triage_confidence = 0.2, triaged_at = last_activity_at + interval '1 minute'"
        " WHERE mod(id, 33) = 2 AND triage_state = 'done'"
    )
    counts = conn.execute(
        "SELECT (SELECT count(*) FROM issues_triagesuggestion WHERE state = 'open'),"
        " (SELECT count(*) FROM issues_triagesuggestion WHERE state <> 'open'),"
        " (SELECT count(*) FROM issues_issue WHERE triage_state = 'failed'),"
        " (SELECT count(*) FROM issues_issue WHERE triage_confidence < 0.5)"
    ).fetchone()
    for table in ("issues_issue", "issues_triagerun", "issues_triagesuggestion"):
        conn.execute(f"VACUUM ANALYZE {table}")
    return dict(
        zip(("open_suggestions", "decided_suggestions", "failed_triage", "low_confidence"), counts, strict=True)
    )


def staff_session() -> str:
    """A triage staff member (the "Triage staff" group, not a superuser) and a session of theirs;
    returns the session key. Needs Django set up: see _session."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
    from django.contrib.sessions.backends.db import SessionStore

    from config.ops.staff import ensure_triage_staff_group

    user, _ = get_user_model().objects.get_or_create(username=STAFF_USERNAME, defaults={"is_staff": True})
    user.set_unusable_password()
    user.save()
    user.groups.add(ensure_triage_staff_group())
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return session.session_key


def _session(env: dict) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "bench.inbox", "--session"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return result.stdout.strip().splitlines()[-1]


def _scenarios(conn) -> dict[str, str]:
    # The project with the most open suggestions: a full page of its own.
    project_id = conn.execute(
        "SELECT issue.project_id FROM issues_triagesuggestion s JOIN issues_issue issue ON issue.id = s.issue_id"
        " WHERE s.state = 'open' GROUP BY issue.project_id ORDER BY count(*) DESC LIMIT 1"
    ).fetchone()[0]
    return {"all": INBOX, "kind": f"{INBOX}?kind=question", "project": f"{INBOX}?project={project_id}"}


def _measure(session: requests.Session, url: str, requests_count: int) -> dict:
    first = session.get(url, timeout=30)
    first.raise_for_status()
    assert "triage-inbox" in first.text, "not the inbox: is the session logged in?"
    rows = first.text.count('class="inbox-issue"')
    for _ in range(10):
        session.get(url, timeout=30)
    times = []
    for _ in range(requests_count):
        started = time.perf_counter()
        response = session.get(url, timeout=30)
        times.append(time.perf_counter() - started)
        assert response.status_code == 200, response.status_code
    p95 = percentile(times, 95) * 1000
    return {
        "rows": rows,
        "bytes": len(first.content),
        "median_ms": round(statistics.median(times) * 1000, 2),
        "p95_ms": round(p95, 2),
        "goal_met": p95 < GOAL_P95_MS and rows == 100,
    }


def run() -> dict:
    issues, projects = env_int("BENCH_ISSUES", 100_000), env_int("BENCH_PROJECTS", 20)
    requests_count = env_int("BENCH_REQUESTS", 200)
    database = database_url("inbox")
    ensure_database(database)
    env = environment(database, redis_url())
    migrate(env)
    with psycopg.connect(database, autocommit=True) as conn:
        if not _loaded(conn, issues, projects):
            with psycopg.connect(database) as loader:
                seconds = _load(loader, issues, projects, _issue_columns(env)["copy"])
            print(f"loaded {issues:,} issues in {projects} projects in {seconds:.1f} s", flush=True)
        waiting = _mark_waiting(conn)
        scenarios = _scenarios(conn)
        key = _session(env)
        port = free_port()
        server = start_gunicorn(env, port, workers=2)
        try:
            session = requests.Session()
            session.cookies.set("sessionid", key)
            base = f"http://127.0.0.1:{port}"
            figures = {
                name: {"url": url, **_measure(session, base + url, requests_count)} for name, url in scenarios.items()
            }
        finally:
            stop(server)
    results = {
        "issues": issues,
        "projects": projects,
        "requests_per_scenario": requests_count,
        "waiting": waiting,
        "scenarios": figures,
        "goal_p95_ms": GOAL_P95_MS,
    }
    _print(results)
    path = write_results("inbox", results)
    print(f"wrote {path.relative_to(ROOT)}")
    return results


def _print(results: dict) -> None:
    print(f"{results['issues']:,} issues, {results['projects']} projects; waiting: {results['waiting']}")
    for name, figures in results["scenarios"].items():
        print(
            f"  {name:<8} {figures['url']}: {figures['rows']} rows, {figures['bytes'] / 1000:.0f} kB | "
            f"median {figures['median_ms']} ms, p95 {figures['p95_ms']} ms | "
            f"goal {'met' if figures['goal_met'] else 'MISSED'}"
        )


if __name__ == "__main__":
    if sys.argv[1:] == ["--session"]:
        import django

        django.setup()
        print(staff_session())
    else:
        run()
