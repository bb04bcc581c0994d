from django.apps import AppConfig


class SynchronizationConfig(AppConfig):
    name = "synchronization"

    def ready(self) -> None:
        # Job handlers register themselves when their modules load; workers need them all.
        from synchronization import (  # noqa: F401
            fullsync,
            initial_sync,
            reconcile,
            reconcile_repair,
            runs,
            scheduler,
        )
        from synchronization.leadtocash import jobs, notes, statistics, status  # noqa: F401
