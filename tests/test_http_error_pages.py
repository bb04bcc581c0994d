"""Error pages and the favicon: styled like the portal, rendered with DEBUG off."""

import pytest
from django.contrib.auth.decorators import login_not_required
from django.test import RequestFactory
from django.urls import path, reverse
from django.views import defaults


@pytest.fixture(autouse=True)
def debug_off(settings):
    settings.DEBUG = False


def test_an_unknown_page_answers_the_styled_404(admin_client):
    response = admin_client.get("/no/such/page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "Page not found" in html
    assert 'class="badge warning">404<' in html
    assert "bcsales.css" in html and "Sync jobs" in html  # the portal's own page, not Django's


def test_a_viewer_on_an_administrators_page_gets_the_styled_403(viewer_client):
    response = viewer_client.get(reverse("connection:new"))
    assert response.status_code == 403
    html = response.content.decode()
    assert "Access denied" in html and "signed in as a viewer" in html
    assert "bcsales.css" in html


def test_the_500_page_renders_without_a_request_context(db, django_assert_num_queries):
    request = RequestFactory().get("/")  # no user, no session: what a failing request may lack
    with django_assert_num_queries(0):
        response = defaults.server_error(request)
    assert response.status_code == 500
    html = response.content.decode()
    assert "Server error" in html and 'class="badge error">500<' in html
    assert "bcsales.css" in html and "favicon.svg" in html


@login_not_required
def failing_view(request):
    raise RuntimeError("database went away")


urlpatterns = [path("fails/", failing_view)]


@pytest.mark.urls(__name__)
def test_a_view_that_fails_answers_the_styled_500(client):
    client.raise_request_exception = False
    response = client.get("/fails/")
    assert response.status_code == 500
    assert "Server error" in response.content.decode()


def test_the_favicon_is_linked_and_favicon_ico_does_not_answer_404(client, admin_client):
    response = client.get("/favicon.ico")  # browsers ask before anyone signs in
    assert response.status_code in (200, 301, 302)
    if response.status_code != 200:
        icon = client.get(response["Location"])
        assert icon.status_code == 200
        body = b"".join(icon.streaming_content) if icon.streaming else icon.content
        assert b"<svg" in body
    page = admin_client.get(reverse("home"), follow=True).content.decode()
    assert 'rel="icon"' in page and "favicon.svg" in page
