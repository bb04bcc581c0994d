"""The card's Additional application users: add, edit, disable, remove; secrets never shown
again; a new or changed credential takes no writes until its check passes."""

import uuid

import pytest

from connection import services
from connection.models import ConnectionSetup, IdentityCheck, SalesIdentity
from tests.connection.pool_support import private_key_pem

pytestmark = pytest.mark.django_db
SECRET = "Pool-secret-value-never-shown"
KEY = private_key_pem()


@pytest.fixture
def connection() -> ConnectionSetup:
    connection = ConnectionSetup(name="Contoso", server_address="https://contoso.crm4.dynamics.com",
                                 tenant_id="contoso.onmicrosoft.com", client_id=str(uuid.uuid4()))
    connection.client_secret = "primary"
    connection.save()
    return connection


def add(client, connection, **values):
    data = {"name": "bcsales pool 1", "client_id": str(uuid.uuid4()), "client_secret": SECRET,
            **values}
    return client.post(f"/connection/{connection.pk}/identities/",
                       {f"identity-{key}": value for key, value in data.items()})


def identity(connection, name="bcsales pool 1") -> SalesIdentity:
    saved = SalesIdentity(connection=connection, name=name, client_id=str(uuid.uuid4()))
    saved.client_secret = SECRET
    saved.save()
    return saved


def test_an_administrator_adds_an_identity_whose_secret_is_encrypted_and_never_shown(
        admin_client, connection):
    answer = add(admin_client, connection)
    assert answer.status_code == 302
    saved = connection.sales_identities.get()
    assert saved.client_secret == SECRET and SECRET not in saved.client_secret_encrypted
    page = admin_client.get(f"/connection/{connection.pk}/").content.decode()
    assert "Additional application users" in page and "bcsales pool 1" in page
    assert SECRET not in page and "Client secret (stored)" in page
    change = connection.changes.get()
    assert change.caption == "Additional application user bcsales pool 1"
    assert SECRET not in change.new_value


@pytest.mark.parametrize(("values", "message"), [
    ({"client_id": "not-a-guid"}, "must be a GUID"),
    ({"client_secret": ""}, "client secret or certificate"),
    ({"name": ""}, "This field is required"),
    ({"certificate": "not a key"}, "unencrypted PEM key"),
    ({"name": "x" * 101}, "at most 100 characters"),
])
def test_bad_input_re_renders_the_card_with_a_message(admin_client, connection, values, message):
    answer = add(admin_client, connection, **values)
    assert answer.status_code == 400
    assert message in answer.content.decode()
    assert not connection.sales_identities.exists()
    assert SECRET not in answer.content.decode()


def test_the_connections_own_client_id_and_a_taken_name_are_refused(admin_client, connection):
    answer = add(admin_client, connection, client_id=connection.client_id.upper())
    assert "connection&#x27;s own Client ID" in answer.content.decode()
    identity(connection)
    answer = add(admin_client, connection, name="BCSALES POOL 1")
    assert "exists already" in answer.content.decode()
    assert connection.sales_identities.count() == 1


def test_an_identity_is_disabled_and_enabled_again(admin_client, connection):
    saved = identity(connection)
    admin_client.post(f"/connection/{connection.pk}/identities/{saved.pk}/toggle/")
    saved.refresh_from_db()
    assert not saved.enabled
    admin_client.post(f"/connection/{connection.pk}/identities/{saved.pk}/toggle/")
    saved.refresh_from_db()
    assert saved.enabled


def test_removing_confirms_and_keeps_the_user_id_as_the_integrations(admin_client, connection):
    saved = identity(connection)
    saved.sales_user_id = str(uuid.uuid4())
    saved.save()
    url = f"/connection/{connection.pk}/identities/{saved.pk}/remove/"
    assert "Sales are kept" in admin_client.get(url).content.decode()
    assert admin_client.post(url).status_code == 400  # not ticked
    assert admin_client.post(url, {"confirm": "on"}).status_code == 302
    connection.refresh_from_db()
    assert not connection.sales_identities.exists()
    assert connection.former_identity_user_ids == [saved.sales_user_id]


def test_a_viewer_sees_the_identities_but_changes_nothing(viewer_client, connection):
    saved = identity(connection)
    page = viewer_client.get(f"/connection/{connection.pk}/").content.decode()
    assert "bcsales pool 1" in page and "Add application user" not in page
    assert add(viewer_client, connection, name="other").status_code == 403
    base = f"/connection/{connection.pk}/identities/{saved.pk}"
    assert viewer_client.post(f"{base}/toggle/").status_code == 403
    assert viewer_client.post(f"{base}/remove/", {"confirm": "on"}).status_code == 403
    saved.refresh_from_db()
    assert saved.enabled and connection.sales_identities.count() == 1


def test_an_identity_of_another_connection_is_not_found(admin_client, connection):
    other = ConnectionSetup.objects.create(name="Other")
    saved = identity(other)
    answer = admin_client.post(f"/connection/{connection.pk}/identities/{saved.pk}/toggle/")
    assert answer.status_code == 404


def test_adding_by_get_is_not_allowed(admin_client, connection):
    assert admin_client.get(f"/connection/{connection.pk}/identities/").status_code == 405


