"""In a browser, the card's Additional application users are added, disabled and removed."""

import uuid

import pytest

from connection.models import ConnectionSetup

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_administrator_adds_disables_and_removes_an_identity(signed_in_page, live_server):
    connection = ConnectionSetup.objects.create(name="Contoso", client_id=str(uuid.uuid4()))
    page = signed_in_page
    page.goto(f"{live_server.url}/connection/{connection.pk}/")
    page.fill("#id_identity-name", "bcsales pool 1")
    page.fill("#id_identity-client_id", str(uuid.uuid4()))
    page.fill("#id_identity-client_secret", "pool-secret")
    page.click("button:has-text('Add application user')")
    row = page.locator(".identity-list tbody tr", has_text="bcsales pool 1")
    row.wait_for()
    assert "Never checked" in row.inner_text() and "pool-secret" not in page.content()
    row.locator("button", has_text="Disable").click()
    page.locator(".identity-list tbody tr", has_text="Disabled").wait_for()
    page.locator(".identity-list a", has_text="Remove").click()
    page.check("#id_confirm")
    page.click("button:has-text('Remove application user')")
    page.locator("text=No additional application users").wait_for()
    assert not connection.sales_identities.exists()


def test_a_bad_client_id_is_explained_on_the_card(signed_in_page, live_server):
    connection = ConnectionSetup.objects.create(name="Contoso", client_id=str(uuid.uuid4()))
    page = signed_in_page
    page.goto(f"{live_server.url}/connection/{connection.pk}/")
    page.fill("#id_identity-name", "bcsales pool 1")
    page.fill("#id_identity-client_id", "not a guid")
    page.fill("#id_identity-client_secret", "pool-secret")
    page.click("button:has-text('Add application user')")
    page.locator("text=must be a GUID").wait_for()
    assert page.locator("#additional-application-users").get_attribute("open") is not None
