"""Dynamics 365 Sales URL normalisation (bc-integration.md 4.3, CheckModifyCRMConnectionURL)."""

import pytest
from django.core.exceptions import ValidationError

from connection.sales_url import normalise_sales_url

ACCEPTED = [
    ("https://contoso.crm4.dynamics.com", "https://contoso.crm4.dynamics.com", False),
    ("https://contoso.crm4.dynamics.com/main.aspx?appid=1234#etn=account",
     "https://contoso.crm4.dynamics.com", True),
    ("contoso.crm.dynamics.com", "https://contoso.crm.dynamics.com", True),
    ("  https://contoso.crm.dynamics.com/  ", "https://contoso.crm.dynamics.com", True),
    ("https://contoso.crm.dynamics.com///", "https://contoso.crm.dynamics.com", True),
    ("HTTPS://CONTOSO.CRM.DYNAMICS.COM", "https://contoso.crm.dynamics.com", True),
    ("https://contoso.crm.dynamics.com:443/", "https://contoso.crm.dynamics.com", True),
    ("https://contoso.crm.dynamics.com:8443", "https://contoso.crm.dynamics.com:8443", False),
    ("contoso.crm9.dynamics.com/main.aspx", "https://contoso.crm9.dynamics.com", True),
    ("https://contoso.crm.microsoftdynamics.us", "https://contoso.crm.microsoftdynamics.us", False),
]


@pytest.mark.parametrize(("entered", "stored", "changed"), ACCEPTED)
def test_online_urls_are_stored_as_https_and_host_only(entered, stored, changed):
    result = normalise_sales_url(entered)
    assert result.url == stored
    assert result.changed is changed
    assert (stored in result.message()) is changed


REJECTED = [
    ("", "You must specify the URL"),
    ("   ", "You must specify the URL"),
    ("ftp://contoso.crm.dynamics.com", "ftp is not a valid URI scheme"),
    ("http://contoso.crm.dynamics.com", "only answers over HTTPS"),
    ("https://www.example.com/main.aspx", "www.example.com is not a Dynamics 365 Sales address"),
    ("https://", "not a valid URL"),
    ("https://contoso crm.dynamics.com", "not a valid URL"),
    ("https://contoso.crm.dynamics.com:99999", "not a valid URL"),
    ("https://user:pw@contoso.crm.dynamics.com", "not a valid URL"),
    ("https://-bad-.dynamics.com", "not a valid URL"),
    ("https://localhost:8443", "localhost is not a Dynamics 365 Sales address"),
]


@pytest.mark.parametrize(("entered", "message"), REJECTED)
def test_malformed_or_foreign_urls_are_rejected_with_a_clear_message(entered, message):
    with pytest.raises(ValidationError) as error:
        normalise_sales_url(entered)
    assert message in error.value.messages[0]


ON_PREMISES = [
    ("http://crmserver:5555/contoso", "http://crmserver:5555/contoso"),
    ("http://crmserver:5555/contoso/main.aspx?etc=1", "http://crmserver:5555/contoso"),
    ("https://crm.contoso.local/contoso/main.aspx", "https://crm.contoso.local"),
    ("crm.contoso.local", "https://crm.contoso.local"),
]


@pytest.mark.parametrize(("entered", "stored"), ON_PREMISES)
def test_on_premises_urls_are_allowed_and_keep_the_organisation_on_their_own_port(
    entered, stored
):
    assert normalise_sales_url(entered, on_premises=True).url == stored


def test_a_custom_endpoint_accepts_the_sandbox_on_localhost_with_its_port():
    result = normalise_sales_url("https://localhost:8443/main.aspx", custom_endpoint=True)
    assert result.url == "https://localhost:8443"


def test_a_custom_endpoint_still_needs_https():
    with pytest.raises(ValidationError):
        normalise_sales_url("http://localhost:8443", custom_endpoint=True)
