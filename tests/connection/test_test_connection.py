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


def _answer(status: int, body: bytes, content_type: str = "application/json"):
    import requests
    from requests.structures import CaseInsensitiveDict

    response = requests.Response()
    response.status_code, response._content = status, body
    response.headers = CaseInsensitiveDict({"Content-Type": content_type} if body else {})
    return response


def _sales_answers(monkeypatch, fragment: str, status: int, body: bytes,
                   content_type: str = "application/json") -> None:
    """Every Sales request whose URL holds ``fragment`` gets this answer instead."""
    from connection.clients.http import ServiceSession

    real = ServiceSession._send

    def send(self, method, url, *args, **kwargs):
        if fragment in url:
            answer = _answer(status, body, content_type)
            answer.url = url
            return answer
        return real(self, method, url, *args, **kwargs)

    monkeypatch.setattr(ServiceSession, "_send", send)


@pytest.mark.parametrize("status, body", [(204, b""), (200, b'{"value":[]}')])
def test_no_roles_reads_the_same_from_an_empty_204_and_an_empty_value_list(
        sandbox_connection, monkeypatch, status, body):
    """A collection-valued navigation without rows: Test Connection reads both answers as an
    empty list of roles and says so, instead of failing on the missing body.

    https://learn.microsoft.com/power-apps/developer/data-platform/webapi/retrieve-related-entities-query
    """
    _sales_answers(monkeypatch, "systemuserroles_association", status, body)
    report = run_test_connection(sandbox_connection)
    user = next(c for c in report.checks if c.key == "integration_user")
    assert user.status == "failed"
    assert "has no user roles assigned" in user.detail
    assert statuses(report)["integration_roles"] == "failed"
    assert statuses(report)["solution"] == "ok"


@pytest.mark.parametrize("fragment", ["WhoAmI", "organizations", "systemuserroles_association"])
@pytest.mark.parametrize("status, body, content_type", [
    (200, b"<html>maintenance</html>", "text/html"),
    (200, b"", "application/json"),
    (200, b"[]", "application/json"),
    (200, b'{"value": 5}', "application/json"),
    (204, b"", "application/json"),
])
def test_any_answer_ends_in_a_failed_check_with_the_reason(
        sandbox_connection, monkeypatch, fragment, status, body, content_type):
    _sales_answers(monkeypatch, fragment, status, body, content_type)
    report = run_test_connection(sandbox_connection)
    failed = report.failures()
    if fragment == "systemuserroles_association" and status == 204:
        assert "has no user roles assigned" in failed[0].detail
    assert failed and not report.passed
    assert all(check.detail.strip() for check in failed)
    assert any("not JSON" in c.detail or "expected shape" in c.detail or "no user roles" in c.detail
               for c in failed), [c.detail for c in failed]
    sandbox_connection.refresh_from_db()
    assert sandbox_connection.status == ConnectionStatus.FAILED
