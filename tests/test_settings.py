"""Settings come from the environment; malformed values stop the start with a clear message."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def check(tmp_path: Path, **env: str) -> subprocess.CompletedProcess:
    environment = {**os.environ, "DATA_DIR": str(tmp_path), **env}
    return subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=environment,
        capture_output=True, text=True,
    )


def test_a_fresh_data_folder_gets_its_own_secret_key_and_encryption_key(tmp_path):
    assert check(tmp_path).returncode == 0
    assert len((tmp_path / "secret_key").read_text()) >= 50
    assert len((tmp_path / "field_encryption_keys").read_text().strip()) == 44


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("DATABASE_URL", "nonsense://x", "DATABASE_URL is malformed"),
        ("REDIS_URL", "http://localhost", "REDIS_URL is malformed"),
        ("FIELD_ENCRYPTION_KEYS", "not-a-key", "FIELD_ENCRYPTION_KEYS is malformed"),
        ("SANDBOX_PORT", "eighty", "SANDBOX_PORT is malformed"),
        ("DEBUG", "perhaps", "DEBUG is malformed"),
    ],
)
def test_a_malformed_value_fails_at_start_naming_the_variable(tmp_path, name, value, message):
    result = check(tmp_path, **{name: value})
    assert result.returncode != 0
    assert message in result.stderr


def test_database_url_switches_to_postgresql(tmp_path):
    result = subprocess.run(
        [sys.executable, "-c", "from django.conf import settings; "
         "print(settings.DATABASES['default']['ENGINE'])"],
        cwd=ROOT, capture_output=True, text=True,
        env={**os.environ, "DATA_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "bcsales.settings",
             "DATABASE_URL": "postgres://user@db.example:5432/bcsales"},
    )
    assert result.stdout.strip() == "django.db.backends.postgresql"
