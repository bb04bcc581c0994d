"""Production settings from the README are clean for `check --deploy`; sign-ins are limited."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client

from tests.fixtures.users import PASSWORD

ROOT = Path(__file__).resolve().parent.parent
# The variables the README's production notes set (besides SECRET_KEY and DATABASE_URL).
PRODUCTION = {
    "DEBUG": "false", "ALLOWED_HOSTS": "bcsales.example.com",
    "CSRF_TRUSTED_ORIGINS": "https://bcsales.example.com", "BEHIND_TLS_PROXY": "true",
    "SECURE_SSL_REDIRECT": "true", "SECURE_COOKIES": "true", "SECURE_HSTS_SECONDS": "31536000",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS": "true", "SECURE_HSTS_PRELOAD": "true",
    "SESSION_COOKIE_AGE": "28800",
}


def test_check_deploy_reports_nothing_with_the_production_settings(tmp_path):
    # The test environment's own switches (a test database, async-unsafe ORM calls for the
    # browser tests) are not production's.
    env = {k: v for k, v in os.environ.items()
           if k not in ("DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE")}
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, env={**env, "DATA_DIR": str(tmp_path), **PRODUCTION},
        capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.django_db
def test_every_page_carries_a_content_security_policy_without_inline_script(client):
    response = client.get("/login/")
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy.split("style-src")[0]
    assert "frame-ancestors 'none'" in policy
    assert response["X-Frame-Options"] == "DENY"


def test_no_template_has_an_inline_script_or_event_handler():
    import re

    for template in (ROOT / "templates").rglob("*.html"):
        text = template.read_text()
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text), template
        assert not re.search(r"\son[a-z]+\s*=", text), template


@pytest.mark.django_db
def test_sign_in_is_locked_after_five_failures_for_that_user_and_address(administrator):
    client = Client(REMOTE_ADDR="203.0.113.7")
    for _ in range(5):
        client.post("/login/", {"username": administrator.username, "password": "wrong"})
    locked = client.post("/login/", {"username": administrator.username, "password": PASSWORD})
    assert locked.status_code == 429
    assert "Too many failed sign-in attempts" in locked.content.decode()
    elsewhere = Client(REMOTE_ADDR="198.51.100.9")
    signed_in = elsewhere.post("/login/", {"username": administrator.username,
                                           "password": PASSWORD})
    assert signed_in.status_code == 302


@pytest.mark.django_db
def test_lockouts_are_listed_for_administrators_in_the_admin(administrator):
    from axes.models import AccessAttempt
    from django.contrib import admin

    assert admin.site.is_registered(AccessAttempt)
