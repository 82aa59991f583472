"""Large pull requests within a budget: each file's hunks cut into chunks that fit one LLM call,
and the chunks a review can afford, largest and riskiest first.

A chunk is a run of whole hunks of one file (a hunk larger than a chunk is cut on line
boundaries into parts with their own headers). Chunks are cut the same way from the same
hunks, so an unchanged chunk makes the same request again and the LLM cache answers it.
"""

import re
from dataclasses import dataclass, field
from fnmatch import fnmatch

from llm.tokens import CHARS_PER_TOKEN, estimate_text_tokens
from reviews.diff import Hunk, split_hunk

# Paths whose changes are reviewed first when the budget cannot cover everything.
RISKY_PATTERNS = (
    "*auth*",
    "*security*",
    "*permission*",
    "*crypto*",
    "*password*",
    "*secret*",
    "*token*",
    "*session*",
    "*login*",
    "*payment*",
    "*/migrations/*",
    "migrations/*",
    "*.sql",
)
RISK_WEIGHT = 3


@dataclass
class Chunk:
    path: str
    hunks: list[Hunk] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "\n".join(hunk.numbered() for hunk in self.hunks)

    @property
    def headers(self) -> list[str]:
        return [hunk.header for hunk in self.hunks]

    @property
    def right_lines(self) -> dict[int, str]:
        return {line.new_line: line.text for hunk in self.hunks for line in hunk.lines if line.new_line is not None}

    @property
    def added_lines(self) -> int:
        return sum(hunk.added_lines for hunk in self.hunks)

    @property
    def priority(self) -> int:
        """Added lines, weighted up for risky paths: the budget is spent on the highest first."""
        weight = RISK_WEIGHT if is_risky(self.path) else 1
        return max(1, self.added_lines) * weight


def is_risky(path: str) -> bool:
    lowered = path.lower()
    return any(fnmatch(lowered, pattern) for pattern in RISKY_PATTERNS)


def file_chunks(path: str, hunks: list[Hunk], *, max_tokens: int) -> tuple[list[Chunk], list[Hunk]]:
    """The file's hunks packed in order into chunks of at most `max_tokens` (estimated) of diff
    text; and the pieces that cannot fit alone (a single line longer than a chunk)."""
    max_chars = max(0, max_tokens * CHARS_PER_TOKEN)
    chunks: list[Chunk] = []
    too_large: list[Hunk] = []
    current, current_text = Chunk(path=path), ""
    for hunk in hunks:
        for part in split_hunk(hunk, max_chars):
            text = part.numbered()
            if estimate_text_tokens(text) > max_tokens:
                too_large.append(part)
                continue
            joined = f"{current_text}\n{text}" if current.hunks else text
            if current.hunks and estimate_text_tokens(joined) > max_tokens:
                chunks.append(current)
                current, joined = Chunk(path=path), text
            current.hunks.append(part)
            current_text = joined
    if current.hunks:
        chunks.append(current)
    return chunks, too_large


@dataclass
class Planned:
    chunk: Chunk
    tokens: int  # estimated prompt tokens of the chunk's whole request


def within_budget(planned: list[Planned], budget: int) -> tuple[list[Planned], list[Planned]]:
    """The requests the budget affords, taken by priority (then path, for a stable order),
    and those left out. A request that does not fit is passed over; smaller ones may still."""
    order = sorted(planned, key=lambda item: (-item.chunk.priority, item.chunk.path))
    kept, left_out, spent = [], [], 0
    for item in order:
        if spent + item.tokens <= budget:
            kept.append(item)
            spent += item.tokens
        else:
            left_out.append(item)
    return kept, left_out


def hunk_label(header: str) -> str:
    """`@@ -1,5 +1,9 @@` of a header, without the function context GitHub appends."""
    match = re.match(r"^(@@ [^@]* @@)", header)
    return match.group(1) if match else header[:60]
