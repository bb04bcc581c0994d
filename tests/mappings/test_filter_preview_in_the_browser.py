"""A person edits a filter, previews it against the sandbox, and saves it."""

import pytest

from connection.models import ConnectionSetup
from mappings import remote
from mappings.defaults import apply_default_setup
from tests.mappings.sandbox_clients import connect_to_sandbox

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def customer(sandbox_clean):
    connection = ConnectionSetup.objects.create(name="CRONUS")
    apply_default_setup(connection)
    connect_to_sandbox(connection, sandbox_clean)
    return connection.table_mappings.get(name="CUSTOMER")


def test_edit_preview_and_save_a_table_filter(signed_in_page, live_server, customer):
    page = signed_in_page
    page.goto(f"{live_server.url}/mappings/{customer.pk}/")
    page.click("#bcrow-fieldset summary")  # the text form is folded away for experts
    page.fill("#id_table_filter", "Name: @*ski*")
    page.click("button[name=preview]")
    page.wait_for_selector("#preview article")
    preview = page.inner_text("#preview")
    assert "Alpine Ski House" in preview
    assert "1 record match" in preview
    customer.refresh_from_db()
    assert customer.table_filter == "Blocked = ' '"  # previewing saves nothing
    page.fill("#id_table_filter", "Nmae: x")
    page.click("button[name=save]")
    assert "unknown field" in page.inner_text("#mapping-form")
    page.fill("#id_table_filter", "Name: @*ski*")
    page.click("button[name=save]")
    page.wait_for_selector(".message.success")
    customer.refresh_from_db()
    assert customer.table_filter == "Name: @*ski*"


def fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_balance_lcy_above_zero_as_a_row_previews_the_matching_customers(
        signed_in_page, live_server, customer):
    business_central, _ = remote.clients(customer.connection)
    expected = sorted(c["displayName"] for c in business_central.query("customers")
                      if c["blocked"] == " " and c["balanceDue"] > 0)
    page = signed_in_page
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto(f"{live_server.url}/mappings/{customer.pk}/")
    assert page.input_value("#id_bcrow-0-field") == "Blocked"
    page.select_option("#id_bcrow-1-field", "Balance (LCY)")
    page.fill("#id_bcrow-1-expression", ">0")
    page.press("#id_bcrow-1-expression", "Tab")  # a change previews by itself (htmx)
    page.wait_for_selector(f"#preview :text('{len(expected)} records match')")
    preview = page.inner_text("#preview article:first-child")  # the Business Central side
    assert "balanceDue gt 0" in preview
    assert "Adatum Corporation" not in preview  # its balance is 0
    assert any(name in preview for name in expected)
    for width in (1366, 390):
        page.set_viewport_size({"width": width, "height": 900})
        assert fits(page), f"sideways scroll at {width} px"
        page.screenshot(path=f"/tmp/filter-rows-{width}.png", full_page=True)
    page.click("button[name=save]")
    page.wait_for_selector(".message.success")
    customer.refresh_from_db()
    assert customer.table_filter == "Blocked: ' '\nBalance (LCY): >0"
    page.click("#bcrow-fieldset summary")
    assert page.input_value("#id_table_filter") == "Blocked: ' '\nBalance (LCY): >0"
