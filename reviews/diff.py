"""Unified-diff hunks of one file (GitHub's `patch` field) with new-file line numbers.

Only lines on the RIGHT side of a hunk (added or context lines, numbered in the new file)
can carry an inline review comment; anything else goes to the summary.
"""

import re
from dataclasses import dataclass, field

_HUNK_HEADER = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@(.*)$")


@dataclass(frozen=True)
class DiffLine:
    kind: str  # "+", "-" or " "
    text: str
    old_line: int | None
    new_line: int | None


@dataclass
class Hunk:
    header: str
    lines: list[DiffLine] = field(default_factory=list)


@dataclass
class FileDiff:
    hunks: list[Hunk]

    @property
    def right_lines(self) -> dict[int, str]:
        """New-file line number → text, for every line a comment may be anchored on."""
        return {line.new_line: line.text for hunk in self.hunks for line in hunk.lines if line.new_line is not None}

    @property
    def added_lines(self) -> int:
        return sum(1 for hunk in self.hunks for line in hunk.lines if line.kind == "+")

    def numbered(self) -> str:
        """The hunks as the LLM sees them: new-file numbers on the left, blank for removed lines."""
        out = []
        for hunk in self.hunks:
            out.append(hunk.header)
            for line in hunk.lines:
                number = "" if line.new_line is None else str(line.new_line)
                out.append(f"{number:>6} {line.kind} {line.text}")
        return "\n".join(out)


def parse_patch(patch: str) -> FileDiff:
    hunks: list[Hunk] = []
    current: Hunk | None = None
    old = new = 0
    for raw in patch.splitlines():
        header = _HUNK_HEADER.match(raw)
        if header:
            old, new = int(header.group(1)), int(header.group(3))
            current = Hunk(header=raw)
            hunks.append(current)
            continue
        if current is None or raw.startswith("\\"):
            continue  # text before the first hunk, "\ No newline at end of file"
        kind, text = (raw[:1] or " "), raw[1:]
        if kind == "+":
            current.lines.append(DiffLine("+", text, None, new))
            new += 1
        elif kind == "-":
            current.lines.append(DiffLine("-", text, old, None))
            old += 1
        else:
            current.lines.append(DiffLine(" ", text, old, new))
            old += 1
            new += 1
    return FileDiff(hunks=hunks)
