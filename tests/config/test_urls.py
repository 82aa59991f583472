import pytest

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_the_root_redirects_to_the_admin(client):
    response = client.get("/")

    assert (response.status_code, response["Location"]) == (302, "/admin/")


def test_the_root_leads_a_signed_in_staff_member_to_the_admin_index(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))

    response = client.get("/", follow=True)

    assert response.status_code == 200
    assert response.redirect_chain == [("/admin/", 302)]
    assert response.context["title"] == "Triage desk"


def test_the_admins_view_site_link_opens_the_api_docs(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))

    index = client.get("/admin/")
    docs = client.get("/api/docs/")

    assert '<a href="/api/docs/">View site</a>' in index.content.decode()
    assert docs.status_code == 200
    assert b"swagger-ui" in docs.content
