from django.apps import AppConfig


class SynchronizationConfig(AppConfig):
    name = "synchronization"