def edit(client, identity, **values):
    data = {"name": identity.name, "client_id": identity.client_id, "client_secret": "",
            "certificate": "", "certificate_thumbprint": "", **values}
    return client.post(f"/connection/{identity.connection_id}/identities/{identity.pk}/edit/",
                       {f"identity-{key}": value for key, value in data.items()})


def passed(identity: SalesIdentity) -> SalesIdentity:
    identity.record_check(True, "signed in")
    identity.refresh_from_db()
    return identity


def test_a_new_identity_is_never_checked_and_takes_no_writes(admin_client, connection):
    add(admin_client, connection)
    saved = connection.sales_identities.get()
    assert saved.check_status == IdentityCheck.NEVER and not saved.takes_writes
    page = admin_client.get(f"/connection/{connection.pk}/").content.decode()
    assert "Never checked" in page and "No writes until a check passes" in page
    assert services.writing_identities(connection) == []


def test_the_edit_page_never_shows_the_secret_and_a_rename_keeps_the_check(admin_client,
                                                                            connection):
    saved = passed(identity(connection))
    page = admin_client.get(f"/connection/{connection.pk}/identities/{saved.pk}/edit/")
    assert page.status_code == 200
    text = page.content.decode()
    assert SECRET not in text and saved.client_secret_encrypted not in text
    assert "A client secret is stored" in text
    assert f'value="{saved.name}"' in text and f'value="{saved.client_id}"' in text
    assert edit(admin_client, saved, name="bcsales pool one").status_code == 302
    saved.refresh_from_db()
    assert saved.name == "bcsales pool one" and saved.client_secret == SECRET
    assert saved.check_status == IdentityCheck.PASSED and saved.takes_writes


@pytest.mark.parametrize("values", [
    {"client_secret": "a-new-secret"},
    {"client_id": "0c1a9a53-2f6c-4b36-9a8e-6a6b3c55e0aa"},
    {"certificate": KEY, "certificate_thumbprint": "AB" * 20},
])
def test_a_new_client_id_secret_or_certificate_takes_no_writes_until_checked(
        admin_client, connection, values):
    saved = passed(identity(connection))
    answer = edit(admin_client, saved, **values)
    assert answer.status_code == 302
    saved.refresh_from_db()
    assert saved.check_status == IdentityCheck.NEVER and not saved.takes_writes
    assert saved.checked_at is None and saved.check_detail == ""
    assert services.writing_identities(connection) == []
    message = admin_client.get(answer.url).content.decode()
    assert "takes no writes until its check passes" in message
    change = connection.changes.latest("pk")
    assert "never checked" in change.new_value and "a-new-secret" not in change.new_value
    if "certificate" in values:
        assert saved.uses_certificate and saved.client_secret == ""


@pytest.mark.parametrize(("values", "message"), [
    ({"client_id": "not-a-guid", "client_secret": SECRET}, "must be a GUID"),
    ({"name": ""}, "This field is required"),
    ({"client_secret": "x", "certificate": "not a key"}, "unencrypted PEM key"),
    ({"certificate": KEY}, "needs its thumbprint"),
    ({"certificate": KEY, "client_secret": SECRET}, "not both"),
    ({"certificate_thumbprint": "nope"}, "40 hex digits"),
    ({"name": "taken"}, "exists already"),
])
def test_bad_edits_re_render_with_a_message_and_change_nothing(admin_client, connection,
                                                               values, message):
    identity(connection, name="taken")
    saved = passed(identity(connection))
    answer = edit(admin_client, saved, **values)
    assert answer.status_code == 400 and message in answer.content.decode()
    assert SECRET not in answer.content.decode()
    assert KEY.splitlines()[1] not in answer.content.decode()  # a typed key stays unsaid
    saved.refresh_from_db()
    assert saved.name == "bcsales pool 1" and saved.check_status == IdentityCheck.PASSED


def test_enabling_an_unchecked_identity_says_it_waits_for_its_check(admin_client, connection):
    saved = identity(connection)
    saved.enabled = False
    saved.save()
    answer = admin_client.post(f"/connection/{connection.pk}/identities/{saved.pk}/toggle/",
                               follow=True)
    assert "it takes writes once its check passes" in answer.content.decode()


def test_a_viewer_cannot_edit_or_test(viewer_client, connection):
    saved = identity(connection)
    base = f"/connection/{connection.pk}/identities/{saved.pk}"
    assert viewer_client.get(f"{base}/edit/").status_code == 403
    assert edit(viewer_client, saved, name="other").status_code == 403
    assert viewer_client.post(f"{base}/test/").status_code == 403
    saved.refresh_from_db()
    assert saved.name == "bcsales pool 1"


def test_an_answer_the_check_cannot_use_is_recorded_as_a_failure_not_a_500(
        admin_client, connection, monkeypatch):
    from connection import identity_checks

    def broken(connection, identity):
        raise ValueError("not JSON")

    monkeypatch.setattr(identity_checks, "check_identity", broken)
    saved = passed(identity(connection))
    answer = admin_client.post(f"/connection/{connection.pk}/identities/{saved.pk}/test/",
                               follow=True)
    assert answer.status_code == 200
    assert "could not be used (ValueError: not JSON)" in answer.content.decode()
    saved.refresh_from_db()
    assert saved.check_status == IdentityCheck.FAILED and not saved.takes_writes
