from django.apps import AppConfig


class ConnectionConfig(AppConfig):
    name = "connection"

    def ready(self) -> None:
        from django.urls import register_converter

        from connection.inputs import IdConverter

        # ``<id:pk>`` in every app's URLs: one registration, before any URLconf is loaded.
        register_converter(IdConverter, "id")
