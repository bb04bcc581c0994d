"""Secrets are encrypted at rest with FIELD_ENCRYPTION_KEYS and fail loudly on a wrong key."""

import io

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.db import connection as db

from connection.audit import record_changes, snapshot
from connection.crypto import SecretDecryptionError, decrypt, encrypt
from connection.models import ConnectionSetup, SettingChange

pytestmark = pytest.mark.django_db
SECRET = "s3cr3t-Value-that-must-not-leak"


def make_connection() -> ConnectionSetup:
    connection = ConnectionSetup(name="Contoso")
    for name in ConnectionSetup.SECRET_FIELDS:
        setattr(connection, name, f"{SECRET}-{name}")
    connection.save()
    return connection


def test_secrets_read_back_as_plaintext_through_the_model():
    connection = ConnectionSetup.objects.get(pk=make_connection().pk)
    assert connection.client_secret == f"{SECRET}-client_secret"
    assert connection.has_secret("user_password")


def test_the_database_row_holds_no_plaintext_secret():
    make_connection()
    with db.cursor() as cursor:
        cursor.execute("SELECT * FROM connection_connectionsetup")
        row = " ".join(str(value) for value in cursor.fetchone())
    assert SECRET not in row


def test_a_database_dump_contains_no_plaintext_secret():
    make_connection()
    out = io.StringIO()
    call_command("dumpdata", "connection", stdout=out)
    assert "client_secret_encrypted" in out.getvalue()
    assert SECRET not in out.getvalue()


def test_an_empty_secret_needs_no_key(settings):
    connection = ConnectionSetup.objects.create(name="Empty")
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    assert connection.client_secret == ""


def test_a_wrong_key_fails_loudly_naming_the_setting(settings):
    connection = make_connection()
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    with pytest.raises(SecretDecryptionError, match="FIELD_ENCRYPTION_KEYS"):
        _ = ConnectionSetup.objects.get(pk=connection.pk).client_secret


def test_an_old_key_behind_a_new_one_still_decrypts(settings):
    token = encrypt("value")
    old_keys = settings.FIELD_ENCRYPTION_KEYS
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode(), *old_keys]
    assert decrypt(token) == "value"


def test_the_audit_trail_shows_secrets_only_as_changed(administrator):
    connection = make_connection()
    before = snapshot(connection)
    connection.client_secret = "another-secret-value"
    connection.server_address = "https://contoso.crm.dynamics.com"
    connection.save()
    record_changes(connection, before, administrator)
    rows = {change.field: change for change in SettingChange.objects.all()}
    assert rows["client_secret"].new_value == "changed"
    assert rows["client_secret"].caption == "Client secret"
    assert rows["server_address"].new_value == "https://contoso.crm.dynamics.com"
    assert rows["server_address"].user == administrator
    assert all("another-secret" not in (r.old_value + r.new_value) for r in rows.values())
