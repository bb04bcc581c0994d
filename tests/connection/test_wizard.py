"""The assisted setup against the sandbox through the pages, step by step."""

import pytest

from connection.models import ConnectionSetup

pytestmark = pytest.mark.django_db


def step_url(connection: ConnectionSetup, step: int) -> str:
    return f"/connection/assisted-setup/{connection.pk}/step/{step}/"


def run_steps_1_to_3(client, creds) -> ConnectionSetup:
    response = client.post("/connection/assisted-setup/", {
        "name": "Contoso", "server_address": f"{creds['dataverse_url']}/main.aspx?appid=1#x",
        "custom_endpoint": "on", "authentication_type": "client_secret"})
    connection = ConnectionSetup.objects.get(name="Contoso")
    assert response.url == step_url(connection, 2)
    assert connection.server_address == creds["dataverse_url"]
    response = client.post(step_url(connection, 2), {
        "authority_host": creds["authority"].rsplit("/", 1)[0], "tenant_id": creds["tenant_id"],
        "client_id": creds["client_id"], "client_secret": creds["client_secret"],
        "ca_bundle": creds["ca_bundle"], "user_name": creds["integration_user"]})
    assert response.status_code == 302, response.content.decode()[:3000]
    base = {"bc_deployment": "online", "bc_service_root": creds["dataverse_url"],
            "bc_environment": creds["environment"], "bc_same_credentials": "on"}
    response = client.post(step_url(connection, 3), base)
    assert response.status_code == 400
    assert b"Choose the company" in response.content
    assert creds["company_name"].encode() in response.content.replace(b"&#x27;", b"'")
    response = client.post(step_url(connection, 3), {**base, "company": creds["company_id"]})
    assert response.url == step_url(connection, 4)
    return ConnectionSetup.objects.get(pk=connection.pk)


def test_the_wizard_connects_the_sandbox_and_lands_on_the_full_sync_review(
    admin_client, sandbox_clean, django_capture_on_commit_callbacks
):
    creds = sandbox_clean.credentials
    connection = run_steps_1_to_3(admin_client, creds)
    assert connection.bc_company_name == creds["company_name"]
    response = admin_client.post(step_url(connection, 4), {
        "import_solution": "on", "admin_user": creds["admin_user"],
        "admin_password": creds["admin_password"], "enable_connection": "on",
        "proxy_version": "9.2"})
    assert response.status_code == 302, response.content.decode()[:3000]
    connection.refresh_from_db()
    assert connection.is_enabled and connection.last_test["passed"]
    page = admin_client.get(step_url(connection, 5))
    assert b"Initial synchronization recommendation" in page.content
    response = admin_client.post(step_url(connection, 5), {
        "use_default_setup": "on", "mappings": ["SALESPEOPLE", "CUSTOMER", "CURRENCY",
                                                 "PAYMENT TERMS", "SHIPMENT METHOD",
                                                 "SHIPPING AGENT", "CONTACT"]})
    assert response.url == step_url(connection, 6)
    assert connection.table_mappings.count() == 7
    page = admin_client.get(step_url(connection, 6))
    assert b"Suggested" in page.content
    form = page.context["form"]
    data = {name: field.initial or "" for name, field in form.fields.items()}
    assert any(data.values())
    response = admin_client.post(step_url(connection, 6), data)
    assert response.url == step_url(connection, 7)
    coupled = connection.table_mappings.get(name="SALESPEOPLE").couplings.count()
    assert coupled == len([v for v in data.values() if v])
    summary = admin_client.get(step_url(connection, 7))
    assert b"Run Full Synchronization" in summary.content
    response = admin_client.post(step_url(connection, 7), {"run_full_sync": "1"})
    assert response.url == "/sync/full-sync/"
    connection.refresh_from_db()
    assert connection.wizard_completed


def test_wrong_credentials_keep_the_wizard_on_step_2_with_the_message(
    admin_client, sandbox_clean
):
    creds = sandbox_clean.credentials
    admin_client.post("/connection/assisted-setup/", {
        "name": "Contoso", "server_address": creds["dataverse_url"], "custom_endpoint": "on",
        "authentication_type": "office365"})
    connection = ConnectionSetup.objects.get(name="Contoso")
    response = admin_client.post(step_url(connection, 2), {
        "authority_host": creds["authority"].rsplit("/", 1)[0], "tenant_id": creds["tenant_id"],
        "client_id": creds["client_id"], "ca_bundle": creds["ca_bundle"],
        "user_name": creds["integration_user"], "user_password": "wrong password"})
    assert response.status_code == 400
    assert b"The user name or password is wrong" in response.content
    connection.refresh_from_db()
    assert connection.wizard_step == 2


