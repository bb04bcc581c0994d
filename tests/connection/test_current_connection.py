import pytest

from connection.models import ConnectionSetup

pytestmark = pytest.mark.django_db


def test_the_first_connection_is_current_until_another_is_chosen(viewer_client):
    ConnectionSetup.objects.create(name="B")
    ConnectionSetup.objects.create(name="A")
    assert viewer_client.get("/").context["current_connection"].name == "A"


def test_switching_makes_another_connection_current_and_returns(viewer_client):
    ConnectionSetup.objects.create(name="A")
    other = ConnectionSetup.objects.create(name="B")
    response = viewer_client.post(
        "/connection/switch/", {"connection": other.pk, "next": "/mappings/"}
    )
    assert response.url == "/mappings/"
    assert viewer_client.get("/").context["current_connection"] == other


def test_switching_never_redirects_off_site(viewer_client):
    other = ConnectionSetup.objects.create(name="B")
    response = viewer_client.post(
        "/connection/switch/", {"connection": other.pk, "next": "https://evil.example/"}
    )
    assert response.url == "/"


def test_switching_to_an_unknown_connection_is_a_404(viewer_client):
    assert viewer_client.post("/connection/switch/", {"connection": "x"}).status_code == 404
