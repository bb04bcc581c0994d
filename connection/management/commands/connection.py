"""``python manage.py connection export [--name NAME]``: a connection's settings as JSON."""

import json

from django.core.management.base import BaseCommand, CommandError

from connection.documents import export_document
from connection.models import ConnectionSetup


class Command(BaseCommand):
    help = "Connection settings as code: 'export' writes a connection's document without secrets."

    def add_arguments(self, parser) -> None:
        commands = parser.add_subparsers(dest="action", required=True)
        export = commands.add_parser("export", help="print the settings document (no secrets)")
        export.add_argument("--name", help="connection name (default: the only/first one)")

    def handle(self, *args, action: str, name: str | None = None, **options) -> None:
        connections = ConnectionSetup.objects.all()
        connection = connections.filter(name=name).first() if name else connections.first()
        if connection is None:
            raise CommandError(f"No connection named {name}." if name else "No connection yet.")
        self.stdout.write(json.dumps(export_document(connection), indent=2, sort_keys=True))
