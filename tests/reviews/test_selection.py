from reviews.selection import select_files
from tests.reviews.github import diff_entry


def _patch(lines: int) -> str:
    return f"@@ -0,0 +1,{lines} @@\n" + "\n".join(f"+line {n}" for n in range(lines))


def _select(entries, **options):
    options = {"ignore_globs": (), "max_files": 20, **options}
    return select_files(entries, **options)


def test_removed_binary_lock_and_vendored_files_are_skipped_with_their_reason():
    entries = [
        diff_entry("src/app.py", _patch(3)),
        diff_entry("src/gone.py", _patch(2), status="removed"),
        diff_entry("logo.png", None),
        diff_entry("package-lock.json", _patch(50)),
        diff_entry("poetry.lock", _patch(5)),
        diff_entry("vendor/lib/x.go", _patch(5)),
        diff_entry("static/app.min.js", _patch(5)),
        diff_entry("api/service_pb2.py", _patch(5)),
    ]

    selection = _select(entries)

    assert [entry["filename"] for entry in selection.files] == ["src/app.py"]
    assert {item["path"]: item["reason"] for item in selection.skipped} == {
        "src/gone.py": "removed",
        "logo.png": "binary",
        "package-lock.json": "lock_file",
        "poetry.lock": "lock_file",
        "vendor/lib/x.go": "vendored",
        "static/app.min.js": "vendored",
        "api/service_pb2.py": "vendored",
    }


def test_repository_ignore_globs_are_applied():
    entries = [diff_entry("docs/guide/intro.md", _patch(3)), diff_entry("tests/snapshots/a.snap.txt", _patch(3))]

    selection = _select(entries, ignore_globs=["docs/*", "*.snap.txt"])

    assert selection.files == []
    assert {item["reason"] for item in selection.skipped} == {"ignored"}


def test_a_large_patch_is_selected_for_review_in_chunks():
    selection = _select([diff_entry("big.py", _patch(5000))])

    assert [entry["filename"] for entry in selection.files] == ["big.py"]
    assert selection.skipped == []


def test_largest_changes_are_reviewed_first_up_to_the_file_cap():
    entries = [diff_entry(f"f{n}.py", _patch(n)) for n in range(1, 6)]

    selection = _select(entries, max_files=2)

    assert [entry["filename"] for entry in selection.files] == ["f5.py", "f4.py"]
    assert [item["path"] for item in selection.skipped if item["reason"] == "file_cap"] == ["f3.py", "f2.py", "f1.py"]
