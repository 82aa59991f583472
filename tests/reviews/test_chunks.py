"""Cutting a file's diff into chunks that fit one call, and spending the budget on the riskiest."""

from llm.tokens import estimate_text_tokens
from reviews.chunks import Chunk, Planned, file_chunks, within_budget
from reviews.diff import Hunk, changed_new_lines, parse_patch, split_hunk


def added_file(lines: int, width: int = 60) -> str:
    body = "\n".join(f"+value_{n} = compute({'x' * width})" for n in range(1, lines + 1))
    return f"@@ -0,0 +1,{lines} @@\n{body}"


def test_a_hunk_over_the_size_is_split_on_line_boundaries_into_parts_with_valid_headers():
    [hunk] = parse_patch(added_file(300)).hunks

    parts = split_hunk(hunk, 4000)

    assert len(parts) > 1
    assert all(len(part.numbered()) <= 4000 for part in parts)
    as_patches = [part.header + "\n" + "\n".join(line.kind + line.text for line in part.lines) for part in parts]
    reparsed = [line for patch in as_patches for line in parse_patch(patch).hunks[0].lines]
    assert [(line.kind, line.text, line.new_line) for line in reparsed] == [
        (line.kind, line.text, line.new_line) for line in hunk.lines
    ]


def test_whole_hunks_are_packed_in_order_into_chunks_that_fit():
    patch = "\n".join(f"@@ -{n * 100},1 +{n * 100},3 @@\n context {n}\n+added {n}\n+more {n}" for n in range(1, 41))

    chunks, too_large = file_chunks("a.py", parse_patch(patch).hunks, max_tokens=100)

    assert too_large == []
    assert len(chunks) > 1
    assert all(estimate_text_tokens(chunk.text) <= 100 for chunk in chunks)
    assert [header for chunk in chunks for header in chunk.headers] == [
        hunk.header for hunk in parse_patch(patch).hunks
    ]


def test_only_a_single_line_longer_than_a_chunk_is_too_large():
    patch = "@@ -1,1 +1,2 @@\n short = 1\n+" + "x" * 2000

    chunks, too_large = file_chunks("min.js", parse_patch(patch).hunks, max_tokens=100)

    assert [line.text for chunk in chunks for hunk in chunk.hunks for line in hunk.lines] == ["short = 1"]
    assert [len(hunk.lines) for hunk in too_large] == [1]


def planned(path: str, added: int, tokens: int) -> Planned:
    hunk = Hunk(header="@@ -1 +1 @@", lines=[])
    hunk.lines = parse_patch(added_file(added, width=1)).hunks[0].lines
    return Planned(chunk=Chunk(path=path, hunks=[hunk]), tokens=tokens)


def test_the_budget_takes_risky_paths_and_larger_changes_first():
    big, auth, small = planned("src/views.py", 40, 500), planned("src/auth/login.py", 20, 500), planned("b.py", 5, 500)

    kept, left_out = within_budget([small, big, auth], budget=1000)

    assert [item.chunk.path for item in kept] == ["src/auth/login.py", "src/views.py"]
    assert [item.chunk.path for item in left_out] == ["b.py"]


def test_a_smaller_request_still_fits_after_a_larger_one_was_passed_over():
    first, huge, last = planned("a.py", 50, 600), planned("b.py", 40, 900), planned("c.py", 1, 300)

    kept, left_out = within_budget([first, huge, last], budget=1000)

    assert [item.chunk.path for item in kept] == ["a.py", "c.py"]
    assert [item.chunk.path for item in left_out] == ["b.py"]


def test_changed_lines_of_a_push_are_its_added_lines_and_the_places_of_its_removals():
    patch = "@@ -10,4 +10,4 @@\n a\n-b\n+B\n c\n-d\n e"

    assert changed_new_lines(patch) == {10, 11, 12, 13}


def test_a_hunk_is_touched_by_a_change_within_its_new_lines_only():
    first, second = parse_patch("@@ -1,2 +1,3 @@\n a\n+b\n c\n@@ -20,1 +21,2 @@\n x\n+y").hunks

    assert (first.touches({2}), second.touches({2})) == (True, False)
    assert (first.touches({21}), second.touches({22})) == (False, True)
