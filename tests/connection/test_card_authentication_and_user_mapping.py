"""The connection card shows the chosen authentication type's fields only, "Current Business
Central User is Mapped" in General, and "Users Must Map" takes integration actions away from
portal users whose e-mail is not a Sales user's."""

import re

import pytest

from connection.models import AuthenticationType, ConnectionSetup
from mappings.models import IntegrationTableMapping

pytestmark = pytest.mark.django_db


def section(page: str, name: str) -> str:
    """The wrapper of a field: its data-auth attributes and whether it is hidden."""
    match = re.search(rf'<div class="auth-field" data-auth="([^"]*)"( hidden)?>\s*<label '
                      rf'for="id_{name}"', page)
    assert match, name
    return match.group(0)


@pytest.fixture
def card_connection(db):
    return ConnectionSetup.objects.create(name="Contoso", client_id="app", tenant_id="t",
                                          authentication_type=AuthenticationType.CLIENT_SECRET)


def test_only_the_client_secret_fields_show_for_client_secret(admin_client, card_connection):
    page = admin_client.get(f"/connection/{card_connection.pk}/").content.decode()
    assert " hidden" not in section(page, "client_secret")
    for name in ("certificate", "certificate_thumbprint", "user_name", "user_password"):
        assert section(page, name).endswith("hidden>") or " hidden>" in section(page, name)
    assert re.search(r'data-auth="on_premises" hidden>\s*<summary>Authentication Type Details',
                     page)


def test_choosing_certificate_shows_its_fields_after_saving(admin_client, card_connection):
    card_connection.authentication_type = AuthenticationType.CERTIFICATE
    card_connection.save()
    page = admin_client.get(f"/connection/{card_connection.pk}/").content.decode()
    assert " hidden" not in section(page, "certificate_thumbprint")
    assert " hidden" in section(page, "client_secret")


def test_a_hidden_field_keeps_its_stored_value_when_the_card_is_saved(admin_client,
                                                                      card_connection):
    card_connection.user_name = "someone@contoso.com"
    card_connection.save()
    page = admin_client.get(f"/connection/{card_connection.pk}/").content.decode()
    assert 'value="someone@contoso.com"' in page  # rendered (hidden), so posted back unchanged


def test_current_user_is_mapped_is_in_the_general_fasttab(admin_client, card_connection):
    page = admin_client.get(f"/connection/{card_connection.pk}/").content.decode()
    general = page[page.index("<summary>General</summary>"):page.index("<summary>Business")]
    assert "Current Business Central User is Mapped to a Dynamics 365 Sales User" in general


def test_an_unmapped_user_is_told_and_refused_integration_actions_when_mapping_is_required(
        admin_client, administrator, card_connection):
    mapping = IntegrationTableMapping.objects.create(connection=card_connection, name="CURRENCY")
    card_connection.user_mapping_required = True
    card_connection.save()
    page = admin_client.get("/mappings/").content.decode()
    assert "Not mapped to a Sales user." in page
    response = admin_client.post("/sync/start/", {"mapping": mapping.pk})
    assert response.status_code == 403
    # The connection's own settings and Test Connection stay reachable to fix the mapping.
    assert admin_client.get(f"/connection/{card_connection.pk}/redeploy/").status_code == 200


def test_a_mapped_user_keeps_integration_actions(admin_client, administrator, card_connection):
    administrator.email = "admin@contoso.com"
    administrator.save()
    card_connection.user_mapping_required = True
    card_connection.mapped_user_emails = ["admin@contoso.com"]
    card_connection.save()
    page = admin_client.get("/mappings/").content.decode()
    assert "Not mapped to a Sales user." not in page
