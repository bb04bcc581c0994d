from django.apps import AppConfig


class MappingsConfig(AppConfig):
    name = "mappings"

    def ready(self) -> None:
        from connection import registry
        from mappings.setup_features import FEATURES

        # The connection's card and wizard reach this app only through the registry.
        registry.provide_mappings(FEATURES)
