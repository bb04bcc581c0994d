"""`sandbox --show-credentials` prints the URLs of the sandbox on SANDBOX_PORT or --port."""

import io
import json

import pytest
from django.core.management import call_command


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("sandbox-credentials")


def show_credentials(data_dir, *args) -> dict:
    out = io.StringIO()
    call_command("sandbox", "--show-credentials", "--data", str(data_dir), *args, stdout=out)
    return json.loads(out.getvalue())


def ports(credentials: dict) -> set[str]:
    """Ports of the sandbox's own URLs (the BC audience is Microsoft's, on purpose)."""
    return {value.split("/")[2].split(":")[1] for value in credentials.values()
            if isinstance(value, str) and value.startswith("https://localhost:")}


def test_the_urls_follow_sandbox_port(settings, data_dir):
    settings.SANDBOX_PORT = 9551
    credentials = show_credentials(data_dir)
    assert ports(credentials) == {"9551"}
    assert credentials["dataverse_url"] == "https://localhost:9551"


def test_port_wins_over_sandbox_port(settings, data_dir):
    settings.SANDBOX_PORT = 9551
    assert ports(show_credentials(data_dir, "--port", "9552")) == {"9552"}