def test_an_administrator_account_without_the_roles_is_refused_at_step_4(
    admin_client, sandbox_clean
):
    creds = sandbox_clean.credentials
    connection = run_steps_1_to_3(admin_client, creds)
    salesperson = creds["sales_users"][0]
    response = admin_client.post(step_url(connection, 4), {
        "import_solution": "on", "admin_user": salesperson,
        "admin_password": creds["sales_password"], "enable_connection": "on",
        "proxy_version": "9.2"})
    assert response.status_code == 400
    assert b"System Administrator and Solution Customizer" in response.content
    assert creds["sales_password"].encode() not in response.content


def test_steps_not_reached_yet_send_the_browser_to_the_furthest_step(admin_client):
    connection = ConnectionSetup.objects.create(name="Half", wizard_step=2)
    response = admin_client.get(step_url(connection, 5))
    assert response.url == step_url(connection, 2)
    assert admin_client.get("/connection/assisted-setup/").url == step_url(connection, 2)


def test_the_demo_button_fills_in_the_sandbox_values_step_by_step(
    admin_client, portal_sees_sandbox
):
    creds = portal_sees_sandbox.credentials
    response = admin_client.post("/connection/assisted-setup/", {"demo": "1"})
    connection = ConnectionSetup.objects.get()
    assert response.url == step_url(connection, 1)
    assert connection.server_address == creds["dataverse_url"] and connection.custom_endpoint
    admin_client.post(step_url(connection, 1), {
        "name": connection.name, "server_address": connection.server_address,
        "custom_endpoint": "on", "authentication_type": "client_secret"})
    admin_client.post(step_url(connection, 2), {"demo": "1"})
    page = admin_client.get(step_url(connection, 2))
    assert creds["client_secret"].encode() not in page.content
    assert b"Leave blank to keep it" in page.content
    connection.refresh_from_db()
    assert connection.client_secret == creds["client_secret"]


def test_viewers_see_the_wizard_but_cannot_submit_it(viewer_client):
    assert viewer_client.get("/connection/assisted-setup/").status_code == 200
    response = viewer_client.post("/connection/assisted-setup/", {"name": "x"})
    assert response.status_code == 403


def test_recommendations_count_tables_published_as_pages(sandbox_connection):
    from connection import registry
    from synchronization import recommendations

    plan = registry.mappings().default_mapping_plan(sandbox_connection)
    rows = {r["name"]: r for r in recommendations.compute(
        sandbox_connection, plan, [item["name"] for item in plan])}
    assert rows["RESOURCE-PRODUCT"]["bc_count"] > 0
    assert rows["SHIPPING AGENT"]["bc_count"] > 0
    assert rows["SHIPPING AGENT"]["recommendation"] != recommendations.NOTHING


def test_an_unknown_count_is_never_taken_for_an_empty_table():
    from synchronization.recommendations import NOTHING, recommend

    item = {"option": False}
    assert recommend(None, 0, [], item) != NOTHING
    assert recommend(0, 0, [], item) == NOTHING


def test_each_step_label_is_its_own_item_with_its_number(admin_client):
    from html.parser import HTMLParser

    from connection import wizard

    class Steps(HTMLParser):
        def __init__(self):
            super().__init__()
            self.items, self.depth, self.inside = [], 0, False

        def handle_starttag(self, tag, attrs):
            if tag == "ol" and ("class", "wizard-steps") in attrs:
                self.inside = True
            elif self.inside and tag == "li":
                self.items.append("")

        def handle_endtag(self, tag):
            if tag == "ol":
                self.inside = False

        def handle_data(self, data):
            if self.inside and self.items:
                self.items[-1] += data

    parser = Steps()
    parser.feed(admin_client.get("/connection/assisted-setup/", follow=True).content.decode())
    texts = [" ".join(item.split()) for item in parser.items]
    assert texts == [f"{n}. {title}" for n, title in wizard.STEPS.items()]
