"""Clients for the sandbox conformance tests: app-token sessions for each service."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
import requests


@dataclass
class Api:
    """A base URL plus default headers on a session that trusts the sandbox CA."""

    session: requests.Session
    base: str
    headers: dict[str, str]

    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        headers = {**self.headers, **kwargs.pop("headers", {})}
        url = path if path.startswith("https://") else f"{self.base}{path}"
        return self.session.request(method, url, headers=headers, timeout=30, **kwargs)

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("POST", path, **kwargs)

    def patch(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("PATCH", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("DELETE", path, **kwargs)


ODATA_HEADERS = {"Accept": "application/json", "OData-MaxVersion": "4.0", "OData-Version": "4.0"}


@pytest.fixture
def dataverse(sandbox_clean: Any) -> Api:
    """Dataverse Web API as the application user."""
    token = sandbox_clean.token("dataverse")
    return Api(
        sandbox_clean.session(),
        sandbox_clean.credentials["dataverse_api_url"],
        {**ODATA_HEADERS, "Authorization": f"Bearer {token}"},
    )


@pytest.fixture
def business_central(sandbox_clean: Any) -> Api:
    """Business Central API v2.0 under the demo company."""
    creds = sandbox_clean.credentials
    token = sandbox_clean.token("business_central")
    base = f"{creds['business_central_url']}/companies({creds['company_id']})/"
    return Api(
        sandbox_clean.session(),
        base,
        {"Accept": "application/json", "Authorization": f"Bearer {token}"},
    )
