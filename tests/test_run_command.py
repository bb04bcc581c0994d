"""`bcsales run` (what `make run` calls) brings everything up and Ctrl-C takes it all down."""

import contextlib
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


# One portal per test worker that runs these tests (it takes seconds to start). The group asks
# xdist to run them all on one worker, where the last one stops it with Ctrl-C; pytest 9 does
# not see the group (xdist marks it in a node id pytest no longer reads), so each worker that
# ran one stops its own portal at the end, as a person would.
pytestmark = pytest.mark.xdist_group("bcsales-run")


@pytest.fixture(scope="module")
def running_portal(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("run")
    port, sandbox_port = free_port(), free_port()
    env = {**os.environ, "DATA_DIR": str(data_dir), "DEMO_ADMIN_PASSWORD": "demo-pass"}
    env.pop("REDIS_URL", None)
    env.pop("DATABASE_URL", None)
    log = data_dir.parent / f"{data_dir.name}.log"
    with log.open("w") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "bcsales.cli", "run", "--port", str(port),
             "--sandbox-port", str(sandbox_port)],
            cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT, text=True,
        )
    process.log = log
    yield process, port, data_dir
    stop_portal(process, data_dir)


def stop_portal(process: subprocess.Popen, data_dir: Path) -> None:
    """Ctrl-C, then kill -9 only if it does not stop, and its Redis with it: the server is a
    daemon, no descendant of the portal, and a killed portal leaves it running."""
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            for child in descendants(process.pid):
                child.kill()
            process.kill()
    pid_file = data_dir / "redis" / "valkey.pid"
    if pid_file.exists():  # a server stopped in order removes it
        with contextlib.suppress(psutil.NoSuchProcess, ValueError):
            server = psutil.Process(int(pid_file.read_text()))
            if "valkey" in server.name():  # not another process given the same pid since
                server.kill()


def worker_of(process: subprocess.Popen) -> psutil.Process:
    (worker,) = [p for p in psutil.Process(process.pid).children()
                 if "rqworker" in " ".join(p.cmdline())]
    return worker


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


def test_a_worker_that_dies_is_replaced_and_the_demo_goes_on(running_portal):
    process, port, _data_dir = running_portal
    wait_for_health(port)
    killed = worker_of(process)
    for member in [killed, *killed.children(recursive=True)]:
        member.kill()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and "starting a new one" not in process.log.read_text():
        time.sleep(0.2)
    assert "worker exited with status -9; starting a new one." in process.log.read_text()
    assert process.poll() is None
    assert worker_of(process).pid != killed.pid
    assert wait_for_health(port).json()["checks"]["worker"] == "up"


def test_run_starts_a_healthy_portal_and_ctrl_c_stops_everything(running_portal):
    process, port, data_dir = running_portal
    health = wait_for_health(port).json()
    assert health["checks"] == {"database": "up", "redis": "up", "worker": "up"}
    started = descendants(process.pid)
    # The embedded server daemonizes, so it is no descendant: find it by its pid file.
    valkey = [psutil.Process(int((data_dir / "redis" / "valkey.pid").read_text()))]

    process.send_signal(signal.SIGINT)
    process.wait(timeout=60)
    output = process.log.read_text()

    assert process.returncode == 0
    assert "with password 'demo-pass'" in output
    assert f"http://127.0.0.1:{port}/" in output
    _gone, alive = psutil.wait_procs(started + valkey, timeout=10)
    assert not alive, f"left running: {[p.pid for p in alive]}"
    assert not (data_dir / "redis.url").exists()
