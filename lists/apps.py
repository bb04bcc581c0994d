from django.apps import AppConfig


class ListsConfig(AppConfig):
    """List pages' shared machinery: tables, column choice per user, CSV export."""

    name = "lists"
    default_auto_field = "django.db.models.BigAutoField"
