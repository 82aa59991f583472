import pytest

from issues.models import TriageRule
from tests.factories import UserFactory
from tests.issues.factories import LabelFactory, ProjectFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def _post_rule(admin_client, project, **fields):
    data = {"project": project.pk, "name": "r", "keywords": "", "pattern": "", "order": 0, "enabled": "on"}
    data.update(fields)
    return admin_client.post("/admin/issues/triagerule/add/", data)


def test_staff_add_a_rule_in_the_admin(admin_client):
    project = ProjectFactory()
    label = LabelFactory(project=project, name="ui")

    response = _post_rule(admin_client, project, keywords="button, layout", labels=[label.pk], priority="low")

    assert response.status_code == 302
    rule = TriageRule.objects.get()
    assert (rule.keywords, rule.priority, list(rule.labels.all())) == ("button, layout", "low", [label])


def test_a_rule_with_a_broken_regex_is_refused(admin_client):
    response = _post_rule(admin_client, ProjectFactory(), pattern="(oops", type="bug")

    assert response.status_code == 200
    assert "Not a valid regular expression" in response.content.decode()
    assert not TriageRule.objects.exists()


def test_a_rule_cannot_add_another_projects_label(admin_client):
    project = ProjectFactory()
    foreign = LabelFactory(project=ProjectFactory(), name="elsewhere")

    response = _post_rule(admin_client, project, keywords="x", labels=[foreign.pk])

    assert "belong to another project" in response.content.decode()
    assert not TriageRule.objects.exists()


def test_the_run_history_pages_load(admin_client):
    assert admin_client.get("/admin/issues/triagerun/").status_code == 200
    assert admin_client.get("/admin/issues/planrun/").status_code == 200
