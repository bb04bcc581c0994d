import pytest

pytestmark = pytest.mark.django_db

PAGES = ["/", "/connection/", "/connection/assisted-setup/", "/mappings/",
         "/mappings/couplings/", "/sync/jobs/", "/sync/full-sync/"]


@pytest.mark.parametrize("url", PAGES)
def test_every_page_sends_anonymous_visitors_to_sign_in(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response.url.startswith("/login/")


@pytest.mark.parametrize("url", PAGES)
def test_every_page_opens_for_a_viewer(viewer_client, url):
    assert viewer_client.get(url).status_code == 200


def test_a_viewer_cannot_start_work(viewer_client):
    assert viewer_client.post("/sync/jobs/check-worker/").status_code == 403


def test_a_viewer_sees_no_administrator_actions(viewer_client):
    assert b"Check worker" not in viewer_client.get("/sync/jobs/").content


def test_an_administrator_can_start_a_test_job(admin_client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        response = admin_client.post("/sync/jobs/check-worker/", follow=True)
    assert b"Sent a test job" in response.content


def test_a_wrong_password_shows_a_message(client, administrator):
    response = client.post("/login/", {"username": "alice", "password": "nope"})
    assert response.status_code == 200
    assert b"Please enter a correct username and password" in response.content
