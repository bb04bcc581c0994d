"""Create (or reset) the demo administrator account that `make run` prints."""

import os

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand

from connection.access import ADMINISTRATORS


class Command(BaseCommand):
    help = "Create the administrator 'admin' with DEMO_ADMIN_PASSWORD (default 'admin')."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--username", default="admin")

    def handle(self, *args, username: str, **options) -> None:
        password = os.environ.get("DEMO_ADMIN_PASSWORD") or "admin"
        user, created = get_user_model().objects.get_or_create(
            username=username, defaults={"email": f"{username}@example.com"}
        )
        user.is_staff = user.is_superuser = True
        user.set_password(password)
        user.save()
        user.groups.add(Group.objects.get(name=ADMINISTRATORS))
        verb = "Created" if created else "Reset"
        self.stdout.write(f"{verb} administrator '{username}' with password '{password}'.")
