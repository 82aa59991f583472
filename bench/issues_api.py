"""Issue API benchmark: gunicorn + PostgreSQL (+ Redis for cache, throttling and the broker).

1. Lists: BENCH_ISSUES (100,000) issues across BENCH_PROJECTS (20) projects, bulk-loaded with
   COPY. BENCH_REQUESTS (300) sequential `GET /api/issues/?page_size=100` over keep-alive HTTP
   with a token, for a filter (`status=open`) and a full-text search (`search=checkout`, about
   2% of issues match), beside the hand-written SQL returning the same page (count, page with
   project and assignee, labels of the page) on a direct connection. Goal: p95 < 50 ms and
   API p95 within 3x of the SQL's.
2. CSV import: BENCH_IMPORT_ROWS (10,000) rows posted to `/api/issues/import/`; goal < 10 s.
   The same file is posted again (idempotent re-import: nothing created).

Uses its own database (<DATABASE_URL's name>_bench_issues; the loaded issues are kept and reused
while BENCH_ISSUES/BENCH_PROJECTS stay the same) and REDIS_URL (default redis://127.0.0.1:6379/1;
the `default` and `llm` queues the import fills with triage jobs are emptied afterwards).
Prints the figures and writes bench-results/issues_api.json.
"""

import csv
import io
import json
import random
import secrets
import statistics
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta

import psycopg
import requests

