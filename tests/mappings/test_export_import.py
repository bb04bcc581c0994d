"""Export and import of mappings: page and manage.py, round trip and bad files."""

import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from mappings import exchange


def upload(text: str, name="mappings.json"):
    return SimpleUploadedFile(name, text.encode(), content_type="application/json")


def test_the_command_exports_json_on_stdout(defaults, connection):
    out = io.StringIO()
    call_command("mappings", "export", "--connection", "CRONUS", stdout=out)
    data = json.loads(out.getvalue())
    assert [m["name"] for m in data][:2] == ["SALESPEOPLE", "CUSTOMER"]
    customer = data[1]
    assert {"name", "bc_table", "sales_entity", "direction", "table_filter",
            "integration_table_filter", "dependency_filter", "field_mappings"} <= set(customer)
    assert customer["field_mappings"][2]["sales_attribute"] == "name"


def test_a_round_trip_restores_every_setting(defaults, connection, tmp_path):
    exported = exchange.dumps(connection)
    customer = defaults["CUSTOMER"]
    customer.table_filter = "No.: 1*"
    customer.save()
    customer.field_mappings.all().delete()
    path = tmp_path / "m.json"
    path.write_text(exported)
    out = io.StringIO()
    call_command("mappings", "import", str(path), stdout=out)
    assert "CUSTOMER: changed" in out.getvalue()
    assert exchange.dumps(connection) == exported


def test_dry_run_changes_nothing(defaults, connection, tmp_path):
    data = exchange.export_mappings(connection)
    data[1]["direction"] = "ToIntegrationTable"
    path = tmp_path / "m.json"
    path.write_text(json.dumps(data))
    out = io.StringIO()
    call_command("mappings", "import", str(path), "--dry-run", stdout=out)
    assert "direction: 'Bidirectional' -> 'ToIntegrationTable'" in out.getvalue()
    defaults["CUSTOMER"].refresh_from_db()
    assert defaults["CUSTOMER"].direction == "Bidirectional"


@pytest.mark.parametrize("content, message", [
    ("{not json", "not valid JSON"),
    ("[]", "Expected a JSON list"),
    ('[{"name": "X"}]', "bc_table"),
    ('[{"name": "X", "bc_table": "Customer", "bc_entity": "customers", "sales_entity": "account",'
     ' "sales_entity_set": "accounts", "integration_table_uid_field": "accountid",'
     ' "table_filter": "Nmae: 1"}]', "unknown field"),
    ('[{"name": "X", "bc_table": "Customer", "bc_entity": "customers", "sales_entity": "account",'
     ' "sales_entity_set": "accounts", "integration_table_uid_field": "accountid",'
     ' "direction": "Sideways", "field_mappings": [{"status": "Maybe"}]}]', "Sideways"),
])
def test_a_bad_import_saves_nothing(defaults, connection, tmp_path, content, message):
    before = exchange.dumps(connection)
    path = tmp_path / "bad.json"
    path.write_text(content)
    with pytest.raises(CommandError, match=message):
        call_command("mappings", "import", str(path))
    assert exchange.dumps(connection) == before


def test_the_command_names_a_missing_connection_or_file(defaults, tmp_path):
    with pytest.raises(CommandError, match="No connection named"):
        call_command("mappings", "export", "--connection", "Nope")
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("mappings", "import", str(tmp_path / "missing.json"))


def test_the_page_shows_a_diff_then_applies(admin_client, defaults, connection):
    data = exchange.export_mappings(connection)
    data[1]["table_filter"] = "No.: 10000..20000"
    response = admin_client.post("/mappings/import/", {"file": upload(json.dumps(data))})
    assert response.status_code == 200
    changed = [line for line in response.context["diff"] if line["state"] == "changed"]
    assert [line["name"] for line in changed] == ["CUSTOMER"]
    defaults["CUSTOMER"].refresh_from_db()
    assert defaults["CUSTOMER"].table_filter == "Blocked = ' '"
    payload = response.context["confirm"].initial["payload"]
    assert admin_client.post("/mappings/import/", {"payload": payload}).status_code == 302
    defaults["CUSTOMER"].refresh_from_db()
    assert defaults["CUSTOMER"].table_filter == "No.: 10000..20000"


def test_the_page_refuses_a_bad_file_and_saves_nothing(admin_client, defaults, connection):
    before = exchange.dumps(connection)
    response = admin_client.post("/mappings/import/", {"file": upload('[{"name": 1}]')})
    assert response.status_code == 400
    assert b"Nothing was imported" in response.content
    bad_confirm = admin_client.post("/mappings/import/", {"payload": "[oops"})
    assert bad_confirm.status_code == 400
    binary = admin_client.post("/mappings/import/", {"file": SimpleUploadedFile(
        "x.json", b"\xff\xfe\x00bad")})
    assert binary.status_code == 400
    assert exchange.dumps(connection) == before


def test_export_downloads_and_viewers_cannot_import(viewer_client, defaults):
    response = viewer_client.get("/mappings/export/")
    assert response["Content-Disposition"] == 'attachment; filename="mappings-cronus.json"'
    assert len(json.loads(response.content)) == 16
    assert viewer_client.get("/mappings/import/").status_code == 403
