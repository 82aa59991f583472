"""Archive job benchmark: `python -m bench archive`.

Loads N issues (BENCH_ARCHIVE_ROWS; half stale, 4% of the stale ones exempt: pinned or open
critical) into its own PostgreSQL database with one INSERT ... SELECT generate_series, then
measures, each in a fresh child process:

  raw       one SQL UPDATE of exactly the rows the job archives (same predicate, no history)
  raw+log   the same UPDATE plus the INSERT of the activity rows, as one statement
  job       the archive job (issues_archive_stale), batched, with its activity rows

Between runs the rows are put back and the tables vacuumed. Figures: wall time of the work
and peak RSS of the child; goal: job within 2x of raw, memory flat (< 200 MB) at any size.

Environment: BENCH_ARCHIVE_ROWS (default 200000, about two minutes; the full size is 1000000,
about 10 minutes), BENCH_ARCHIVE_BATCH (ARCHIVE_BATCH_SIZE, default 5000), BENCH_ARCHIVE_REPEAT
(rounds, default 2; each run's best time counts), BENCH_DATABASE_URL (default: DATABASE_URL's
server, database `<its name>_bench_archive`; dropped and created).
"""

import json
import os
import resource
import sys
import time

import psycopg

from bench.common import (
    database_url,
    env_int,
    environment,
    last_json_line,
    migrate,
    recreate_database,
    run_child,
    write_results,
)

GOAL_RATIO = 2.0
GOAL_RSS_MB = 200

STALE_DAYS = 60  # stale rows are this old; ARCHIVE_AFTER_DAYS stays 30
CUTOFF_SQL = "now() - interval '30 days'"
# The job's predicate, written by hand for the raw statements.
RAW_PREDICATE = f"""
    issue.archived_at IS NULL
    AND issue.last_activity_at < {CUTOFF_SQL}
    AND NOT (issue.priority = 'critical' AND issue.status NOT IN ('resolved', 'closed'))
    AND NOT EXISTS (
        SELECT 1 FROM issues_issue_labels link
        JOIN issues_label label ON label.id = link.label_id
        JOIN issues_project project ON project.id = label.project_id
        WHERE link.issue_id = issue.id AND project.archive_exempt_labels ? lower(label.name)
    )
"""
RAW_SQL = f"UPDATE issues_issue AS issue SET archived_at = now(), updated_at = now() WHERE {RAW_PREDICATE}"
RAW_WITH_LOG_SQL = f"""
    WITH archived AS ({RAW_SQL} RETURNING issue.id)
    INSERT INTO issues_activity (issue_id, actor_type, actor_name, field, old_value, new_value, created_at)
    SELECT id, 'automation', 'beat', 'archived_at', NULL, to_jsonb(now()::text), now() FROM archived
"""


def _child_env(url: str, batch: int) -> dict:
    # No Redis: the job needs none, and embedded mode keeps the measurement to PostgreSQL.
    return environment(url, None, debug=True, ARCHIVE_BATCH_SIZE=batch)


def _load(conn, rows: int) -> None:
    """N issues in one statement; even numbers stale. Columns come from the live table, so a new
    column with a default needs no change here."""
    columns = conn.execute(
        """SELECT column_name, is_nullable FROM information_schema.columns
           WHERE table_name = 'issues_issue' AND column_name <> 'id' ORDER BY ordinal_position"""
    ).fetchall()
    # (%% is a literal % in a statement with parameters)
    stale = f"now() - interval '{STALE_DAYS} days' - (g %% 1000) * interval '1 minute'"
    fresh = "now() - (g %% 1000) * interval '1 minute'"
    when = f"CASE WHEN g %% 2 = 0 THEN {stale} ELSE {fresh} END"
    known = {
        "project_id": "%(project)s",
        "number": "g",
        "title": "'Benchmark issue ' || g",
        "status": "CASE WHEN g %% 10 = 4 THEN 'resolved' ELSE 'open' END",
        "priority": "CASE WHEN g %% 100 = 2 THEN 'critical' ELSE 'medium' END",
        "type": "'bug'",
        "version": "1",
        "created_at": when,
        "updated_at": when,
        "last_activity_at": when,
        "triage_state": "'done'",
        "plan_state": "'skipped'",
    }
    values = []
    for name, nullable in columns:
        if name in known:
            values.append(known[name])
        elif nullable == "YES":
            values.append("NULL")
        else:
            values.append(_zero(conn, name))
    project = conn.execute(
        """INSERT INTO issues_project (key, name, description, archive_exempt_labels, issue_counter,
           created_at, updated_at) VALUES ('BENCH', 'Benchmark', '', '["pinned"]', %s, now(), now()) RETURNING id""",
        [rows],
    ).fetchone()[0]
    label = conn.execute(
        """INSERT INTO issues_label (project_id, name, colour, description, created_at)
           VALUES (%s, 'pinned', '#888888', '', now()) RETURNING id""",
        [project],
    ).fetchone()[0]
    conn.execute("ALTER TABLE issues_issue DISABLE TRIGGER USER")  # the search vector is not measured
    conn.execute(
        f"INSERT INTO issues_issue ({', '.join(name for name, _ in columns)}) "
        f"SELECT {', '.join(values)} FROM generate_series(1, %(rows)s) AS g",
        {"project": project, "rows": rows},
    )
    conn.execute("ALTER TABLE issues_issue ENABLE TRIGGER USER")
    conn.execute(
        "INSERT INTO issues_issue_labels (issue_id, label_id) SELECT id, %s FROM issues_issue WHERE number %% 100 = 6",
        [label],
    )


