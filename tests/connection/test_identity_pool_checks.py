"""Test Connection and Redeploy Integration Solution with further application users."""

import pytest

from connection import solution
from connection.checks import run_test_connection
from connection.identity_checks import key_of
from tests.connection.pool_support import add_pool_identities

pytestmark = pytest.mark.django_db


def lines(report) -> dict[str, object]:
    return {check.key: check for check in report.checks}


def deploy(connection, credentials) -> list[str]:
    return solution.deploy(connection, credentials["admin_user"], credentials["admin_password"])


def roles_held(sandbox, user_id: str) -> set[str]:
    links = sandbox.records("dataverse", "systemuserroles", systemuserid=user_id)["records"]
    names = {row["roleid"]: row["name"] for row in sandbox.records("dataverse", "role")["records"]}
    return {names[link["roleid"]] for link in links}


def test_each_identity_gets_its_own_line_and_lacks_the_roles_before_redeploy(
        sandbox_connection, sandbox_clean):
    identities = add_pool_identities(sandbox_connection, sandbox_clean.credentials)
    report = run_test_connection(sandbox_connection)
    for identity in identities:
        line = lines(report)[key_of(identity)]
        assert line.status == "failed"
        assert identity.name in line.title
        assert "Integration Administrator" in line.detail and "Redeploy" in line.fix
    assert not report.passed


def test_redeploy_gives_every_identity_the_integration_roles_and_the_test_passes(
        sandbox_connection, sandbox_clean, administrator):
    identities = add_pool_identities(sandbox_connection, sandbox_clean.credentials)
    done = deploy(sandbox_connection, sandbox_clean.credentials)
    assert any("bcsales pool 2" in step for step in done)
    report = run_test_connection(sandbox_connection, administrator)
    assert report.passed, report.to_json()
    for identity in identities:
        identity.refresh_from_db()
        assert lines(report)[key_of(identity)].status == "ok"
        assert identity.sales_user_id
        held = roles_held(sandbox_clean, identity.sales_user_id)
        assert "Dynamics 365 Business Central Integration User" in held
        assert "Dynamics 365 Business Central Integration Administrator" in held


def test_a_wrong_secret_on_one_identity_is_named_and_the_others_still_pass(
        sandbox_connection, sandbox_clean):
    first, second, third = add_pool_identities(sandbox_connection, sandbox_clean.credentials)
    deploy(sandbox_connection, sandbox_clean.credentials)
    second.client_secret = "not-the-secret"
    second.save()
    report = run_test_connection(sandbox_connection)
    wrong = lines(report)[key_of(second)]
    assert wrong.status == "failed"
    assert "bcsales pool 2" in wrong.detail and second.client_id in wrong.detail
    assert "secret" in wrong.detail.lower() and wrong.fix
    assert lines(report)[key_of(first)].status == lines(report)[key_of(third)].status == "ok"
    assert not report.passed


def test_a_disabled_identity_is_not_tested(sandbox_connection, sandbox_clean):
    [identity] = add_pool_identities(sandbox_connection, sandbox_clean.credentials, count=1)
    identity.enabled = False
    identity.save()
    report = run_test_connection(sandbox_connection)
    assert key_of(identity) not in lines(report)


def test_the_card_redeploys_for_and_tests_each_identity(admin_client, sandbox_connection,
                                                        sandbox_clean):
    creds = sandbox_clean.credentials
    first, second = add_pool_identities(sandbox_connection, creds, count=2)
    base = f"/connection/{sandbox_connection.pk}"
    assert "each enabled additional application user" in \
        admin_client.get(f"{base}/redeploy/").content.decode()
    deployed = admin_client.post(f"{base}/redeploy/", {
        "admin_user": creds["admin_user"], "admin_password": creds["admin_password"]})
    assert deployed.status_code == 302
    second.client_secret = "not-the-secret"
    second.save()
    page = admin_client.post(f"{base}/test/").content.decode()
    assert f"Additional application user {first.name} signs in" in page
    assert f"{second.name} (client ID {second.client_id}) could not sign in" in page
