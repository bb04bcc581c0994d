from django.apps import AppConfig


class SynchronizationConfig(AppConfig):
    name = "synchronization"

    def ready(self) -> None:
        from connection import registry
        from mappings import actions
        from synchronization import handlers, jobs, queue_setup
        from synchronization.setup_features import FEATURES

        jobs.install(handlers.HANDLERS, handlers.LISTENERS)
        # The connection's card and wizard, and the mapping pages' buttons, reach this app
        # only through what it hands them here.
        registry.provide_synchronization(FEATURES)
        registry.provide_schedules(queue_setup.FEATURES)
        actions.provide(sync="synchronization:sync_mapping",
                        match="synchronization:match_coupling",
                        jobs="synchronization:jobs", errors="synchronization:errors")