from bench.common import (
    ROOT,
    clear_redis,
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

SEARCH_TERM = "checkout"
GOAL_P95_MS = 50.0
GOAL_RATIO = 3.0
GOAL_IMPORT_S = 10.0

WORDS = (
    "login page error crash timeout slow database query cache user account password email button form "
    "report export import upload download file image search filter sort list table column row screen "
    "mobile browser firefox chrome safari layout style font colour menu dialog modal link redirect api "
    "token session cookie header request response status server client network proxy memory leak cpu "
    "deploy build test release version update install config setting option feature flag docs typo "
    "translation language date time zone calendar invoice payment order basket cart price tax refund "
    "shipping address customer admin role permission access denied missing broken wrong blank empty"
).split()
STATUSES = (("open", 40), ("in_progress", 20), ("resolved", 25), ("closed", 15))
PRIORITIES = (("critical", 5), ("high", 20), ("medium", 50), ("low", 25))
TYPES = (("bug", 50), ("feature", 25), ("question", 10), ("docs", 10), ("chore", 5))
LABELS = ("bug", "ui", "backend", "needs-info", "regression")
USERS = 50


def _choice(rng: random.Random, weighted) -> str:
    values, weights = zip(*weighted, strict=True)
    return rng.choices(values, weights=weights)[0]


def _words(rng: random.Random, count: int) -> list[str]:
    # Zipf-like: a few words are common, most are rare, like real issue text.
    return rng.choices(WORDS, weights=[1 / (rank + 1) for rank in range(len(WORDS))], k=count)


def _figures(seconds: list[float]) -> dict:
    return {
        "median_ms": round(statistics.median(seconds) * 1000, 2),
        "p95_ms": round(percentile(seconds, 95) * 1000, 2),
    }


# --- database ---------------------------------------------------------------------------------


def _loaded(conn, issues: int, projects: int) -> bool:
    row = conn.execute(
        "SELECT (SELECT count(*) FROM issues_project WHERE key LIKE %s),"
        " (SELECT count(*) FROM issues_issue i JOIN issues_project p ON p.id = i.project_id WHERE p.key LIKE %s)",
        ["B%", "B%"],
    ).fetchone()
    return row == (projects, issues)


def _clear(conn) -> None:
    for table in ("issues_activity", "issues_comment", "issues_issue_labels", "issues_task"):
        conn.execute(f"DELETE FROM {table}")
    for table in ("issues_issue", "issues_label", "issues_project", "authtoken_token"):
        conn.execute(f"DELETE FROM {table}")
    conn.execute("DELETE FROM auth_user WHERE username LIKE %s", ["bench%"])


def issue_columns() -> dict:
    """The columns of issues/fields.py: `copy`, {column: model default} of every declared Issue
    column but the id (what the loader fills, the model's default where it makes up no value);
    `page`, those of a list row (issues.selectors). Needs Django set up: see _issue_columns."""
    from issues.fields import ALL_FIELDS
    from issues.models import Issue
    from issues.selectors import ISSUE_ROW_FIELDS

    model_fields = {field.name: field for field in Issue._meta.concrete_fields}
    declared = [model_fields[name] for name in ALL_FIELDS if name in model_fields]
    return {
        "copy": {field.attname: field.get_default() for field in declared if not field.primary_key},
        "page": list(ISSUE_ROW_FIELDS),
    }


def _issue_columns(env: dict) -> dict:
    """issue_columns(), asked of a Django process (this one stays free of Django's settings)."""
    result = subprocess.run(
        [sys.executable, "-m", "bench.issues_api", "--columns"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def _load(conn, issues: int, projects: int, columns: dict) -> float:
    """Projects, labels, users and `issues` issues through COPY; returns the seconds taken.
    `columns`: {column: default} from issue_columns()."""
    started = time.perf_counter()
    rng = random.Random(42)
    _clear(conn)
    now = datetime.now(UTC)
    user_ids = [
        conn.execute(
            "INSERT INTO auth_user (password, is_superuser, username, first_name, last_name, email, is_staff,"
            " is_active, date_joined) VALUES ('!', false, %s, '', '', %s, false, true, now()) RETURNING id",
            [f"bench{n}", f"bench{n}@example.com"],
        ).fetchone()[0]
        for n in range(USERS)
    ]
    project_ids, label_ids = [], {}
    for n in range(projects):
        project_id = conn.execute(
            "INSERT INTO issues_project (key, name, description, archive_exempt_labels, triage_may_create_labels,"
            " issue_counter, created_at, updated_at) VALUES (%s, %s, '', '[\"pinned\"]', false, 0, now(), now())"
            " RETURNING id",
            [f"B{n:02d}", f"Bench project {n}"],
        ).fetchone()[0]
        project_ids.append(project_id)
        label_ids[project_id] = [
            conn.execute(
                "INSERT INTO issues_label (project_id, name, colour, description, created_at)"
                " VALUES (%s, %s, '#888888', '', now()) RETURNING id",
                [project_id, name],
            ).fetchone()[0]
            for name in LABELS
        ]
    numbers = dict.fromkeys(project_ids, 0)
    with conn.cursor().copy(f"COPY issues_issue ({', '.join(columns)}) FROM STDIN") as copy:
        for n in range(issues):
            project_id = project_ids[n % projects]
            numbers[project_id] += 1
            title = _words(rng, rng.randint(4, 9))
            body = _words(rng, rng.randint(15, 60))
            if n % 100 == 0:
                title.insert(rng.randrange(len(title)), SEARCH_TERM)
            elif n % 100 == 50:
                body.insert(rng.randrange(len(body)), SEARCH_TERM)
            status = _choice(rng, STATUSES)
            created = now - timedelta(days=365 * (issues - n) / issues, minutes=rng.random() * 60)
            resolved = created + timedelta(hours=rng.expovariate(1 / 48)) if status in ("resolved", "closed") else None
            archived = now if rng.random() < 0.05 else None
            made = {
                "project_id": project_id,
                "number": numbers[project_id],
                "title": " ".join(title).capitalize()[:300],
                "body": " ".join(body),
                "status": status,
                "priority": _choice(rng, PRIORITIES),
                "type": _choice(rng, TYPES),
                "assignee_id": rng.choice(user_ids) if rng.random() < 0.8 else None,
                "created_at": created,
                "updated_at": created,
                "last_activity_at": resolved or created,
                "resolved_at": resolved,
                "archived_at": archived,
                "triage_state": "done",
                "triage_attempts": 1,
                "plan_state": "skipped",
            }
            copy.write_row([made[column] if column in made else default for column, default in columns.items()])
    conn.execute(
        "INSERT INTO issues_issue_labels (issue_id, label_id)"
        " SELECT i.id, l.id FROM issues_issue i JOIN issues_label l ON l.project_id = i.project_id"
        " WHERE mod(i.id + l.id, 7) = 0"
    )
    conn.execute(
        "UPDATE issues_project p SET issue_counter = (SELECT coalesce(max(number), 0) FROM issues_issue"
        " WHERE project_id = p.id)"
    )
    conn.commit()
    conn.autocommit = True
    conn.execute("VACUUM ANALYZE issues_issue")
    conn.execute("VACUUM ANALYZE issues_issue_labels")
    return time.perf_counter() - started


def _token(conn) -> str:
    old = "SELECT id FROM auth_user WHERE username LIKE %s"
    conn.execute(f"DELETE FROM authtoken_token WHERE user_id IN ({old})", ["bench-client-%"])
    conn.execute("DELETE FROM auth_user WHERE username LIKE %s", ["bench-client-%"])
    user_id = conn.execute(
        "INSERT INTO auth_user (password, is_superuser, username, first_name, last_name, email, is_staff,"
        " is_active, date_joined) VALUES ('!', false, %s, '', '', '', true, true, now()) RETURNING id",
        [f"bench-client-{uuid.uuid4().hex[:8]}"],
    ).fetchone()[0]
    key = secrets.token_hex(20)
    conn.execute("INSERT INTO authtoken_token (key, user_id, created) VALUES (%s, %s, now())", [key, user_id])
    return key


# --- the raw SQL that returns the same page --------------------------------------------------

FROM = " FROM issues_issue i JOIN issues_project p ON p.id = i.project_id LEFT JOIN auth_user u ON u.id = i.assignee_id"
RAW = {
    "filter": {
        "count": "SELECT count(*) FROM issues_issue i WHERE i.archived_at IS NULL AND i.status = 'open'",
        "page": f"SELECT {{columns}}{FROM} WHERE i.archived_at IS NULL AND i.status = 'open'"
        " ORDER BY i.created_at DESC, i.id DESC LIMIT 100",
        "params": [],
    },
    "search": {
        "count": "SELECT count(*) FROM issues_issue i WHERE i.archived_at IS NULL"
        " AND i.search_vector @@ websearch_to_tsquery('english', %s)",
        "page": f"SELECT {{columns}}{FROM} WHERE i.archived_at IS NULL"
        " AND i.search_vector @@ websearch_to_tsquery('english', %s)"
        " ORDER BY ts_rank(i.search_vector, websearch_to_tsquery('english', %s)) DESC, i.created_at DESC,"
        " i.id DESC LIMIT 100",
        "params": [SEARCH_TERM],
    },
}
API = {"filter": "status=open", "search": f"search={SEARCH_TERM}"}
LABELS_SQL = (
    "SELECT il.issue_id, l.name FROM issues_issue_labels il JOIN issues_label l ON l.id = il.label_id"
    " WHERE il.issue_id = ANY(%s)"
)


def _page_columns(columns: list[str]) -> str:
    """The columns of a list row (issue_columns()["page"]) with the project key and the assignee's name."""
    return ", ".join([*(f"i.{column}" for column in columns), "p.key", "u.username"])


def _raw_page(conn, scenario: str, columns: str) -> tuple[int, list[int]]:
    query = RAW[scenario]
    params = query["params"]
    count = conn.execute(query["count"], params).fetchone()[0]
    page = query["page"].format(columns=columns)
    rows = conn.execute(page, params * page.count("%s")).fetchall()
    ids = [row[0] for row in rows]
    conn.execute(LABELS_SQL, [ids]).fetchall()
    return count, ids


# --- scenarios ----------------------------------------------------------------------------------


def _lists(session: requests.Session, base: str, conn, requests_count: int, columns: str) -> dict:
    results = {}
    for scenario, query in API.items():
        url = f"{base}/api/issues/?page_size=100&{query}"
        first = session.get(url, timeout=30)
        first.raise_for_status()
        body = first.json()
        count, raw_ids = _raw_page(conn, scenario, columns)
        same_page = body["count"] == count and [row["id"] for row in body["results"]] == raw_ids
        for _ in range(20):
            session.get(url, timeout=30)
            _raw_page(conn, scenario, columns)
        api_times, raw_times = [], []
        for _ in range(requests_count):
            started = time.perf_counter()
            response = session.get(url, timeout=30)
            api_times.append(time.perf_counter() - started)
            assert response.status_code == 200, response.status_code
            started = time.perf_counter()
            _raw_page(conn, scenario, columns)
            raw_times.append(time.perf_counter() - started)
        api, raw = _figures(api_times), _figures(raw_times)
        results[scenario] = {
            "query": f"/api/issues/?page_size=100&{query}",
            "matching_issues": count,
            "same_page_as_sql": same_page,
            "api": api,
            "sql": raw,
            "p95_ratio": round(api["p95_ms"] / raw["p95_ms"], 2),
            "goal_met": api["p95_ms"] < GOAL_P95_MS and api["p95_ms"] <= GOAL_RATIO * raw["p95_ms"],
        }
    return results


def _import_csv(conn, rows: int) -> tuple[bytes, str]:
    key = "IMP" + secrets.token_hex(3).upper()
    project_id = conn.execute(
        "INSERT INTO issues_project (key, name, description, archive_exempt_labels, triage_may_create_labels,"
        " issue_counter, created_at, updated_at) VALUES (%s, 'Import bench', '', '[]', false, 0, now(), now())"
        " RETURNING id",
        [key],
    ).fetchone()[0]
    for name in LABELS:
        conn.execute(
            "INSERT INTO issues_label (project_id, name, colour, description, created_at)"
            " VALUES (%s, %s, '#888888', '', now())",
            [project_id, name],
        )
    conn.commit()
    rng = random.Random(7)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["title", "description", "status", "priority", "type", "assignee", "labels"])
    for n in range(rows):
        writer.writerow(
            [
                f"{' '.join(_words(rng, 6)).capitalize()} #{n}",
                " ".join(_words(rng, 40)),
                _choice(rng, STATUSES),
                _choice(rng, PRIORITIES),
                _choice(rng, TYPES),
                f"bench{rng.randrange(USERS)}" if rng.random() < 0.7 else "",
                ";".join(rng.sample(LABELS, rng.randint(0, 2))),
            ]
        )
    return out.getvalue().encode(), key


def _drop_import_projects(conn) -> None:
    ids = [row[0] for row in conn.execute("SELECT id FROM issues_project WHERE key LIKE %s", ["IMP%"]).fetchall()]
    if not ids:
        return
    issues = "SELECT id FROM issues_issue WHERE project_id = ANY(%s)"
    conn.execute(f"DELETE FROM issues_activity WHERE issue_id IN ({issues})", [ids])
    conn.execute(f"DELETE FROM issues_issue_labels WHERE issue_id IN ({issues})", [ids])
    for table in ("issues_issue", "issues_label"):
        conn.execute(f"DELETE FROM {table} WHERE project_id = ANY(%s)", [ids])
    conn.execute("DELETE FROM issues_project WHERE id = ANY(%s)", [ids])
    conn.commit()


def _import(session: requests.Session, base: str, conn, rows: int, broker: str) -> dict:
    _drop_import_projects(conn)
    content, key = _import_csv(conn, rows)
    timings, reports = [], []
    for _ in range(2):
        started = time.perf_counter()
        response = session.post(
            f"{base}/api/issues/import/",
            files={"file": ("issues.csv", content, "text/csv")},
            data={"project": key},
            timeout=120,
        )
        timings.append(time.perf_counter() - started)
        response.raise_for_status()
        reports.append(response.json())
    # The import queued triage fan-out messages (and through them triage jobs); no worker runs here.
    clear_redis(broker, patterns=())
    _drop_import_projects(conn)
    return {
        "rows": rows,
        "bytes": len(content),
        "seconds": round(timings[0], 3),
        "created": len(reports[0]["created"]),
        "errors": len(reports[0]["errors"]),
        "reimport_seconds": round(timings[1], 3),
        "reimport_created": len(reports[1]["created"]),
        "goal_met": timings[0] < GOAL_IMPORT_S and len(reports[0]["created"]) == rows,
    }


def run() -> dict:
    issues, projects = env_int("BENCH_ISSUES", 100_000), env_int("BENCH_PROJECTS", 20)
    requests_count, import_rows = env_int("BENCH_REQUESTS", 300), env_int("BENCH_IMPORT_ROWS", 10_000)
    database, broker = database_url("issues"), redis_url()
    ensure_database(database)
    env = environment(
        database,
        broker,
        THROTTLE_USER="100000000/min",
        ISSUE_IMPORT_MAX_ROWS=max(10_000, import_rows),
    )
    migrate(env)
    columns = _issue_columns(env)
    with psycopg.connect(database, autocommit=True) as conn:
        _drop_import_projects(conn)
        load_seconds = None
        if not _loaded(conn, issues, projects):
            with psycopg.connect(database) as loader:
                load_seconds = round(_load(loader, issues, projects, columns["copy"]), 1)
            print(f"loaded {issues:,} issues in {projects} projects in {load_seconds} s", flush=True)
        # Steady state: autovacuum keeps the visibility map current (index-only counts) in production.
        for table in ("issues_issue", "issues_issue_labels", "issues_label", "issues_project", "auth_user"):
            conn.execute(f"VACUUM ANALYZE {table}")
        token = _token(conn)
        port = free_port()
        server = start_gunicorn(env, port, workers=2)
        try:
            session = requests.Session()
            session.headers["Authorization"] = f"Token {token}"
            base = f"http://127.0.0.1:{port}"
            lists = _lists(session, base, conn, requests_count, _page_columns(columns["page"]))
            imported = _import(session, base, conn, import_rows, broker)
        finally:
            stop(server)
    results = {
        "issues": issues,
        "projects": projects,
        "requests_per_scenario": requests_count,
        "load_seconds": load_seconds,
        "lists": lists,
        "import": imported,
        "goals": {"p95_ms": GOAL_P95_MS, "ratio_to_sql": GOAL_RATIO, "import_seconds": GOAL_IMPORT_S},
    }
    _print(results)
    path = write_results("issues_api", results)
    print(f"wrote {path.relative_to(ROOT)}")
    return results


def _print(results: dict) -> None:
    print(
        f"{results['issues']:,} issues, {results['projects']} projects,"
        f" {results['requests_per_scenario']} requests each"
    )
    for name, figures in results["lists"].items():
        api, sql = figures["api"], figures["sql"]
        print(
            f"  {name:<7} {figures['query']}  ({figures['matching_issues']:,} match; same page as SQL: "
            f"{figures['same_page_as_sql']})\n"
            f"          API median {api['median_ms']} ms, p95 {api['p95_ms']} ms | "
            f"SQL median {sql['median_ms']} ms, p95 {sql['p95_ms']} ms | ratio {figures['p95_ratio']}x | "
            f"goal {'met' if figures['goal_met'] else 'MISSED'}"
        )
    imported = results["import"]
    print(
        f"  import  {imported['rows']:,} rows ({imported['bytes'] / 1e6:.1f} MB): {imported['seconds']} s, "
        f"{imported['created']:,} created, {imported['errors']} errors | re-import {imported['reimport_seconds']} s, "
        f"{imported['reimport_created']} created | goal {'met' if imported['goal_met'] else 'MISSED'}"
    )


if __name__ == "__main__":
    if sys.argv[1:] == ["--columns"]:
        import django

        django.setup()
        print(json.dumps(issue_columns(), default=str))
    else:
        run()
