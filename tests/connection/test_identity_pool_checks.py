"""Test Connection, Test and Redeploy Integration Solution with further application users:
each identity's check is recorded on it, and only a passed check lets it write."""

import pytest

from connection import identity_checks, services, solution
from connection.checks import run_test_connection
from connection.clients.pool import IdentityPool
from connection.identity_checks import key_of
from connection.models import IdentityCheck, SalesIdentity
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


def writers(connection) -> list[str]:
    """The client ids a job would write with (the primary's first)."""
    client = services.dataverse_client(connection)
    try:
        if isinstance(client, IdentityPool):
            return [member.client_id for member in client.members]
        return [connection.client_id]
    finally:
        client.close()


def test_before_redeploy_each_identity_fails_on_its_own_line_and_takes_no_writes(
        sandbox_connection, sandbox_clean):
    identities = add_pool_identities(sandbox_connection, sandbox_clean.credentials, passed=False)
    report = run_test_connection(sandbox_connection)
    for identity in identities:
        line = lines(report)[key_of(identity)]
        assert line.status == "failed"
        assert identity.name in line.title
        assert "Integration Administrator" in line.detail and "Redeploy" in line.fix
        assert "takes no writes" in line.detail
        identity.refresh_from_db()
        assert identity.check_status == IdentityCheck.FAILED and identity.checked_at
        assert "Integration Administrator" in identity.check_detail
    # The connection itself works: the failing identities are simply not used.
    assert report.passed and len(report.identity_failures()) == 3
    assert writers(sandbox_connection) == [sandbox_connection.client_id]


def test_redeploy_gives_every_identity_the_roles_and_the_test_lets_them_write(
        sandbox_connection, sandbox_clean, administrator):
    identities = add_pool_identities(sandbox_connection, sandbox_clean.credentials,
                                     passed=False)
    # A disabled identity and one whose secret was not entered yet (an import) get them too:
    # Redeploy finds each application user by its client ID, never signing in as it.
    identities[1].enabled = False
    identities[1].save()
    identities[2].client_secret = ""
    identities[2].save()
    done = deploy(sandbox_connection, sandbox_clean.credentials)
    assert all(any(identity.name in step for step in done) for identity in identities), done
    for identity in identities:
        identity.refresh_from_db()
        held = roles_held(sandbox_clean, identity.sales_user_id)
        assert "Dynamics 365 Business Central Integration User" in held
        assert "Dynamics 365 Business Central Integration Administrator" in held
        assert identity.check_status == IdentityCheck.NEVER  # Redeploy checks nothing
    assert writers(sandbox_connection) == [sandbox_connection.client_id]
    report = run_test_connection(sandbox_connection, administrator)
    assert report.passed, report.to_json()
    first, disabled, without_secret = (SalesIdentity.objects.get(pk=i.pk) for i in identities)
    assert lines(report)[key_of(first)].status == "ok"
    assert first.check_status == IdentityCheck.PASSED and first.checked_at
    assert key_of(disabled) not in lines(report)  # Test Connection checks enabled ones
    assert without_secret.check_status == IdentityCheck.FAILED
    assert "No client secret or certificate is stored" in without_secret.check_detail
    assert writers(sandbox_connection) == [sandbox_connection.client_id, first.client_id]


def test_an_identity_without_an_application_user_is_named_and_the_others_get_their_roles(
        sandbox_connection, sandbox_clean):
    first, second = add_pool_identities(sandbox_connection, sandbox_clean.credentials, count=2)
    second.client_id = "0c1a9a53-2f6c-4b36-9a8e-6a6b3c55e0aa"  # no such app registration
    second.save()
    done = deploy(sandbox_connection, sandbox_clean.credentials)
    assert any(second.client_id in step and "Power Platform admin center" in step
               for step in done), done
    first.refresh_from_db()
    assert "Dynamics 365 Business Central Integration User" in \
        roles_held(sandbox_clean, first.sales_user_id)


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
    assert report.passed and report.identity_failures() == [wrong]
    assert writers(sandbox_connection) == [sandbox_connection.client_id, first.client_id,
                                           third.client_id]


def test_a_check_begun_before_a_new_secret_does_not_pass_the_new_one(
        sandbox_connection, sandbox_clean):
    [identity] = add_pool_identities(sandbox_connection, sandbox_clean.credentials, count=1,
                                     passed=False)
    deploy(sandbox_connection, sandbox_clean.credentials)
    began = identity.credential_version
    changed = SalesIdentity.objects.get(pk=identity.pk)
    changed.client_secret = "a-new-secret-entered-meanwhile"
    changed.credential_changed()
    changed.save()
    result = identity_checks.check_identity(sandbox_connection, identity)  # the old secret
    assert result.ok
    assert not identity.record_check(result.ok, result.detail, began)
    changed.refresh_from_db()
    assert changed.check_status == IdentityCheck.NEVER


def test_a_disabled_identity_is_not_tested(sandbox_connection, sandbox_clean):
    [identity] = add_pool_identities(sandbox_connection, sandbox_clean.credentials, count=1)
    identity.enabled = False
    identity.save()
    report = run_test_connection(sandbox_connection)
    assert key_of(identity) not in lines(report)


def test_the_card_redeploys_for_and_tests_each_identity(admin_client, sandbox_connection,
                                                        sandbox_clean):
    creds = sandbox_clean.credentials
    first, second = add_pool_identities(sandbox_connection, creds, count=2, passed=False)
    base = f"/connection/{sandbox_connection.pk}"
    assert "to each additional application user" in \
        admin_client.get(f"{base}/redeploy/").content.decode()
    deployed = admin_client.post(f"{base}/redeploy/", {
        "admin_user": creds["admin_user"], "admin_password": creds["admin_password"]})
    assert deployed.status_code == 302
    second.client_secret = "not-the-secret"
    second.save()
    answer = admin_client.post(f"{base}/test/")
    page = answer.content.decode()
    assert f"Additional application user {first.name} signs in" in page
    assert f"{second.name} (client ID {second.client_id}) could not sign in" in page
    assert "1 additional application user(s) failed their check" in page
    assert creds["pool_identities"][1]["client_secret"] not in page


def test_test_checks_one_identity_and_the_card_shows_the_outcome(admin_client,
                                                                 sandbox_connection,
                                                                 sandbox_clean):
    [identity] = add_pool_identities(sandbox_connection, sandbox_clean.credentials, count=1,
                                     passed=False)
    url = f"/connection/{sandbox_connection.pk}/identities/{identity.pk}/test/"
    card = f"/connection/{sandbox_connection.pk}/"
    page = admin_client.get(card).content.decode()
    assert "Never checked" in page and "No writes until a check passes" in page
    failed = admin_client.post(url, follow=True).content.decode()
    assert "lacks: Integration Administrator" in failed and "takes no writes" in failed
    identity.refresh_from_db()
    assert identity.check_status == IdentityCheck.FAILED
    deploy(sandbox_connection, sandbox_clean.credentials)
    passed = admin_client.post(url, follow=True).content.decode()
    assert "holds both integration roles. It takes writes." in passed
    identity.refresh_from_db()
    assert identity.check_status == IdentityCheck.PASSED
    assert "Writing" in admin_client.get(card).content.decode()
    assert admin_client.get(url).status_code == 405
