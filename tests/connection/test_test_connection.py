"""Test Connection against the sandbox: a green checklist, and each failure with its message."""

import pytest

from connection.checks import run_test_connection
from connection.models import ConnectionStatus

pytestmark = pytest.mark.django_db
INTEGRATION_USER_ROLE = "6f960e32-a72b-e511-80d9-3863bb349780"


def statuses(report) -> dict[str, str]:
    return {check.key: check.status for check in report.checks}


def test_the_sandbox_connection_passes_every_check(sandbox_connection, administrator):
    report = run_test_connection(sandbox_connection, administrator)
    assert report.passed, report.to_json()
    assert statuses(report)["integration_roles"] == "ok"
    assert statuses(report)["currency"] == "ok"  # the sandbox publishes its LCY
    sandbox_connection.refresh_from_db()
    assert sandbox_connection.status == ConnectionStatus.CONNECTED
    assert sandbox_connection.base_currency_code == "USD"
    assert sandbox_connection.solution_installed


def test_a_wrong_client_secret_fails_at_sign_in_with_the_fix(sandbox_connection):
    sandbox_connection.client_secret = "not-the-secret"
    sandbox_connection.save()
    report = run_test_connection(sandbox_connection)
    sign_in = report.checks[0]
    assert sign_in.status == "failed"
    assert "secret" in sign_in.detail.lower()
    assert sign_in.fix
    assert statuses(report)["whoami"] == "skipped"


def test_an_unreachable_service_says_it_could_not_be_reached(sandbox_connection):
    sandbox_connection.server_address = sandbox_connection.authority_host = "https://localhost:9"
    sandbox_connection.save()
    report = run_test_connection(sandbox_connection)
    failed = report.failures()[0]
    assert "could not reach" in failed.detail.lower()
    assert "connection refused" in failed.detail


def test_a_sales_url_unknown_to_the_tenant_is_refused_at_sign_in(sandbox_connection):
    sandbox_connection.server_address = "https://localhost:9"
    sandbox_connection.save()
    report = run_test_connection(sandbox_connection)
    assert "AADSTS500011" in report.failures()[0].detail


def test_a_missing_integration_role_is_reported_with_the_redeploy_fix(sandbox_connection):
    from connection.services import dataverse_client

    client = dataverse_client(sandbox_connection)
    user_id = client.whoami().user_id
    client.disassociate("systemusers", user_id, "systemuserroles_association",
                        INTEGRATION_USER_ROLE)
    report = run_test_connection(sandbox_connection)
    roles = next(c for c in report.checks if c.key == "integration_roles")
    assert roles.status == "failed"
    assert "Integration User" in roles.detail
    assert "Redeploy Integration Solution" in roles.fix
    assert not report.passed


def test_a_wrong_company_fails_the_company_check(sandbox_connection):
    sandbox_connection.bc_company_id = "00000000-0000-0000-0000-000000000001"
    sandbox_connection.save()
    report = run_test_connection(sandbox_connection)
    assert statuses(report)["company"] == "failed"
