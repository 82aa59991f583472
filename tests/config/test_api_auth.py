import pytest

pytestmark = pytest.mark.django_db


def test_anonymous_request_to_api_gets_401_in_the_error_format(api_client):
    response = api_client.get("/api/")

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    body = response.json()
    assert body["error"]["type"] == "not_authenticated"
    assert body["detail"] == body["error"]["message"]


def test_token_authenticates(user_client):
    response = user_client.get("/api/")

    assert response.status_code == 200


def test_wrong_token_is_401_authentication_failed(api_client):
    api_client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")

    response = api_client.get("/api/")

    assert response.status_code == 401
    assert response.json()["error"]["type"] == "authentication_failed"


def test_unknown_api_path_is_json_404(user_client):
    response = user_client.get("/api/no-such-thing/")

    assert response.status_code == 404
    assert response.json()["error"]["type"] == "not_found"


def test_a_token_of_an_inactive_user_is_401(user, api_client):
    from rest_framework.authtoken.models import Token

    key = Token.objects.create(user=user).key
    user.is_active = False
    user.save()
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {key}")

    response = api_client.get("/api/")

    assert response.status_code == 401
    assert response.json()["error"]["message"] == "User inactive or deleted."


def test_a_deleted_token_stops_working_at_once(user, api_client):
    from rest_framework.authtoken.models import Token

    token = Token.objects.create(user=user)
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert api_client.get("/api/").status_code == 200

    token.delete()

    assert api_client.get("/api/").json()["error"]["message"] == "Invalid token."
