"""A person edits a filter, previews it against the sandbox, and saves it."""

import pytest

from connection.models import ConnectionSetup
from mappings import remote
from mappings.defaults import apply_default_setup
from tests.mappings.sandbox_clients import register_sandbox_clients

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def customer(sandbox_clean):
    connection = ConnectionSetup.objects.create(name="CRONUS")
    apply_default_setup(connection)
    register_sandbox_clients(connection, sandbox_clean)
    yield connection.table_mappings.get(name="CUSTOMER")
    remote.forget_clients(connection)


def test_edit_preview_and_save_a_table_filter(signed_in_page, live_server, customer):
    page = signed_in_page
    page.goto(f"{live_server.url}/mappings/{customer.pk}/")
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
