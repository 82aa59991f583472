"""The admin index: the desk's pages first, the operators' tables under "Operations", which the
Triage staff group neither sees nor opens."""

import pytest
from django.contrib.auth.models import Permission
from django.test import Client

from config.dashboard import site
from config.ops.staff import ensure_triage_staff_group, is_operations_model
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

OPERATIONS_PAGES = (
    "/admin/django_celery_beat/periodictask/",
    "/admin/django_celery_beat/crontabschedule/",
    "/admin/authtoken/tokenproxy/",
    "/admin/config/heartbeat/",
    "/admin/reviews/delivery/",
    "/admin/llm/llmcacheentry/",
)


@pytest.fixture
def superuser_client():
    client = Client()
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


@pytest.fixture
def triage_staff_client():
    member = UserFactory(is_staff=True)
    member.groups.add(ensure_triage_staff_group())
    client = Client()
    client.force_login(member)
    return client


def _app_names(response) -> list[str]:
    return [app["name"] for app in response.context["app_list"]]


def _model_urls(app: dict) -> list[str]:
    return [model["admin_url"] for model in app["models"]]


def test_the_index_shows_the_desk_first_with_the_dashboard(superuser_client):
    response = superuser_client.get("/admin/")

    desk = response.context["app_list"][0]
    assert (desk["name"], _model_urls(desk)[-1]) == ("Desk", "/admin/dashboard/")
    assert '<a href="/admin/dashboard/"' in response.content.decode()


def test_a_desk_page_whose_view_does_not_exist_is_left_out_of_the_index(superuser_client, monkeypatch):
    monkeypatch.setattr(site, "DESK_PAGES", (("no_such_page", "Nowhere"), ("dashboard", "Dashboard")))

    response = superuser_client.get("/admin/")

    assert (response.status_code, _model_urls(response.context["app_list"][0])) == (200, ["/admin/dashboard/"])


def test_a_superuser_finds_the_operators_tables_under_operations_last(superuser_client):
    response = superuser_client.get("/admin/")

    operations = response.context["app_list"][-1]
    assert operations["name"] == "Operations"
    assert {
        "/admin/django_celery_beat/periodictask/",
        "/admin/authtoken/tokenproxy/",
        "/admin/config/heartbeat/",
        "/admin/reviews/delivery/",
    } <= set(_model_urls(operations))


def test_operations_models_are_not_listed_under_their_own_apps(superuser_client):
    response = superuser_client.get("/admin/")

    reviews = next(app for app in response.context["app_list"] if app["app_label"] == "reviews")
    assert "/admin/reviews/delivery/" not in _model_urls(reviews)
    assert "/admin/reviews/pullrequest/" in _model_urls(reviews)
    assert "django_celery_beat" not in [app["app_label"] for app in response.context["app_list"]]


def test_the_operations_page_lists_them_for_a_superuser(superuser_client):
    response = superuser_client.get("/admin/operations/")

    assert response.status_code == 200
    assert "/admin/django_celery_beat/periodictask/" in _model_urls(response.context["app_list"][0])


@pytest.mark.parametrize("page", OPERATIONS_PAGES)
def test_a_superuser_opens_every_operations_page(superuser_client, page):
    assert superuser_client.get(page).status_code == 200


def test_triage_staff_see_no_operations_on_the_index(triage_staff_client):
    response = triage_staff_client.get("/admin/")

    assert "Operations" not in _app_names(response)
    assert "/admin/operations/" not in response.content.decode()
    assert "periodictask" not in response.content.decode()


def test_triage_staff_still_see_their_desk_and_tracker(triage_staff_client):
    response = triage_staff_client.get("/admin/")

    assert _app_names(response)[0] == "Desk"
    assert "/admin/issues/issue/" in response.content.decode()


@pytest.mark.parametrize("page", OPERATIONS_PAGES)
def test_triage_staff_cannot_open_an_operations_page(triage_staff_client, page):
    assert triage_staff_client.get(page).status_code == 403


@pytest.mark.parametrize("page", ["/admin/operations/", "/admin/django_celery_beat/", "/admin/authtoken/"])
def test_the_operations_index_pages_do_not_exist_for_triage_staff(triage_staff_client, page):
    assert triage_staff_client.get(page).status_code == 404


def test_the_staff_group_holds_no_permission_on_an_operations_model():
    group = ensure_triage_staff_group()

    held = group.permissions.select_related("content_type")
    assert [p.codename for p in held if is_operations_model(p.content_type.app_label, p.content_type.model)] == []
    assert Permission.objects.filter(content_type__app_label="django_celery_beat").exists()
