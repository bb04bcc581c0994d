"""``manage.py mappings export [--connection NAME]`` and ``mappings import FILE [--dry-run]``."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from connection.models import ConnectionSetup
from mappings import exchange


class Command(BaseCommand):
    help = "Export or import a connection's integration table mappings as JSON."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        export = sub.add_parser("export", help="Print the mappings as JSON on stdout.")
        export.add_argument("--connection", help="Connection name (default: the only one).")
        load = sub.add_parser("import", help="Validate a JSON export and apply it.")
        load.add_argument("file", help="Path of the JSON file ('-' reads stdin).")
        load.add_argument("--connection", help="Connection name (default: the only one).")
        load.add_argument("--dry-run", action="store_true", help="Show the changes only.")

    def handle(self, *args, **options) -> None:
        connection = _connection(options.get("connection"))
        if options["action"] == "export":
            self.stdout.write(exchange.dumps(connection))
            return
        plan = exchange.parse(_read(options["file"]))
        if plan.errors:
            raise CommandError("Nothing was imported:\n" + "\n".join(plan.errors))
        for line in exchange.diff(connection, plan):
            self.stdout.write(_describe(line))
        if options["dry_run"]:
            self.stdout.write("Dry run: nothing was changed.")
            return
        count = exchange.apply(connection, plan)
        self.stdout.write(self.style.SUCCESS(f"Imported {count} mappings into {connection}."))


def _connection(name: str | None) -> ConnectionSetup:
    if name:
        found = ConnectionSetup.objects.filter(name=name).first()
        if found is None:
            raise CommandError(f"No connection named {name!r}.")
        return found
    connections = list(ConnectionSetup.objects.all()[:2])
    if len(connections) != 1:
        raise CommandError("Name the connection with --connection NAME "
                           f"({'none exists' if not connections else 'there are several'}).")
    return connections[0]


def _read(path: str) -> str:
    if path == "-":
        import sys

        return sys.stdin.read()
    try:
        return Path(path).read_text()
    except OSError as exc:
        raise CommandError(f"Cannot read {path}: {exc.strerror}") from exc


def _describe(line: dict) -> str:
    text = f"{line['name']}: {line['state']} ({line['fields']})"
    for name, old, new in line["changes"]:
        text += f"\n    {name}: {old!r} -> {new!r}"
    return text
