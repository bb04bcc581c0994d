from django.apps import AppConfig


class SynchronizationConfig(AppConfig):
    name = "synchronization"

    def ready(self) -> None:
        # Job handlers register themselves when their modules load; workers need them all.
        from synchronization import fullsync, reconcile, reconcile_repair, runs, scheduler  # noqa: F401
        from synchronization.leadtocash import jobs, notes, statistics, status  # noqa: F401
