"""The pool's extra app registrations: each signs in, is its own application user in Dataverse
and has its own service protection windows."""

from __future__ import annotations

from typing import Any

import requests

from tests.sandbox.conftest import ODATA_HEADERS


def _token(sandbox: Any, app: dict[str, str], secret: str | None = None) -> requests.Response:
    creds = sandbox.credentials
    form = {"client_id": app["client_id"], "client_secret": secret or app["client_secret"],
            "grant_type": "client_credentials", "scope": creds["dataverse_scope"]}
    return sandbox.session().post(creds["token_endpoint"], data=form, timeout=30)


def _whoami(sandbox: Any, token: str) -> requests.Response:
    url = sandbox.credentials["dataverse_api_url"] + "WhoAmI"
    headers = {**ODATA_HEADERS, "Authorization": f"Bearer {token}"}
    return sandbox.session().get(url, headers=headers, timeout=30)


def test_show_credentials_lists_three_pool_identities_with_their_own_secrets(sandbox_clean):
    apps = sandbox_clean.credentials["pool_identities"]
    assert len(apps) == 3
    ids = {app["client_id"] for app in apps}
    assert len(ids) == 3 and sandbox_clean.credentials["client_id"] not in ids
    assert [app["name"] for app in apps] == ["bcsales pool 1", "bcsales pool 2",
                                             "bcsales pool 3"]


def test_each_pool_app_gets_a_token_and_whoami_answers_its_own_application_user(sandbox_clean):
    users = set()
    for app in sandbox_clean.credentials["pool_identities"]:
        answer = _token(sandbox_clean, app)
        assert answer.status_code == 200, answer.text
        who = _whoami(sandbox_clean, answer.json()["access_token"])
        assert who.status_code == 200, who.text
        user_id = who.json()["UserId"]
        row = sandbox_clean.records("dataverse", "systemusers", systemuserid=user_id)
        assert row["records"][0]["applicationid"] == app["client_id"]
        users.add(user_id)
    assert len(users) == 3


def test_a_wrong_pool_secret_is_refused_naming_the_app(sandbox_clean):
    app = sandbox_clean.credentials["pool_identities"][1]
    answer = _token(sandbox_clean, app, secret="wrong")
    assert answer.status_code == 401
    assert app["client_id"] in answer.json()["error_description"]


def test_each_pool_identity_has_its_own_request_window(sandbox_clean):
    sandbox_clean.settings(dataverse={"limits_enabled": True, "requests_per_window": 2,
                                      "window_seconds": 300})
    first, second = sandbox_clean.credentials["pool_identities"][:2]
    one = _token(sandbox_clean, first).json()["access_token"]
    two = _token(sandbox_clean, second).json()["access_token"]
    assert [_whoami(sandbox_clean, one).status_code for _ in range(3)] == [200, 200, 429]
    assert _whoami(sandbox_clean, two).status_code == 200


def test_the_counters_count_writes_per_caller(sandbox_clean):
    app = sandbox_clean.credentials["pool_identities"][2]
    token = _token(sandbox_clean, app).json()["access_token"]
    url = sandbox_clean.credentials["dataverse_api_url"] + "accounts"
    headers = {**ODATA_HEADERS, "Authorization": f"Bearer {token}"}
    created = sandbox_clean.session().post(url, json={"name": "Pool write"}, headers=headers,
                                           timeout=30)
    assert created.status_code == 204, created.text
    writes = sandbox_clean.counters()["dataverse"]["writes_by_caller"]
    assert writes == {app["client_id"]: 1}
