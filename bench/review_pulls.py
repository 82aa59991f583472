"""The pull requests the review lifecycle benchmark (bench/review_lifecycle.py) opens and pushes
to, and the fake LLM that reviews them: it flags every added line holding `eval(`, with the same
message each time, whatever fields the engine's output schema gives a finding.
"""

import re

from tests.fakes.openai_server import sample_for_schema

MODULES = "orders payments invoices shipping customers catalog pricing coupons stock reports".split()
FINDING_MODULE, PLAIN_MODULE = "pricing", "reports"
LARGE_PATH = "src/shop/legacy_tables.py"
LARGE_LINES, LARGE_EVERY = 1920, 12
FLAGGED = "eval("
FINDING_MESSAGE = "eval() runs whatever text it is given; parse the rule with ast.literal_eval or a small parser."
# An added line of a numbered diff as reviews/diff.py shows it: new-file number, "+", text.
ADDED_LINE = re.compile(r"^\s*(\d+)\s+\+ ?(.*)$", re.MULTILINE)


# --- the fake LLM: flags added lines holding `eval(` -----------------------------------------


def _nullable(schema: dict) -> bool:
    options = schema.get("anyOf") or schema.get("oneOf") or []
    kinds = schema.get("type") if isinstance(schema.get("type"), list) else [schema.get("type")]
    return "null" in kinds or any(option.get("type") == "null" for option in options)


def _resolve(schema: dict, root: dict) -> dict:
    while "$ref" in schema:
        target = root
        for part in schema["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        schema = target
    return schema


def _finding(item: dict, root: dict, line: int) -> dict:
    """One finding on `line`, whatever fields the output schema gives a finding."""
    finding = {}
    for name, sub in _resolve(item, root).get("properties", {}).items():
        enum = _resolve(sub, root).get("enum") or []
        if name in ("line", "end_line"):
            finding[name] = line
        elif name == "message":
            finding[name] = FINDING_MESSAGE
        elif name in ("severity", "category") and enum:
            finding[name] = next((value for value in ("major", "security") if value in enum), enum[0])
        elif _nullable(sub):
            finding[name] = None  # no suggestion, no range: a plain finding
        else:
            finding[name] = sample_for_schema(sub, root)
    return finding


def respond(body: dict) -> dict:
    """The reply to a review request: a finding on every added line holding `eval(`."""
    schema = body["response_format"]["json_schema"]["schema"]
    answer = sample_for_schema(schema)
    text = "\n".join(message["content"] for message in body["messages"] if message["role"] == "user")
    flagged = sorted({int(number) for number, line in ADDED_LINE.findall(text) if FLAGGED in line})
    if "summary" in answer:
        answer["summary"] = "Changes the module."
    if "findings" in answer:
        item = _resolve(schema, schema)["properties"]["findings"]["items"]
        answer["findings"] = [_finding(item, schema, line) for line in flagged]
    return answer


# --- the code under review -------------------------------------------------------------------


def module_text(name: str, *, feature: bool = False, wrapped: bool = False, rule: bool = False, limit: int = 10) -> str:
    """A module of the shop at some stage: the base, the feature of the pull request, the
    parser with `eval(` added, the long call re-wrapped, `limit` changed."""
    lines = [
        f'"""The {name} of the shop."""',
        "",
        "import logging",
        "",
        "logger = logging.getLogger(__name__)",
        "",
        "",
        f"def load_{name}(store, key):",
        "    record = store.get(key)",
        "    if record is None:",
        f'        raise KeyError(f"no {name} {{key}}")',
        "    return record",
        "",
        "",
        f"def save_{name}(store, key, record):",
        f'    logger.info("saving {name} %s", key)',
        "    store[key] = record",
    ]
    if feature:
        arguments = "records, currency=currency, rounding=rounding, include_tax=include_tax"
        totals = ["    totals = compute_totals(", f"        {arguments}", "    )"]
        if not wrapped:
            totals = [f"    totals = compute_totals({arguments})"]
        lines += [
            "",
            "",
            f"def summarise_{name}(records, *, currency, rounding, include_tax, limit={limit}):",
            f'    """The {limit} largest {name} with their totals, for the daily report."""',
            "    selected = sorted(records, key=lambda record: record.amount, reverse=True)[:limit]",
            *totals,
            "    lines = []",
            "    for record, total in zip(selected, totals):",
            f'        lines.append(f"{name} {{record.key}}: {{total:.2f}} {{currency}}")',
            *(['    logger.info("summarised %d records", len(lines))'] if limit != 10 else []),
            "    return lines",
        ]
    if rule:
        lines += [
            "",
            "",
            f"def parse_{name}_rule(expression):",
            '    """A rule typed by staff in the admin, e.g. "amount * 0.9"."""',
            "    return eval(expression)",
        ]
    return "\n".join(lines) + "\n"


def module_path(name: str) -> str:
    return f"src/shop/{name}.py"


def large_module_text(*, changed: bool) -> str:
    lines = []
    for index in range(1, LARGE_LINES + 1):
        weight = index % 7 + 1
        if changed and index % LARGE_EVERY == 0:
            source = f"eval(row_source({index}))" if index == LARGE_LINES else f'"row-{index:04d}"'
            lines.append(f"TABLE_{index:04d} = lookup({source}, weight={weight + 1}, checked=True)")
        else:
            lines.append(f'TABLE_{index:04d} = lookup("row-{index:04d}", weight={weight})')
    return "\n".join(lines) + "\n"
