"""In a browser, a new administrator adds a pool identity, sees it wait for its check, tests it
(failing before Redeploy, passing after), and sees a new secret send it back to "Never
checked"; the card fits 1,366 px and 390 px (screenshots are kept when SCREENSHOT_DIR is set)."""

import os

import pytest

from connection import solution
from connection.models import IdentityCheck
from tests.connection.pool_support import add_pool_identities

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
WIDTHS = [(1366, 768), (390, 844)]


def shoot(page, name: str, width: int) -> None:
    shots = os.environ.get("SCREENSHOT_DIR")
    if shots:
        page.screenshot(path=f"{shots}/{name}-{width}.png", full_page=True)
        section = page.locator("#additional-application-users")
        if section.count():
            section.screenshot(path=f"{shots}/{name}-{width}-section.png")
    assert page.evaluate("document.documentElement.scrollWidth") <= width, name


def row(page, name: str):
    return page.locator(f".identity-list tbody tr[data-identity='{name}']")


@pytest.mark.parametrize(("width", "height"), WIDTHS)
def test_an_identity_is_added_tested_redeployed_and_rekeyed(signed_in_page, live_server,
                                                            sandbox_connection, sandbox_clean,
                                                            width, height):
    creds = sandbox_clean.credentials
    app = creds["pool_identities"][0]
    page = signed_in_page
    page.set_viewport_size({"width": width, "height": height})
    card = f"{live_server.url}/connection/{sandbox_connection.pk}/"
    page.goto(card)
    page.fill("#id_identity-name", app["name"])
    page.fill("#id_identity-client_id", app["client_id"])
    page.fill("#id_identity-client_secret", app["client_secret"])
    page.click("button:has-text('Add application user')")
    added = row(page, app["name"])
    added.wait_for()
    assert "Never checked" in added.inner_text()
    assert "No writes until a check passes" in added.inner_text()
    assert app["client_secret"] not in page.content()
    shoot(page, "identity-added", width)

    added.locator("button", has_text="Test").click()
    page.locator(".message.error", has_text="lacks: Integration Administrator").wait_for()
    assert "Failed" in row(page, app["name"]).inner_text()
    shoot(page, "identity-failed", width)

    page.goto(f"{card}redeploy/")
    page.fill("#id_admin_user", creds["admin_user"])
    page.fill("#id_admin_password", creds["admin_password"])
    page.click("button:has-text('Deploy')")
    page.locator(".message.success", has_text=f"the application user {app['name']}").wait_for()
    row(page, app["name"]).locator("button", has_text="Test").click()
    page.locator(".message.success", has_text="It takes writes").wait_for()
    passed = row(page, app["name"]).inner_text()
    assert "Passed" in passed and "Writing" in passed
    shoot(page, "identity-passed", width)

    row(page, app["name"]).locator("a", has_text="Edit").click()
    page.wait_for_selector("main h1")
    assert app["client_secret"] not in page.content()
    shoot(page, "identity-edit", width)
    page.fill("#id_identity-client_secret", "a-new-secret")
    page.click("button:has-text('Save application user')")
    page.locator(".message.success", has_text="takes no writes until its check passes").wait_for()
    assert "Never checked" in row(page, app["name"]).inner_text()
    identity = sandbox_connection.sales_identities.get()
    assert identity.check_status == IdentityCheck.NEVER and identity.client_secret == "a-new-secret"


@pytest.mark.parametrize(("width", "height"), WIDTHS)
def test_test_connection_lists_each_identity_and_the_card_records_it(
        signed_in_page, live_server, sandbox_connection, sandbox_clean, width, height):
    creds = sandbox_clean.credentials
    first, second = add_pool_identities(sandbox_connection, creds, count=2, passed=False)
    solution.deploy(sandbox_connection, creds["admin_user"], creds["admin_password"])
    second.client_secret = "rotated-away"
    second.save()
    page = signed_in_page
    page.set_viewport_size({"width": width, "height": height})
    page.goto(f"{live_server.url}/connection/{sandbox_connection.pk}/")
    page.click("button:has-text('Test Connection')")
    page.locator(".message.warning", has_text="1 additional application user(s) failed").wait_for()
    wrong = page.locator(".checklist tr", has_text=f"Additional application user {second.name}")
    assert "Failed" in wrong.inner_text() and "could not sign in" in wrong.inner_text()
    assert "Passed" in row(page, first.name).inner_text()
    assert "Writing" in row(page, first.name).inner_text()
    assert "could not sign in" in row(page, second.name).inner_text()
    shoot(page, "test-connection-pool", width)
