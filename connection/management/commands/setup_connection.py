"""``python manage.py setup_connection FILE [--name NAME] [--test]``: configuration as code."""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from connection import lifecycle
from connection.checks import run_test_connection
from connection.documents import DocumentError, apply_document


class Command(BaseCommand):
    help = ("Create or update a connection from a JSON document with the settings of the "
            "connection setup page (secrets inline or from environment variables named by "
            "'<secret>_env'). --test runs Test Connection and fails when it does not pass.")

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--name", help="connection name (default: the document's name)")
        parser.add_argument("--test", action="store_true", help="run Test Connection")

    def handle(self, *args, file: Path, name: str | None, test: bool, **options) -> None:
        try:
            document = json.loads(file.read_text())
            connection, enable = apply_document(document, name)
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error.strerror}") from error
        except json.JSONDecodeError as error:
            raise CommandError(f"{file} is not valid JSON: {error}") from error
        except DocumentError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"Saved the connection {connection.name}.")
        if enable and not connection.is_enabled:
            report = lifecycle.enable(connection)
            self._print(report)
            if not report.passed:
                raise CommandError("The connection could not be enabled: Test Connection failed.")
            self.stdout.write("The connection is enabled.")
        elif test:
            report = run_test_connection(connection)
            self._print(report)
            if not report.passed:
                raise CommandError("Test Connection failed.")

    def _print(self, report) -> None:
        for check in report.checks:
            line = f"[{check.result_label:7}] {check.title}"
            if check.detail:
                line += f": {check.detail}"
            self.stdout.write(line)
            if check.fix and check.status == "failed":
                self.stdout.write(f"          Fix: {check.fix}")
