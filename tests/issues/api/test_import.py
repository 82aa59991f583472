import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from issues.models import Issue, Label
from tests.factories import UserFactory
from tests.issues.factories import LabelFactory, ProjectFactory

pytestmark = pytest.mark.django_db

GOOD = (
    "title,description,status,priority,type,assignee,labels,external_id,Sprint\n"
    "Login broken,Cannot log in,open,high,bug,alice,bug;ui,EXT-1,12\n"
    "Add dark mode,,In Progress,low,feature,alice@example.com,,EXT-2,12\n"
    ",missing title,open,,,,,,\n"
    "Bad priority,,open,urgent,,,,,\n"
    "\n"
    "No external id,hashed by content,,,,,,,\n"
)


@pytest.fixture
def project():
    project = ProjectFactory(key="WEB")
    LabelFactory(project=project, name="bug")
    LabelFactory(project=project, name="UI")
    UserFactory(username="alice", email="alice@example.com")
    return project


def _upload(client, content, *, project="WEB", **extra):
    data = content.encode() if isinstance(content, str) else content
    return client.post(
        "/api/issues/import/",
        {"file": SimpleUploadedFile("issues.csv", data, content_type="text/csv"), "project": project, **extra},
        format="multipart",
    )


def test_import_creates_valid_rows_and_reports_bad_ones_by_row_number(user_client, project):
    response = _upload(user_client, GOOD)

    assert response.status_code == 200, response.content
    report = response.json()
    assert [row["row"] for row in report["created"]] == [2, 3, 7]
    assert [(error["row"], sorted(error["errors"])) for error in report["errors"]] == [
        (4, ["title"]),
        (5, ["priority"]),
    ]
    assert report["ignored_columns"] == ["Sprint"]
    login = Issue.objects.get(external_id="EXT-1")
    assert (login.priority, login.assignee.username, sorted(lbl.name for lbl in login.labels.all())) == (
        "high",
        "alice",
        ["UI", "bug"],
    )
    assert Issue.objects.get(external_id="EXT-2").status == "in_progress"
    assert sorted(Issue.objects.values_list("number", flat=True)) == [1, 2, 3]


def test_reimporting_the_same_file_creates_nothing(user_client, project):
    _upload(user_client, GOOD)

    report = _upload(user_client, GOOD).json()

    assert report["created"] == []
    assert [skip["row"] for skip in report["skipped"]] == [2, 3, 7]
    assert Issue.objects.count() == 3


def test_identical_rows_in_one_file_make_one_issue(user_client, project):
    report = _upload(user_client, "title\nSame\nSame\n").json()

    assert len(report["created"]) == 1
    assert report["skipped"] == [{"row": 3, "reason": "same issue as row 2"}]


def test_import_sends_triage_for_the_new_issues_on_commit(user_client, project, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        _upload(user_client, "title\nOne\nTwo\n")

    assert len(callbacks) == 1
    assert set(Issue.objects.values_list("triage_state", flat=True)) == {"pending"}


def test_import_can_create_missing_labels(user_client, project):
    report = _upload(user_client, "title,labels\nx,newlabel\n", create_missing_labels="true").json()

    assert len(report["created"]) == 1
    assert Label.objects.filter(project=project, name="newlabel").exists()


def test_unknown_assignee_and_labels_are_row_errors(user_client, project):
    report = _upload(user_client, "title,assignee,labels\nx,nobody,ghost\n").json()

    assert report["errors"][0]["row"] == 2
    assert set(report["errors"][0]["errors"]) == {"assignee", "labels"}
    assert not Issue.objects.exists()


def test_a_row_with_too_many_fields_is_a_row_error(user_client, project):
    report = _upload(user_client, "title,body\na,b,c\nfine,ok\n").json()

    assert [error["row"] for error in report["errors"]] == [2]
    assert len(report["created"]) == 1


@pytest.mark.parametrize(
    "content",
    [
        "title,body\nCafé,\xe9t\xe9\n".encode("latin-1"),
        b"title\n\xff\xfe\x00",
        'title,body\nok,"unterminated\n',
        'title,body\na"b,"x"y\n',
        "body,status\nno title column,open\n",
        "title,Title\nduplicate,column\n",
        "",
    ],
    ids=["latin-1", "binary", "unterminated-quote", "bad-quoting", "no-title-column", "duplicate-column", "empty"],
)
def test_a_file_that_cannot_be_read_is_a_400_and_creates_nothing(user_client, project, content):
    response = _upload(user_client, content)

    assert response.status_code == 400, response.content
    assert response.json()["error"]["type"] in ("invalid_csv", "validation_error")
    assert not Issue.objects.exists()


def test_non_utf8_is_named_in_the_error(user_client, project):
    response = _upload(user_client, "title\nCafé\n".encode("latin-1"))

    assert response.json()["error"]["type"] == "invalid_csv"
    assert "UTF-8" in response.json()["error"]["message"]


def test_too_many_rows_is_a_400_and_creates_nothing(user_client, project, settings):
    settings.ISSUE_IMPORT_MAX_ROWS = 2

    response = _upload(user_client, "title\na\nb\nc\n")

    assert (response.status_code, response.json()["error"]["type"]) == (400, "invalid_csv")
    assert not Issue.objects.exists()


def test_a_file_over_the_size_limit_is_a_400(user_client, project, settings):
    settings.ISSUE_IMPORT_MAX_BYTES = 1000

    response = _upload(user_client, "title\n" + "x\n" * 2000)

    assert (response.status_code, response.json()["error"]["type"]) == (400, "file_too_large")
    assert not Issue.objects.exists()


def test_unknown_project_is_a_400(user_client, project):
    response = _upload(user_client, "title\nx\n", project="NOPE")

    assert (response.status_code, response.json()["error"]["type"]) == (400, "unknown_project")


def test_missing_file_is_a_400(user_client, project):
    response = user_client.post("/api/issues/import/", {"project": "WEB"}, format="multipart")

    assert response.status_code == 400
    assert "file" in response.json()["error"]["fields"]


def test_a_json_body_is_refused(user_client, project):
    response = user_client.post("/api/issues/import/", {"project": "WEB"}, format="json")

    assert response.status_code == 415


def test_imported_issues_and_their_labels_and_history_are_all_stored(user_client, project):
    from issues.models import Activity

    report = _upload(user_client, "title,labels\nOne,bug\nTwo,ui;bug\n").json()

    ids = [row["id"] for row in report["created"]]
    assert sorted(Issue.objects.values_list("pk", flat=True)) == sorted(ids)
    assert Issue.labels.through.objects.filter(issue_id__in=ids).count() == 3
    assert Activity.objects.filter(issue_id__in=ids, field="created").count() == 2
    assert Issue.objects.get(pk=ids[0]).search_vector is not None
