"""The Microsoft Dynamics 365 Sales Connection Setup card: fields, validation, access, secrets."""

import pytest
from django.forms.models import model_to_dict

from connection.documents import SETTINGS
from connection.models import ConnectionSetup, SettingChange

pytestmark = pytest.mark.django_db
SECRET = "Sup3r-secret-client-value"


@pytest.fixture
def connection() -> ConnectionSetup:
    connection = ConnectionSetup(name="Contoso", server_address="https://contoso.crm4.dynamics.com",
                                 tenant_id="contoso.onmicrosoft.com", client_id="app-id")
    connection.client_secret = SECRET
    connection.save()
    return connection


def form_data(connection: ConnectionSetup, **changes) -> dict:
    data = {k: v for k, v in model_to_dict(connection, fields=SETTINGS).items()
            if v not in (False, None)}
    data.update(changes)
    return {k: v for k, v in data.items() if v is not False}


def post(client, connection, **changes):
    return client.post(f"/connection/{connection.pk}/", form_data(connection, **changes))


def test_the_card_shows_every_fasttab_and_action(admin_client, connection):
    page = admin_client.get(f"/connection/{connection.pk}/").content.decode()
    for caption in ["General", "Business Central", "Sales Order Integration", "Item Availability",
                    "Advanced", "Authentication Type Details", "Dynamics 365 Sales URL",
                    "Dynamics 365 SDK Version", "Ownership model",
                    "Dynamics 365 Business Central Web Client URL",
                    "Item Availability Web Service Enabled",
                    "Dynamics 365 Business Central OData Web Service Accesskey",
                    "Sales Order Integration is Enabled", "Automatically Create Sales Orders",
                    "Automatically Process Sales Quotes",
                    "Business Central Users Must Map to Dynamics 365 Sales Users",
                    "Current Business Central User is Mapped to a Dynamics 365 Sales User",
                    "Test Connection", "Redeploy Integration Solution", "Couple Salespersons",
                    "Use Default Synchronization Setup", "Synchronize Modified Records",
                    "Run Full Synchronization", "Reset Web Client URL", "Last full sync"]:
        assert caption in page, caption


def test_a_pasted_browser_url_is_stored_normalised_and_the_change_is_shown(admin_client,
                                                                            connection):
    response = post(admin_client, connection,
                    server_address="CONTOSO.crm4.dynamics.com/main.aspx?appid=12#etn=account")
    assert response.status_code == 302
    connection.refresh_from_db()
    assert connection.server_address == "https://contoso.crm4.dynamics.com"
    page = admin_client.get(response.url).content.decode()
    assert "The URL was changed to https://contoso.crm4.dynamics.com" in page


INVALID = [
    ({"server_address": "https://www.example.com"}, "not a Dynamics 365 Sales address"),
    ({"server_address": "ftp://contoso.crm.dynamics.com"}, "not a valid URI scheme"),
    ({"authority_host": "https://login.example.com"}, "not a Microsoft Entra ID authority"),
    ({"authority_host": "http://login.microsoftonline.com"}, "must be an https:// address"),
    ({"authentication_type": "office365", "user_name": "bcintegration"},
     "must be a valid email address"),
    ({"authentication_type": "on_premises", "onprem_authentication": "AD",
      "user_name": "bcintegration"}, "must include the domain"),
    ({"connection_string": "AuthType=AD;Url=x"}, "password placeholder {PASSWORD}"),
    ({"ca_bundle": "/nonexistent/ca.pem"}, "cannot be read"),
    ({"bc_company_id": "not-a-guid"}, "must be a GUID"),
    ({"certificate_thumbprint": "xyz"}, "SHA-1"),
    ({"certificate": "not a key"}, "unencrypted PEM key"),
    ({"auto_create_sales_orders": "on"}, "Turn on Sales Order Integration is Enabled first"),
    ({"proxy_version": "8.0"}, "Select a valid choice"),
    ({"ownership_model": "nobody"}, "Select a valid choice"),
    ({"web_client_url": "not a url"}, "Enter a valid URL"),
    ({"bc_deployment": "on_premises", "bc_access_key": "key", "bc_user_name": ""},
     "web service access key belongs to"),
]


@pytest.mark.parametrize(("changes", "message"), INVALID)
def test_invalid_settings_re_render_with_a_clear_message(admin_client, connection, changes,
                                                         message):
    response = post(admin_client, connection, **changes)
    assert response.status_code == 200
    assert message in response.content.decode().replace("&quot;", '"').replace("&#x27;", "'")
    assert ConnectionSetup.objects.get(pk=connection.pk).server_address == connection.server_address


def test_an_on_premises_url_is_accepted_with_the_on_premises_type(admin_client, connection):
    response = post(admin_client, connection, authentication_type="on_premises",
                    onprem_authentication="OAuth", user_name="CONTOSO\\bcint",
                    server_address="http://crmserver:5555/contoso/main.aspx")
    assert response.status_code == 302
    connection.refresh_from_db()
    assert connection.server_address == "http://crmserver:5555/contoso"
    assert connection.domain == "CONTOSO"


def test_secrets_are_never_rendered_and_blank_keeps_them(admin_client, connection):
    page = admin_client.get(f"/connection/{connection.pk}/").content.decode()
    assert SECRET not in page
    assert "Leave blank to keep it" in page
    post(admin_client, connection, client_id="new-app-id")
    connection.refresh_from_db()
    assert connection.client_secret == SECRET and connection.client_id == "new-app-id"


