"""The dashboard's panels: the selectors' figures turned into charts and numbers to read beside."""

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from config.dashboard import selectors
from config.dashboard.charts import Chart, Row, Series, daily_chart, rows_chart
from config.jobs.state import JobKind, JobState


@dataclass
class Panel:
    title: str
    charts: list[Chart]
    figures: list[tuple[str, str]] = field(default_factory=list)  # (what, how much), shown beside
    note: str = ""

    @property
    def slug(self) -> str:
        return self.charts[0].slug if self.charts else ""


def _values(daily: selectors.Daily, window: selectors.Window, figure: str, zero=0) -> list:
    return [(daily.get(day, {}).get(figure) or zero) for day in window.days]


def issues_panel(window: selectors.Window) -> Panel:
    per_day = selectors.issues_per_day(window=window)
    series = [
        Series(key, key.capitalize(), _values(per_day[key], window, "count"))
        for key in ("opened", "triaged", "archived")
    ]
    return Panel(
        "Issues",
        [daily_chart(title="Issues opened, triaged and archived per day", days=window.days, series=series)],
        [(s.label, s.total) for s in series],
    )


DECISION_SERIES = [
    Series("kept", "Applied and kept", []),
    Series("accepted", "Accepted", []),
    Series("changed", "Changed by hand", []),
    Series("dismissed", "Dismissed", []),
]


def triage_panel(window: selectors.Window) -> Panel:
    """What people made of triage's decisions, per field: a value triage applied is kept or
    changed by hand within a week; a suggestion it left for a person is accepted or dismissed."""
    rows = [
        Row(
            field.capitalize(),
            {
                "kept": counts["applied"] - counts["changed_by_hand"],
                "accepted": counts["accepted"],
                "changed": counts["changed_by_hand"],
                "dismissed": counts["dismissed"],
            },
        )
        for field, counts in selectors.triage_decisions(window=window).items()
    ]
    decided = sum(sum(row.values.values()) for row in rows)
    taken = sum(row.values["kept"] + row.values["accepted"] for row in rows)
    return Panel(
        "Triage decisions",
        [rows_chart(title="Triage decisions by field", series=DECISION_SERIES, rows=rows, shares=True)],
        [("Decisions", f"{decided:,}"), ("Kept or accepted", f"{taken / decided:.0%}" if decided else "–")],
        note="Applied values count as changed by hand when a person changed them within a week.",
    )


def llm_panel(window: selectors.Window) -> Panel:
    per_day = selectors.llm_per_day(window=window)
    calls, hits = _values(per_day, window, "calls"), _values(per_day, window, "cache_hits")
    cost = Series("cost", "Cost (USD)", _values(per_day, window, "cost_usd", Decimal(0)), money=True)
    call_series = [
        Series("provider", "Provider calls", [total - hit for total, hit in zip(calls, hits, strict=True)]),
        Series("cache-hits", "Cache hits", hits),
    ]
    hit_rate = f"{sum(hits) / sum(calls):.0%}" if sum(calls) else "–"
    return Panel(
        "LLM",
        [
            daily_chart(title="LLM calls per day", days=window.days, series=call_series, kind="stacked"),
            daily_chart(title="LLM cost per day", days=window.days, series=[cost], kind="line"),
        ],
        [("Calls", f"{sum(calls):,}"), ("Cache hit rate", hit_rate), ("Cost", cost.total)],
    )


def reviews_panel(window: selectors.Window) -> Panel:
    posted = Series("posted", "Reviews posted", _values(selectors.reviews_per_day(window=window), window, "count"))
    findings = selectors.findings_per_day(window=window)
    verdicts = [
        Series("helpful", "Helpful", _values(findings, window, "helpful")),
        Series("dismissed", "Dismissed", _values(findings, window, "dismissed")),
    ]
    return Panel(
        "Code reviews",
        [
            daily_chart(title="Reviews posted per day", days=window.days, series=[posted]),
            daily_chart(title="Review findings helpful or dismissed per day", days=window.days, series=verdicts),
        ],
        [("Reviews posted", posted.total), *((f"Findings {s.label.lower()}", s.total) for s in verdicts)],
    )


QUEUE_SERIES = [Series(state.value, state.label, []) for state in selectors.QUEUE_STATES]


def jobs_panel(list_url: Callable[[JobKind, str], str]) -> Panel:
    """`list_url(kind, state)`: the admin list of the kind's rows in that state, or "" when the
    viewer may not open it."""
    rows = [
        Row(kind.title, counts, {JobState.FAILED.value: list_url(kind, JobState.FAILED)})
        for kind, counts in selectors.jobs_now()
    ]
    return Panel(
        "Background jobs now",
        [rows_chart(title="Jobs pending, running and failed by kind", series=QUEUE_SERIES, rows=rows, shares=False)],
        [(s.label, f"{sum(row.values[s.key] for row in rows):,}") for s in QUEUE_SERIES],
        note="Failed counts open the list of those rows, to re-run them.",
    )
