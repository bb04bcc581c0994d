"""``python manage.py sandbox``: run the emulated Microsoft services over HTTPS.

Options set the port, the data directory, start-up settings (limits, time scale, faults) and
generator sizes; ``--show-credentials`` prints the connection JSON and exits.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from django.conf import settings as django_settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from sandbox.config import SettingsError
from sandbox.demo import SIZE_KEYS


def default_port() -> int:
    """``SANDBOX_PORT`` as the project reads it (the port `make run` starts the sandbox on), so
    ``--show-credentials`` in another shell prints the URLs of the running sandbox."""
    return int(getattr(django_settings, "SANDBOX_PORT", None) or 8443)


def default_data_dir() -> Path:
    """``<DATA_DIR>/sandbox`` when the project defines DATA_DIR, else ``./.data/sandbox``."""
    base = getattr(django_settings, "DATA_DIR", None) or ".data"
    return Path(base) / "sandbox"


class Command(BaseCommand):
    help = "Run the local Dataverse / Business Central / Entra ID emulator over HTTPS."
    # The sandbox is independent of the portal: don't let its URLconf or models stop it.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--port", type=int, default=None, help="HTTPS port (default: SANDBOX_PORT, else 8443)"
        )
        parser.add_argument("--data", type=Path, default=None, help="storage directory")
        parser.add_argument(
            "--show-credentials",
            action="store_true",
            help="print connection details as JSON and exit",
        )
        parser.add_argument(
            "--settings-json",
            default=None,
            help="start-up settings as JSON (same shape as /_sandbox/settings)",
        )
        parser.add_argument("--time-scale", type=float, default=None)
        parser.add_argument("--token-lifetime", type=int, default=None)
        parser.add_argument("--limits", action="store_true", help="enable both services' limits")
        parser.add_argument(
            "--fault-rate", type=float, default=None, help="fault rate for both services (0..1)"
        )
        parser.add_argument("--latency-ms", type=float, default=None)
        parser.add_argument("--server-time-ms", type=float, default=None)
        parser.add_argument("--admin-mode", action="store_true")
        parser.add_argument("--reseed", action="store_true", help="reseed demo data at start")
        for key in SIZE_KEYS:
            parser.add_argument(
                f"--{key}", type=int, default=None, help=f"generate this many extra {key} (reseeds)"
            )

    def handle(self, *args: Any, **options: Any) -> None:
        from sandbox.server import Sandbox, dumps, run

        data_dir = (options["data"] or default_data_dir()).resolve()
        sizes = {k: options[k] for k in SIZE_KEYS if options[k] is not None}
        if options["reseed"] and not sizes:
            sizes = {"customers": 0}
        try:
            port = options["port"] or default_port()
            sandbox = Sandbox(data_dir, port, _settings(options), sizes)
        except SettingsError as error:
            raise CommandError(str(error)) from error
        if options["show_credentials"]:
            self.stdout.write(dumps(sandbox.credentials()))
            return
        logging.basicConfig(level=logging.INFO, format="%(asctime)s sandbox %(message)s")
        self.stdout.write(f"Sandbox listening on {sandbox.base_url} (data in {data_dir})")
        self.stdout.write(f"CA bundle: {sandbox.tls.ca_bundle}")
        self.stdout.flush()
        try:
            run(sandbox)
        except KeyboardInterrupt:
            self.stdout.write("Sandbox stopped")


def _settings(options: dict[str, Any]) -> dict[str, Any]:
    patch: dict[str, Any] = json.loads(options["settings_json"]) if options["settings_json"] else {}
    services: dict[str, dict[str, Any]] = {"dataverse": {}, "business_central": {}}
    for option, key in (
        ("fault_rate", "fault_rate"),
        ("latency_ms", "latency_ms"),
        ("server_time_ms", "server_time_ms"),
    ):
        if options[option] is not None:
            for service in services.values():
                service[key] = options[option]
    if options["limits"]:
        for service in services.values():
            service["limits_enabled"] = True
    for name, service in services.items():
        if service:
            patch.setdefault(name, {}).update(service)
    if options["time_scale"] is not None:
        patch["time_scale"] = options["time_scale"]
    if options["token_lifetime"] is not None:
        patch["token_lifetime_seconds"] = options["token_lifetime"]
    if options["admin_mode"]:
        patch["admin_mode"] = True
    return patch
