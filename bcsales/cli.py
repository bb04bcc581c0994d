"""`bcsales run`: the whole demo in one process tree.

Starts, in order: an embedded Redis (unless REDIS_URL is set), migrations, the demo administrator,
the sandbox, one RQ worker with its scheduler, and the web server on 127.0.0.1. A worker that dies
is replaced (its jobs are resumed by the next tick); Ctrl-C, or the web server or sandbox dying,
stops every process it started, the embedded Redis last.
"""

import argparse
import os
import signal
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path

from bcsales.embedded_redis import EmbeddedRedis

ROOT = Path(__file__).resolve().parent.parent


def manage(*args: str) -> list[str]:
    return [sys.executable, str(ROOT / "manage.py"), *args]


class Runner:
    """Owns the child processes and stops them together."""

    # Children replaced when they die, at most this often in a row within RESTART_WINDOW seconds.
    RESTARTABLE = {"worker"}
    MAX_RESTARTS, RESTART_WINDOW = 5, 60.0

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.children: list[tuple[str, subprocess.Popen]] = []
        self.commands: dict[str, list[str]] = {}
        self.restarts: list[float] = []
        self.redis: EmbeddedRedis | None = None

    def start_redis(self) -> None:
        if os.environ.get("REDIS_URL"):
            print(f"Using Redis at {os.environ['REDIS_URL']}")
            return
        self.redis = EmbeddedRedis(self.data_dir / "redis").start()
        os.environ["REDIS_URL"] = self.redis.url
        # Commands run by hand in another shell (sync, fullsync, ...) find the server here.
        (self.data_dir / "redis.url").write_text(self.redis.url)
        print(f"Embedded Redis listening on its socket only: {self.redis.url}")

    def call(self, *args: str) -> None:
        subprocess.run(manage(*args), check=True, env=os.environ)

    def spawn(self, name: str, command: list[str]) -> None:
        # Own process group: a terminal Ctrl-C reaches only us, and we stop children in order.
        process = subprocess.Popen(command, env=os.environ, start_new_session=True)
        self.children.append((name, process))
        self.commands[name] = command

    def wait(self) -> int:
        while True:
            for index, (name, process) in enumerate(self.children):
                if process.poll() is None:
                    continue
                if not self._may_restart(name):
                    print(f"{name} exited with status {process.returncode}; stopping.")
                    return process.returncode or 1
                print(f"{name} exited with status {process.returncode}; starting a new one.",
                      flush=True)
                del self.children[index]
                self.spawn(name, self.commands[name])
                break
            time.sleep(0.5)

    def _may_restart(self, name: str) -> bool:
        if name not in self.RESTARTABLE:
            return False
        now = time.monotonic()
        self.restarts = [t for t in self.restarts if now - t < self.RESTART_WINDOW] + [now]
        return len(self.restarts) <= self.MAX_RESTARTS

    def stop(self) -> None:
        for _name, process in reversed(self.children):
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for _name, process in self.children:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
        self.children.clear()
        if self.redis:
            self.redis.stop()
            (self.data_dir / "redis.url").unlink(missing_ok=True)


def interrupt(*_: object) -> None:
    """Ctrl-C or SIGTERM: unwind from wherever we are; `run` stops the children."""
    raise KeyboardInterrupt


def sandbox_available() -> bool:
    return (ROOT / "sandbox" / "management" / "commands" / "sandbox.py").exists()


def connect_sandbox_available() -> bool:
    return (ROOT / "connection" / "management" / "commands" / "connect_sandbox.py").exists()


def demo_wanted(environ: Mapping[str, str] = os.environ) -> bool:
    """Whether `run` creates the demo connection to the sandbox: yes unless DEMO is 0 (or off,
    no, false), which leaves an empty portal to try the assisted setup on."""
    value = environ.get("DEMO", "1").strip().lower()
    if value in ("0", "off", "no", "false"):
        return False
    if value in ("", "1", "on", "yes", "true"):
        return True
    raise ValueError(f"DEMO must be 1 or 0, not {environ['DEMO']!r}")


def should_connect_sandbox(environ: Mapping[str, str] = os.environ) -> bool:
    return demo_wanted(environ) and sandbox_available() and connect_sandbox_available()


def run(port: int, sandbox_port: int) -> int:
    data_dir = Path(os.environ.setdefault("DATA_DIR", str(ROOT / ".data"))).resolve()
    data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    data_dir.chmod(0o700)  # secrets, the database and the Redis socket: the owner's only
    runner = Runner(data_dir)
    signal.signal(signal.SIGINT, interrupt)
    signal.signal(signal.SIGTERM, interrupt)
    try:
        runner.start_redis()
        runner.call("migrate", "--no-input", "-v", "0")
        runner.call("demo_admin")
        if sandbox_available():
            runner.spawn("sandbox", manage("sandbox", "--port", str(sandbox_port)))
        runner.spawn("worker", manage("rqworker", "--serializer",
                                      "rq.serializers.JSONSerializer", "default"))
        runner.spawn("web", manage("runserver", "--noreload", f"127.0.0.1:{port}"))
        if should_connect_sandbox():
            runner.call("connect_sandbox", "--wait")
        elif not demo_wanted():
            print("DEMO=0: no demo connection; open Assisted setup to create one.")
        print(f"\nbcsales is running at http://127.0.0.1:{port}/  (Ctrl-C stops everything)\n")
        return runner.wait()
    except KeyboardInterrupt:
        print("\nStopping...")
        return 0
    finally:
        runner.stop()
        print("Stopped.")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bcsales")
    commands = parser.add_subparsers(dest="command", required=True)
    run_parser = commands.add_parser("run", help="start the portal, worker, sandbox and Redis")
    run_parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", 8000)))
    run_parser.add_argument(
        "--sandbox-port", type=int, default=int(os.environ.get("SANDBOX_PORT", 8443))
    )
    args = parser.parse_args(argv)
    try:
        demo_wanted()
    except ValueError as error:
        parser.error(str(error))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bcsales.settings")
    os.environ["SANDBOX_PORT"] = str(args.sandbox_port)
    return run(args.port, args.sandbox_port)


if __name__ == "__main__":
    sys.exit(main())
