"""The solution's three roles: Redeploy creates and assigns them, Test Connection checks the
third, and a failed Redeploy says what to fix."""

import pytest

from connection import services, solution
from connection.checks import run_test_connection

pytestmark = pytest.mark.django_db
AVAILABILITY_ROLE = "Dynamics 365 Business Central Product Availability User"


def admin_client_of(connection, credentials):
    tokens = services.user_credential(connection, credentials["admin_user"],
                                      credentials["admin_password"])
    return services.dataverse_client(connection, tokens=tokens)


def availability_role_id(client):
    rows = list(client.query("roles", select=["roleid"],
                             filter=f"name eq '{AVAILABILITY_ROLE}'"))
    return rows[0]["roleid"] if rows else None


def holds_availability_role(connection) -> bool:
    client = services.dataverse_client(connection)
    held = solution.roles_of(client, client.whoami().user_id)
    return any(role.name == AVAILABILITY_ROLE for role in held)


def check(report, key):
    return next(c for c in report.checks if c.key == key)


@pytest.fixture
def without_availability_role(sandbox_connection, sandbox_clean):
    admin = admin_client_of(sandbox_connection, sandbox_clean.credentials)
    admin.delete("roles", availability_role_id(admin))
    assert availability_role_id(admin) is None and not holds_availability_role(sandbox_connection)
    return sandbox_connection


def test_test_connection_passes_the_third_role_in_the_demo(sandbox_connection, administrator):
    report = run_test_connection(sandbox_connection, administrator)
    assert check(report, "availability_role").status == "ok" and report.passed


def test_a_missing_third_role_is_a_note_without_item_availability(without_availability_role):
    report = run_test_connection(without_availability_role)
    item = check(report, "availability_role")
    assert item.status == "warning" and "Redeploy Integration Solution" in item.fix


def test_a_missing_third_role_fails_the_test_with_item_availability_on(without_availability_role):
    without_availability_role.item_availability_enabled = True
    without_availability_role.save()
    report = run_test_connection(without_availability_role)
    assert check(report, "availability_role").status == "failed" and not report.passed


def test_redeploy_creates_and_assigns_the_product_availability_user_role(
        admin_client, without_availability_role, sandbox_clean):
    credentials = sandbox_clean.credentials
    response = admin_client.post(f"/connection/{without_availability_role.pk}/redeploy/", {
        "admin_user": credentials["admin_user"], "admin_password": credentials["admin_password"]},
        follow=True)
    page = response.content.decode()
    assert f"Created the role {AVAILABILITY_ROLE}." in page
    assert "Assigned the Product Availability User role to the integration user." in page
    assert holds_availability_role(without_availability_role)
    report = run_test_connection(without_availability_role)
    assert check(report, "availability_role").status == "ok"


def test_a_wrong_administrator_password_is_shown_with_the_fix(admin_client, sandbox_connection,
                                                              sandbox_clean):
    admin_user = sandbox_clean.credentials["admin_user"]
    response = admin_client.post(f"/connection/{sandbox_connection.pk}/redeploy/", {
        "admin_user": admin_user, "admin_password": "not-the-password"})
    assert response.status_code == 400
    page = response.content.decode()
    assert f"Sign-in as {admin_user} was refused" in page
    assert "Check the administrator&#x27;s email and password" in page
    assert 'role="alert"' in page and "not-the-password" not in page
