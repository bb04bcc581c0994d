"""Django app config: the sandbox only contributes its management command."""

from django.apps import AppConfig


class SandboxConfig(AppConfig):
    """Registers the ``sandbox`` management command."""

    name = "sandbox"
    verbose_name = "Microsoft services sandbox"
