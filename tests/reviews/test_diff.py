import pytest

from reviews.diff import only_reformats, parse_patch

PATCH = """@@ -10,4 +10,5 @@ def handler(request):
     body = request.body
-    data = json.loads(body)
+    data = json.loads(body.decode())
+    validate(data)
     return data
\\ No newline at end of file
@@ -40,2 +41,2 @@ class Thing:
-    old = 1
+    new = 2
     keep = 3"""


def test_added_and_context_lines_carry_their_new_file_numbers():
    diff = parse_patch(PATCH)

    assert diff.right_lines == {
        10: "    body = request.body",
        11: "    data = json.loads(body.decode())",
        12: "    validate(data)",
        13: "    return data",
        41: "    new = 2",
        42: "    keep = 3",
    }


def test_removed_lines_are_not_on_the_right_side():
    diff = parse_patch(PATCH)

    assert "    data = json.loads(body)" not in diff.right_lines.values()
    assert diff.added_lines == 3


def test_numbered_view_shows_new_numbers_and_blanks_for_removed_lines():
    numbered = parse_patch(PATCH).numbered().splitlines()

    assert numbered[0].startswith("@@ -10,4 +10,5 @@")
    assert numbered[2] == "       -     data = json.loads(body)"
    assert numbered[3] == "    11 +     data = json.loads(body.decode())"


def test_new_file_patch_numbers_from_one():
    diff = parse_patch("@@ -0,0 +1,2 @@\n+first\n+second")

    assert diff.right_lines == {1: "first", 2: "second"}


def test_patch_without_hunks_has_no_commentable_lines():
    assert parse_patch("Binary files differ").right_lines == {}


@pytest.mark.parametrize(
    ("patch", "reformat"),
    [
        ("@@ -1,1 +1,3 @@\n-call(a, b)\n+call(\n+    a, b\n+)", True),  # re-wrapped
        ("@@ -1,2 +1,2 @@\n-if x:\n-  y()\n+if x:\n+    y()", True),  # re-indented
        ("@@ -1,1 +1,1 @@\n-call(a, b)\n+call(a, c)", False),
        ("@@ -1,1 +1,2 @@\n x = 1\n+y = 2", False),  # an added line
        ("@@ -1,1 +1,1 @@\n x = 1", False),  # nothing changed
    ],
)
def test_only_reformats_tells_whitespace_changes_from_code_changes(patch, reformat):
    assert only_reformats(patch) is reformat
