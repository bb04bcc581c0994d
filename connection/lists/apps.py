from django.apps import AppConfig


class ListsConfig(AppConfig):
    """List pages' shared machinery: tables, column choice per user, CSV export."""

    name = "connection.lists"
    label = "lists"  # the app label its table and migrations were made with
    default_auto_field = "django.db.models.BigAutoField"
