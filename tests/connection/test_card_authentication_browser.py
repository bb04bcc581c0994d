"""On the connection card, choosing another authentication type shows its fields at once."""

import pytest

from connection.models import AuthenticationType, ConnectionSetup

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_choosing_an_authentication_type_shows_only_its_fields(signed_in_page, live_server):
    connection = ConnectionSetup.objects.create(
        name="Contoso", authentication_type=AuthenticationType.CLIENT_SECRET)
    page = signed_in_page
    page.goto(f"{live_server.url}/connection/{connection.pk}/")
    assert page.locator("#id_client_secret").is_visible()
    assert not page.locator("#id_certificate_thumbprint").is_visible()
    page.select_option("#id_authentication_type", AuthenticationType.CERTIFICATE)
    page.wait_for_selector("#id_certificate_thumbprint", state="visible")
    assert not page.locator("#id_client_secret").is_visible()
    assert not page.locator("#id_user_name").is_visible()
    page.select_option("#id_authentication_type", AuthenticationType.ON_PREMISES)
    page.wait_for_selector("#id_user_name", state="visible")
    assert page.locator("summary", has_text="Authentication Type Details").is_visible()
    assert not page.locator("#id_certificate_thumbprint").is_visible()
