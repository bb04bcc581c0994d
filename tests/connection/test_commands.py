"""setup_connection, connection export and connect_sandbox: configuration as code."""

import io
import json
import logging

import pytest
from django.core.management import CommandError, call_command

from connection.documents import sandbox_document
from connection.models import ConnectionSetup

pytestmark = pytest.mark.django_db


def write(tmp_path, document) -> str:
    path = tmp_path / "connection.json"
    path.write_text(json.dumps(document))
    return str(path)


def test_setup_connection_reads_secrets_from_named_environment_variables(tmp_path, monkeypatch):
    monkeypatch.setenv("BC_SECRET", "from-the-environment")
    call_command("setup_connection", write(tmp_path, {
        "name": "Contoso", "server_address": "contoso.crm4.dynamics.com/main.aspx",
        "tenant_id": "contoso.onmicrosoft.com", "client_id": "app",
        "client_secret_env": "BC_SECRET"}), stdout=io.StringIO())
    connection = ConnectionSetup.objects.get(name="Contoso")
    assert connection.client_secret == "from-the-environment"
    assert connection.server_address == "https://contoso.crm4.dynamics.com"


@pytest.mark.parametrize(("document", "message"), [
    ({"name": "x", "server_address": "https://example.com"}, "not a Dynamics 365 Sales address"),
    ({"name": "x", "nonsense": 1}, "Unknown settings: nonsense"),
    ({"name": "x", "client_secret_env": "NOT_SET_ANYWHERE"}, "NOT_SET_ANYWHERE, which is not set"),
    ({"server_address": "https://contoso.crm.dynamics.com"}, "Give the connection a name"),
])
def test_setup_connection_refuses_a_bad_document_with_the_reason(tmp_path, document, message):
    with pytest.raises(CommandError, match=message):
        call_command("setup_connection", write(tmp_path, document))


def test_export_writes_every_setting_but_no_secret(tmp_path):
    connection = ConnectionSetup(name="Contoso", server_address="https://contoso.crm.dynamics.com")
    connection.client_secret = "do-not-export-me"
    connection.save()
    out = io.StringIO()
    call_command("connection", "export", "--name", "Contoso", stdout=out)
    document = json.loads(out.getvalue())
    assert document["server_address"] == "https://contoso.crm.dynamics.com"
    assert document["client_secret_env"] == ""
    assert "do-not-export-me" not in out.getvalue()


def test_an_exported_document_applies_back_unchanged(tmp_path):
    ConnectionSetup.objects.create(name="Contoso", server_address="https://c.crm.dynamics.com",
                                   ownership_model="team", proxy_version="9.1")
    out = io.StringIO()
    call_command("connection", "export", stdout=out)
    call_command("setup_connection", write(tmp_path, json.loads(out.getvalue())),
                 "--name", "Copy", stdout=io.StringIO())
    copy = ConnectionSetup.objects.get(name="Copy")
    assert (copy.ownership_model, copy.proxy_version) == ("team", "9.1")


def test_setup_connection_test_exits_non_zero_when_the_test_fails(tmp_path, sandbox_clean):
    document = sandbox_document(sandbox_clean.credentials, "Sandbox")
    document.update(is_enabled=False, client_secret="wrong")
    with pytest.raises(CommandError, match="Test Connection failed"):
        call_command("setup_connection", write(tmp_path, document), "--test",
                     stdout=io.StringIO())


def test_connect_sandbox_is_idempotent_and_installs_the_default_setup(portal_sees_sandbox):
    out = io.StringIO()
    call_command("connect_sandbox", stdout=out)
    call_command("connect_sandbox", stdout=out)
    connection = ConnectionSetup.objects.get()
    assert connection.is_enabled and connection.last_test["passed"]
    assert connection.table_mappings.filter(name="CUSTOMER").exists()
    assert out.getvalue().count("Installed the default synchronization setup") == 1


def test_no_secret_reaches_a_log_line_or_a_page(portal_sees_sandbox, admin_client, caplog):
    creds = portal_sees_sandbox.credentials
    caplog.set_level(logging.DEBUG)
    call_command("connect_sandbox", stdout=io.StringIO())
    connection = ConnectionSetup.objects.get()
    connection.client_secret = "wrong-" + creds["client_secret"]
    connection.save()
    pages = [admin_client.post(f"/connection/{connection.pk}/test/").content,
             admin_client.get(f"/connection/{connection.pk}/").content,
             admin_client.get(f"/connection/{connection.pk}/changes/").content,
             admin_client.get("/connection/assisted-setup/").content]
    text = caplog.text + b"".join(pages).decode()
    for secret in (creds["client_secret"], creds["integration_password"],
                   creds["admin_password"]):
        assert secret not in text
    dump = io.StringIO()
    call_command("dumpdata", "connection", "mappings", "synchronization", stdout=dump)
    assert creds["client_secret"] not in dump.getvalue()
