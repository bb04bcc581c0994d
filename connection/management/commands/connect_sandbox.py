"""``python manage.py connect_sandbox [--name NAME] [--wait]``: an enabled demo connection.

Reads the running sandbox's credentials over HTTPS, applies them like ``setup_connection``,
enables the connection (Test Connection must pass) and installs the default synchronization
setup when the connection has none. Running it again changes nothing that is already right.
"""

from django.core.management.base import BaseCommand, CommandError

from connection import lifecycle, registry, sandbox_link
from connection.documents import DocumentError, apply_document, sandbox_document

WAIT_SECONDS = 60


class Command(BaseCommand):
    help = "Set up an enabled connection to the running sandbox with the default setup."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--name", default="CRONUS sandbox")
        parser.add_argument("--wait", action="store_true",
                            help=f"wait up to {WAIT_SECONDS} s for the sandbox to answer")

    def handle(self, *args, name: str, wait: bool, **options) -> None:
        try:
            creds = sandbox_link.wait(WAIT_SECONDS if wait else 0)
            connection, _ = apply_document(sandbox_document(creds, name))
        except sandbox_link.SandboxUnavailable as error:
            raise CommandError(str(error)) from error
        except DocumentError as error:
            raise CommandError(str(error)) from error
        if not connection.is_enabled:
            report = lifecycle.enable(connection)
            if not report.passed:
                failed = "; ".join(f"{c.title}: {c.detail}" for c in report.failures())
                raise CommandError(f"Test Connection failed: {failed}")
        self._default_setup(connection)
        connection.wizard_completed = True
        connection.wizard_step = 7
        connection.save(update_fields=["wizard_completed", "wizard_step", "updated_at"])
        self.stdout.write(f"Connection {connection.name} to the sandbox at "
                          f"{connection.server_address} is enabled.")

    def _default_setup(self, connection) -> None:
        if registry.has_synchronization_setup(connection):
            return
        try:
            count = registry.mappings().apply_default_setup(connection)
        except registry.FeatureUnavailable as error:
            self.stderr.write(f"No default synchronization setup: {error}")
            return
        self.stdout.write(f"Installed the default synchronization setup ({count} mappings).")
