from django.apps import AppConfig


class ConnectionConfig(AppConfig):
    name = "connection"
