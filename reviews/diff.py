"""Unified-diff hunks of one file (GitHub's `patch` field) with new-file line numbers.

Only lines on the RIGHT side of a hunk (added or context lines, numbered in the new file)
can carry an inline review comment; anything else goes to the summary.
"""

import re
from dataclasses import dataclass, field

_WHITESPACE = re.compile(r"\s+")
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

    @property
    def added_lines(self) -> int:
        return sum(1 for line in self.lines if line.kind == "+")

    def numbered(self) -> str:
        """The hunk as the LLM sees it: new-file numbers on the left, blank for removed lines."""
        out = [self.header]
        for line in self.lines:
            number = "" if line.new_line is None else str(line.new_line)
            out.append(f"{number:>6} {line.kind} {line.text}")
        return "\n".join(out)

    def touches(self, new_lines: set[int]) -> bool:
        """Whether any of `new_lines` falls within the hunk's new-file span (a removal inside
        it is marked by the new line after it, so the span's end + 1 counts too)."""
        first = next((line.new_line for line in self.lines if line.new_line is not None), None)
        if first is None:
            first = _header_new_start(self.header)
        last = max([first - 1] + [line.new_line for line in self.lines if line.new_line is not None])
        return any(first <= number <= last + 1 for number in new_lines)


def _header_new_start(header: str) -> int:
    match = _HUNK_HEADER.match(header)
    return int(match.group(3)) if match else 0


def split_hunk(hunk: Hunk, max_chars: int) -> list[Hunk]:
    """A hunk cut on line boundaries into parts whose numbered text stays within `max_chars`
    (when a single line allows it), each with its own valid `@@ -a,b +c,d @@` header."""
    if len(hunk.numbered()) <= max_chars:
        return [hunk]
    parts: list[list[DiffLine]] = [[]]
    size = 0
    for line in hunk.lines:
        cost = len(line.text) + 10
        if parts[-1] and size + cost + 40 > max_chars:
            parts.append([])
            size = 0
        parts[-1].append(line)
        size += cost
    return [Hunk(header=_part_header(lines, hunk), lines=lines) for lines in parts]


def _part_header(lines: list[DiffLine], hunk: Hunk) -> str:
    old = [line.old_line for line in lines if line.old_line is not None]
    new = [line.new_line for line in lines if line.new_line is not None]
    match = _HUNK_HEADER.match(hunk.header)
    old_start = old[0] if old else (int(match.group(1)) if match else 0)
    new_start = new[0] if new else (int(match.group(3)) if match else 0)
    return f"@@ -{old_start},{len(old)} +{new_start},{len(new)} @@"


def changed_new_lines(patch: str) -> set[int]:
    """New-file lines a patch (e.g. of a compare between two heads) changed: each added line,
    and for a removal the new lines on both sides of where it was."""
    changed: set[int] = set()
    for hunk in parse_patch(patch).hunks:
        previous = None
        for line in hunk.lines:
            if line.kind == "+":
                changed.add(line.new_line)
            elif line.kind == "-":
                changed.add(previous if previous is not None else _header_new_start(hunk.header))
                changed.add((previous or _header_new_start(hunk.header) - 1) + 1)
            if line.new_line is not None:
                previous = line.new_line
    changed.discard(0)
    return changed


def only_reformats(patch: str) -> bool:
    """Whether a patch changes only whitespace and line breaks: what it removes and what it adds
    are the same text once all whitespace is taken out (a re-indented block, a re-wrapped call)."""
    removed, added = [], []
    for hunk in parse_patch(patch).hunks:
        for line in hunk.lines:
            if line.kind == "-":
                removed.append(line.text)
            elif line.kind == "+":
                added.append(line.text)
    if not removed and not added:
        return False
    return _WHITESPACE.sub("", "".join(removed)) == _WHITESPACE.sub("", "".join(added))


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
        return "\n".join(hunk.numbered() for hunk in self.hunks)

    def hunk_of(self, line: int) -> Hunk | None:
        """The hunk whose RIGHT side holds new-file line `line`."""
        return next((hunk for hunk in self.hunks if any(item.new_line == line for item in hunk.lines)), None)


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
