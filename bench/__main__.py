"""`make bench` entry point: `python -m bench [name ...]` runs the named benchmarks (default all)."""

import importlib
import sys

BENCHMARKS: list[str] = [
    "webhooks",
    "archive",
    "issues_api",
    "inbox",
    "llm_throughput",
    "feedback_throughput",
    "connections",
    "worker_kill",
    "dashboard",
    "review_lifecycle",
]


def main(argv: list[str]) -> int:
    selected = argv or BENCHMARKS
    if not selected:
        print("No benchmarks are registered yet (bench/__main__.py: BENCHMARKS).")
        return 0
    for name in selected:
        module = importlib.import_module(f"bench.{name}")
        print(f"== {name} ==", flush=True)
        module.run()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