def test_a_new_secret_replaces_the_old_and_the_audit_trail_says_changed(admin_client, connection):
    post(admin_client, connection, client_secret="brand-new-secret")
    connection.refresh_from_db()
    assert connection.client_secret == "brand-new-secret"
    change = SettingChange.objects.get(field="client_secret")
    assert (change.old_value, change.new_value) == ("changed", "changed")
    log = admin_client.get(f"/connection/{connection.pk}/changes/").content.decode()
    assert "Client secret" in log and "brand-new-secret" not in log and "alice" in log


def test_item_availability_proposes_the_odata_url(admin_client, connection):
    post(admin_client, connection, item_availability_enabled="on", odata_url="")
    connection.refresh_from_db()
    assert connection.odata_url.endswith("/ODataV4")


def test_saving_never_enables_without_a_test(admin_client, connection, monkeypatch):
    from connection.checks import TestReport

    monkeypatch.setattr("connection.lifecycle.run_test_connection",
                        lambda *a, **k: TestReport())
    response = post(admin_client, connection, is_enabled="on")
    assert response.status_code == 200
    assert "cannot be validated" in response.content.decode()
    assert not ConnectionSetup.objects.get(pk=connection.pk).is_enabled


CHANGES = ["/connection/{pk}/", "/connection/{pk}/test/", "/connection/{pk}/redeploy/",
           "/connection/{pk}/reset-web-client-url/", "/connection/{pk}/couple-salespersons/",
           "/connection/{pk}/default-setup/", "/connection/{pk}/sync-modified/",
           "/connection/{pk}/full-sync/", "/connection/{pk}/disconnect/",
           "/connection/{pk}/delete/", "/connection/new/",
           "/connection/assisted-setup/{pk}/step/1/"]


@pytest.mark.parametrize("url", CHANGES)
def test_viewers_get_403_on_every_change(viewer_client, connection, url):
    response = viewer_client.post(url.format(pk=connection.pk), {"confirm": "on", "name": "x"})
    assert response.status_code == 403


def test_viewers_see_the_card_read_only_without_actions(viewer_client, connection):
    page = viewer_client.get(f"/connection/{connection.pk}/").content.decode()
    assert "Test Connection</button>" not in page and "disabled" in page
    assert SECRET not in page


def test_connections_can_be_added_listed_and_deleted(admin_client, connection):
    response = admin_client.post("/connection/new/", {"name": "Fabrikam"})
    fabrikam = ConnectionSetup.objects.get(name="Fabrikam")
    assert response.url == f"/connection/{fabrikam.pk}/"
    assert b"Fabrikam" in admin_client.get("/connection/all/").content
    assert admin_client.post(f"/connection/{fabrikam.pk}/delete/", {}).status_code == 200
    admin_client.post(f"/connection/{fabrikam.pk}/delete/", {"confirm": "on"})
    assert not ConnectionSetup.objects.filter(name="Fabrikam").exists()


def test_disconnect_clears_enabled_keeps_settings_and_asks_first(admin_client, connection):
    connection.is_enabled = True
    connection.save()
    page = admin_client.get(f"/connection/{connection.pk}/disconnect/").content.decode()
    assert "Every setting, mapping and coupling is kept" in page
    admin_client.post(f"/connection/{connection.pk}/disconnect/", {"confirm": "on"})
    connection.refresh_from_db()
    assert not connection.is_enabled and connection.client_secret == SECRET
    assert connection.status == "disconnected"


def test_default_setup_warns_that_it_overwrites_and_installs_the_mappings(admin_client,
                                                                           connection):
    page = admin_client.get(f"/connection/{connection.pk}/default-setup/").content.decode()
    assert "This will delete all existing integration table mappings" in page
    response = admin_client.post(f"/connection/{connection.pk}/default-setup/", {"confirm": "on"},
                                 follow=True)
    assert "has completed successfully" in response.content.decode()
    assert connection.table_mappings.filter(name="CUSTOMER").exists()


def test_starting_a_sync_on_a_disabled_connection_says_to_enable_it(admin_client, connection):
    response = admin_client.post(f"/connection/{connection.pk}/full-sync/", {"confirm": "on"},
                                 follow=True)
    assert "Enable the connection first" in response.content.decode()


def test_reset_web_client_url_sets_the_default(admin_client, connection):
    connection.bc_tenant_id, connection.bc_environment = "contoso", "production"
    connection.save()
    admin_client.post(f"/connection/{connection.pk}/reset-web-client-url/")
    connection.refresh_from_db()
    assert connection.web_client_url == "https://businesscentral.dynamics.com/contoso/production"


def test_the_redeploy_page_asks_for_an_administrator_it_does_not_keep(admin_client, connection):
    page = admin_client.get(f"/connection/{connection.pk}/redeploy/").content.decode()
    assert "System Administrator and Solution Customizer" in page and "not stored" in page
    response = admin_client.post(f"/connection/{connection.pk}/redeploy/",
                                 {"admin_user": "not-an-email", "admin_password": ""})
    assert response.status_code == 400


def test_the_card_links_to_the_sales_order_and_availability_pages(admin_client, sandbox_connection):
    page = admin_client.get(f"/connection/{sandbox_connection.pk}/").content.decode()
    for url in ("/sync/sales-orders/", "/sync/sales-receivables-setup/",
                "/sync/item-availability/"):
        assert f'href="{url}"' in page