def _zero(conn, column: str) -> str:
    data_type = conn.execute(
        "SELECT data_type FROM information_schema.columns WHERE table_name = 'issues_issue' AND column_name = %s",
        [column],
    ).fetchone()[0]
    if data_type in ("integer", "bigint", "smallint", "double precision", "numeric", "real"):
        return "0"
    if data_type == "boolean":
        return "false"
    if data_type.startswith("timestamp"):
        return "now()"
    if data_type == "jsonb":
        return "'{}'::jsonb"
    return "''"


def _reset(conn) -> None:
    conn.execute("DELETE FROM issues_activity")
    conn.execute(
        "UPDATE issues_issue SET archived_at = NULL, updated_at = last_activity_at WHERE archived_at IS NOT NULL"
    )


def _vacuum(url: str) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM (ANALYZE) issues_issue")
        conn.execute("VACUUM (ANALYZE) issues_activity")
        conn.execute("CHECKPOINT")


def _measure(mode: str, url: str, batch: int) -> dict:
    return last_json_line(run_child("bench.archive", _child_env(url, batch), mode, capture=True))


def _child(mode: str) -> None:
    """Run one measurement in this (fresh) process and print its figures as JSON."""
    if mode == "job":
        import django

        django.setup()
        from issues.archiving import issues_archive_stale

        rss_before = _rss_mb()
        started = time.perf_counter()
        report = issues_archive_stale()
        seconds = time.perf_counter() - started
        figures = {"archived": report.archived, "batches": report.batches}
    else:
        url = os.environ["DATABASE_URL"]
        with psycopg.connect(url, autocommit=True) as conn:
            rss_before = _rss_mb()
            started = time.perf_counter()
            cursor = conn.execute(RAW_SQL if mode == "raw" else RAW_WITH_LOG_SQL)
            seconds = time.perf_counter() - started
            figures = {"archived": cursor.rowcount}
    print(json.dumps({**figures, "seconds": round(seconds, 3), "rss_before_mb": rss_before, "peak_rss_mb": _rss_mb()}))


def _rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def run() -> dict:
    rows = env_int("BENCH_ARCHIVE_ROWS", 200_000)
    batch = env_int("BENCH_ARCHIVE_BATCH", 5000)
    repeat = env_int("BENCH_ARCHIVE_REPEAT", 2)
    url = database_url("archive")
    print(
        f"archive: {rows:,} issues (half stale; 4% of the stale ones exempt: pinned or open critical), "
        f"batch {batch}, best of {repeat} rounds, database {url}",
        flush=True,
    )

    recreate_database(url)
    migrate(_child_env(url, batch))
    started = time.perf_counter()
    with psycopg.connect(url, autocommit=True) as conn:
        _load(conn, rows)
    print(f"  loaded in {time.perf_counter() - started:.1f} s", flush=True)

    # Rounds alternate the order of the three runs; each run's best time counts (the machine is shared).
    all_runs: dict[str, list[dict]] = {"raw": [], "raw+log": [], "job": []}
    for round_number in range(repeat):
        order = ("raw", "raw+log", "job") if round_number % 2 == 0 else ("job", "raw+log", "raw")
        for mode in order:
            _vacuum(url)
            measured = _measure(mode.replace("+", "_"), url, batch)
            all_runs[mode].append(measured)
            with psycopg.connect(url, autocommit=True) as conn:
                _reset(conn)
            print(
                f"  {mode:8} {measured['seconds']:8.2f} s  archived {measured['archived']:,}  "
                f"peak RSS {measured['peak_rss_mb']:.0f} MB",
                flush=True,
            )
    figures = {mode: min(runs, key=lambda run: run["seconds"]) for mode, runs in all_runs.items()}

    job, raw, raw_log = figures["job"], figures["raw"], figures["raw+log"]
    counts_match = job["archived"] == raw["archived"] == raw_log["archived"]
    summary = {
        "rows": rows,
        "batch_size": batch,
        "rounds": repeat,
        "best": figures,
        "runs": all_runs,
        "same_rows": counts_match,
        "job_vs_raw": round(job["seconds"] / raw["seconds"], 2),
        "job_vs_raw_with_log": round(job["seconds"] / raw_log["seconds"], 2),
        "job_peak_rss_mb": job["peak_rss_mb"],
        "job_rss_growth_mb": round(job["peak_rss_mb"] - job["rss_before_mb"], 1),
        "goal": f"job within {GOAL_RATIO}x of raw, peak RSS < {GOAL_RSS_MB} MB",
    }
    summary["goal_met"] = summary["job_vs_raw"] <= GOAL_RATIO and job["peak_rss_mb"] < GOAL_RSS_MB
    print(
        f"  job/raw {summary['job_vs_raw']}x, job/(raw+log) {summary['job_vs_raw_with_log']}x, "
        f"job peak RSS {job['peak_rss_mb']:.0f} MB (+{summary['job_rss_growth_mb']} MB during the job), "
        f"same rows: {counts_match}; goal met: {summary['goal_met']}",
        flush=True,
    )
    write_results("archive", summary)
    return summary


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--child":
        _child(sys.argv[2])
    else:
        run()
