"""`bcsales run` (what `make run` calls) brings everything up and Ctrl-C takes it all down."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest
import requests

from bcsales.embedded_redis import free_port

ROOT = Path(__file__).resolve().parent.parent


def descendants(pid: int) -> list[psutil.Process]:
    return psutil.Process(pid).children(recursive=True)


def wait_for_health(port: int, timeout: float = 90) -> requests.Response:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            response = requests.get(f"http://127.0.0.1:{port}/healthz", timeout=2)
            if response.status_code == 200:
                return response
        except requests.ConnectionError:
            pass
        time.sleep(0.5)
    pytest.fail("the portal did not become healthy")


@pytest.fixture
def running_portal(tmp_path):
    port, sandbox_port = free_port(), free_port()
    env = {**os.environ, "DATA_DIR": str(tmp_path), "DEMO_ADMIN_PASSWORD": "demo-pass"}
    env.pop("REDIS_URL", None)
    env.pop("DATABASE_URL", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "bcsales.cli", "run", "--port", str(port),
         "--sandbox-port", str(sandbox_port)],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    yield process, port, tmp_path
    if process.poll() is None:
        process.kill()


def test_run_starts_a_healthy_portal_and_ctrl_c_stops_everything(running_portal):
    process, port, data_dir = running_portal
    health = wait_for_health(port).json()
    assert health["checks"] == {"database": "up", "redis": "up", "worker": "up"}
    started = descendants(process.pid)
    # The embedded server daemonizes, so it is no descendant: find it by its pid file.
    valkey = [psutil.Process(int((data_dir / "redis" / "valkey.pid").read_text()))]

    process.send_signal(signal.SIGINT)
    output, _ = process.communicate(timeout=60)

    assert process.returncode == 0
    assert "with password 'demo-pass'" in output
    assert f"http://127.0.0.1:{port}/" in output
    _gone, alive = psutil.wait_procs(started + valkey, timeout=10)
    assert not alive, f"left running: {[p.pid for p in alive]}"
    assert not (data_dir / "redis.url").exists()


def test_the_demo_administrator_can_sign_in(running_portal):
    _process, port, _data_dir = running_portal
    wait_for_health(port)
    session = requests.Session()
    login = session.get(f"http://127.0.0.1:{port}/login/")
    token = session.cookies["csrftoken"]
    response = session.post(
        f"http://127.0.0.1:{port}/login/",
        data={"username": "admin", "password": "demo-pass", "csrfmiddlewaretoken": token},
        headers={"Referer": login.url},
    )
    assert response.url == f"http://127.0.0.1:{port}/"
    assert "Sign out" in response.text
