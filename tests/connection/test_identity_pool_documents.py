"""The identity pool in the connection document: exported without secrets, imported so the
administrator only re-enters them; imported identities take no writes until checked."""

import io
import json
import re
import uuid

import pytest
from django.core.management import CommandError, call_command

from connection import services
from connection.models import ConnectionSetup, IdentityCheck, SalesIdentity
from tests.connection.pool_support import private_key_pem

pytestmark = pytest.mark.django_db
SECRET = "pool-secret-not-for-export"
PRIMARY = "0f0e7a44-6a5d-4bb0-8a0e-5b1c1c2e3d4f"


@pytest.fixture
def connection() -> ConnectionSetup:
    connection = ConnectionSetup(name="Contoso", server_address="https://contoso.crm.dynamics.com",
                                 tenant_id="contoso.onmicrosoft.com", client_id=PRIMARY)
    connection.client_secret = "primary"
    connection.save()
    for number in (1, 2):
        identity = SalesIdentity(connection=connection, name=f"bcsales pool {number}",
                                 client_id=str(uuid.uuid4()), enabled=number == 1,
                                 check_status=IdentityCheck.PASSED)
        identity.client_secret = SECRET
        identity.save()
    return connection


def export(name: str = "Contoso") -> tuple[dict, str]:
    out = io.StringIO()
    call_command("connection", "export", "--name", name, stdout=out)
    return json.loads(out.getvalue()), out.getvalue()


def apply(tmp_path, document, *args: str) -> None:
    path = tmp_path / "connection.json"
    path.write_text(json.dumps(document))
    call_command("setup_connection", str(path), *args, stdout=io.StringIO())


def test_export_lists_each_identity_without_its_secret(connection):
    document, text = export()
    first, second = connection.sales_identities.order_by("pk")
    assert document["sales_identities"] == [
        {"name": "bcsales pool 1", "client_id": first.client_id, "enabled": True,
         "client_secret_env": ""},
        {"name": "bcsales pool 2", "client_id": second.client_id, "enabled": False,
         "client_secret_env": ""},
    ]
    assert SECRET not in text and first.client_secret_encrypted not in text


def test_an_imported_pool_waits_for_its_secrets_and_takes_no_writes(connection, tmp_path,
                                                                     admin_client):
    document, _ = export()
    apply(tmp_path, document, "--name", "Copy")
    copy = ConnectionSetup.objects.get(name="Copy")
    imported = list(copy.sales_identities.order_by("pk"))
    assert [(i.name, i.enabled) for i in imported] == [("bcsales pool 1", True),
                                                       ("bcsales pool 2", False)]
    assert all(i.check_status == IdentityCheck.NEVER and not i.has_credential
               for i in imported)
    assert services.writing_identities(copy) == []
    page = admin_client.get(f"/connection/{copy.pk}/").content.decode()
    assert "enter its secret or certificate (Edit)" in page and "Never checked" in page
    # The administrator enters the secret on the card: still never checked until Test.
    url = f"/connection/{copy.pk}/identities/{imported[0].pk}/edit/"
    answer = admin_client.post(url, {"identity-name": "bcsales pool 1",
                                     "identity-client_id": imported[0].client_id,
                                     "identity-client_secret": SECRET})
    assert answer.status_code == 302
    imported[0].refresh_from_db()
    assert imported[0].client_secret == SECRET and not imported[0].takes_writes


def test_secrets_come_from_the_environment_variables_the_document_names(connection, tmp_path,
                                                                        monkeypatch):
    monkeypatch.setenv("POOL_1_SECRET", "from-the-environment")
    document, _ = export()
    document["sales_identities"][0]["client_secret_env"] = "POOL_1_SECRET"
    apply(tmp_path, document, "--name", "Copy")
    first = ConnectionSetup.objects.get(name="Copy").sales_identities.get(name="bcsales pool 1")
    assert first.client_secret == "from-the-environment"
    assert "from-the-environment" not in first.client_secret_encrypted
    assert first.check_status == IdentityCheck.NEVER and not first.takes_writes


def test_applying_the_document_again_keeps_unchanged_identities_checked(connection, tmp_path):
    document, _ = export()
    extra = SalesIdentity.objects.create(connection=connection, name="not in the document",
                                         client_id=str(uuid.uuid4()))
    apply(tmp_path, document)
    first = connection.sales_identities.get(name="bcsales pool 1")
    assert first.check_status == IdentityCheck.PASSED and first.client_secret == SECRET
    assert connection.sales_identities.filter(pk=extra.pk).exists()
    document["sales_identities"][0]["client_secret"] = "rotated"
    apply(tmp_path, document)
    first.refresh_from_db()
    assert first.client_secret == "rotated" and first.check_status == IdentityCheck.NEVER


@pytest.mark.parametrize(("entries", "message"), [
    ({"name": "x"}, "must be a list of objects"),
    ([{"name": "p", "client_id": "not-a-guid"}], "entry 1 (p): client_id: The Client ID"),
    ([{"name": "p", "client_id": str(uuid.uuid4()), "secret": "x"}],
     "unknown settings: secret"),
    ([{"name": "p", "client_id": str(uuid.uuid4()), "client_secret_env": "NOT_SET_ANYWHERE"}],
     "NOT_SET_ANYWHERE, which is not set"),
    ([{"name": "p", "client_id": str(uuid.uuid4()), "enabled": "yes"}], "true or false"),
    ([{"name": "p", "client_id": PRIMARY}], "connection's own Client ID"),
    ([{"name": "p", "client_id": str(uuid.uuid4())},
      {"name": "P", "client_id": str(uuid.uuid4())}], "the name p is listed more than once"),
    ([{"client_id": str(uuid.uuid4())}], "name: This field is required"),
])
def test_a_bad_identity_entry_is_refused_and_nothing_is_saved(connection, tmp_path, entries,
                                                              message):
    document, _ = export()
    document["sales_identities"] = entries
    with pytest.raises(CommandError, match=re.escape(message)):
        apply(tmp_path, document, "--name", "Copy")
    assert not ConnectionSetup.objects.filter(name="Copy").exists()
    assert not SalesIdentity.objects.filter(name="p").exists()


def test_a_certificate_identity_travels_as_its_thumbprint_and_a_placeholder(connection, tmp_path,
                                                                            monkeypatch):
    key = private_key_pem()
    identity = SalesIdentity(connection=connection, name="by certificate",
                             client_id=str(uuid.uuid4()), certificate_thumbprint="AB" * 20)
    identity.certificate = key
    identity.save()
    document, text = export()
    entry = document["sales_identities"][-1]
    assert entry == {"name": "by certificate", "client_id": identity.client_id, "enabled": True,
                     "certificate_thumbprint": "AB" * 20, "certificate_env": ""}
    assert key.splitlines()[1] not in text
    monkeypatch.setenv("POOL_KEY", key)
    entry["certificate_env"] = "POOL_KEY"
    apply(tmp_path, document, "--name", "Copy")
    copy = ConnectionSetup.objects.get(name="Copy").sales_identities.get(name="by certificate")
    assert copy.uses_certificate and copy.certificate == key.strip()
    assert copy.certificate_thumbprint == "AB" * 20 and copy.check_status == IdentityCheck.NEVER
