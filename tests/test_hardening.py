"""What a stranger on the same machine can reach: nothing in the data folder, no Redis port."""

import os
import stat
import subprocess
import sys
from pathlib import Path

import redis

from bcsales.embedded_redis import EmbeddedRedis

ROOT = Path(__file__).resolve().parent.parent


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_fresh_data_folder_is_its_owners_only_and_so_is_the_database(tmp_path):
    data = tmp_path / "data"
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    subprocess.run([sys.executable, "manage.py", "check"], cwd=ROOT, check=True,
                   env={**env, "DATA_DIR": str(data)}, capture_output=True)
    assert mode(data) == 0o700
    assert mode(data / "db.sqlite3") == 0o600
    assert mode(data / "secret_key") == 0o600


def test_an_existing_world_readable_data_folder_and_database_are_closed(tmp_path):
    data = tmp_path / "data"
    data.mkdir(mode=0o755)
    (data / "db.sqlite3").touch(mode=0o644)
    data.chmod(0o755)
    (data / "db.sqlite3").chmod(0o644)
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    subprocess.run([sys.executable, "manage.py", "check"], cwd=ROOT, check=True,
                   env={**env, "DATA_DIR": str(data)}, capture_output=True)
    assert mode(data) == 0o700
    assert mode(data / "db.sqlite3") == 0o600


def test_the_embedded_redis_listens_on_a_private_socket_and_no_tcp_port(tmp_path):
    server = EmbeddedRedis(tmp_path / "redis").start()
    try:
        assert server.url.startswith("unix://")
        assert mode(tmp_path / "redis") == 0o700
        assert stat.S_IMODE(os.stat(server.socket).st_mode) & 0o077 == 0
        client = redis.Redis.from_url(server.url)
        assert client.ping()
        assert client.config_get("port")["port"] == "0"  # no TCP listener at all
        assert client.config_get("save")["save"] == ""  # nothing kept on disk
    finally:
        server.stop()
