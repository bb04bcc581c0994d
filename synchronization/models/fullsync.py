"""Full synchronization runs and their review lines: the CRM Full Synch. Review page's rows."""

from datetime import timedelta

from django.db import models
from django.utils import timezone

from connection.models import ConnectionSetup


class RunStatus(models.TextChoices):
    """A full synchronization run as a whole; only an In Process run holds the lock."""

    RUNNING = "running", "In Process"
    FINISHED = "finished", "Finished"
    # Ended, but a line ended with Error or was cancelled, or could not start because of one.
    FAILED = "failed", "Finished with errors"
    CANCELLED = "cancelled", "Cancelled"


# The lock of a full synchronization expires after this long, whatever its jobs are doing.
FULL_SYNC_LOCK = timedelta(hours=24)


class FullSyncRun(models.Model):
    """One full synchronization (or dry run) of a connection: the CRM Full Synch. Review page.

    Only one run per connection is In Process at a time (the database enforces it); the run
    holds that lock until it ends, its lock expires (24 h) or its workers are gone.
    """

    connection = models.ForeignKey(ConnectionSetup, on_delete=models.CASCADE,
                                   related_name="full_sync_runs")
    dry_run = models.BooleanField("Dry run", default=False)
    status = models.CharField(max_length=20, choices=RunStatus.choices,
                              default=RunStatus.RUNNING, db_index=True)
    started_by = models.CharField(max_length=150, blank=True)
    created_at = models.DateTimeField("Start Date/Time", default=timezone.now, db_index=True)
    finished_at = models.DateTimeField("Finish Date/Time", null=True, blank=True)
    lock_expires_at = models.DateTimeField(null=True, blank=True)
    # The answer to "keep Synch. Only Coupled Records lifted?": None until asked (restored).
    keep_lifted = models.BooleanField(null=True, blank=True)
    message = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["connection"], condition=models.Q(status="running"),
                                    name="one_running_full_sync_per_connection"),
        ]

    def __str__(self) -> str:
        kind = "Dry run" if self.dry_run else "Full synchronization"
        return f"{kind} #{self.pk} ({self.get_status_display()})"

    @property
    def is_running(self) -> bool:
        return self.status == RunStatus.RUNNING


class LineStatus(models.TextChoices):
    """Job Queue Entry Status of a review line (BC: ' ,Ready,In Process,Error,On Hold,Finished)."""

    BLANK = "", " "
    READY = "ready", "Ready"
    IN_PROCESS = "in_process", "In Process"
    ERROR = "error", "Error"
    CANCELLED = "cancelled", "Cancelled"
    FINISHED = "finished", "Finished"


LINE_ACTIVE = (LineStatus.READY, LineStatus.IN_PROCESS)
LINE_ENDED = (LineStatus.ERROR, LineStatus.CANCELLED, LineStatus.FINISHED)


class FullSyncLine(models.Model):
    """CRM Full Synch. Review Line (5373): one mapping of a run, its jobs and its place in line.

    The jobs (one per direction) carry ``full_sync_line`` in their parameters; ``job_ids`` keeps
    the ones this line started (a job resumed after a worker crash replaces its original).
    """

    run = models.ForeignKey(FullSyncRun, on_delete=models.CASCADE, related_name="lines")
    mapping = models.ForeignKey("mappings.IntegrationTableMapping", null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="full_sync_lines")
    name = models.CharField("Name", max_length=20)
    position = models.PositiveIntegerField(default=0)
    wave = models.PositiveIntegerField(default=1)
    dependency_filter = models.CharField("Dependency Filter", max_length=250, blank=True)
    direction = models.CharField("Direction", max_length=20, blank=True)
    status = models.CharField("Job Queue Entry Status", max_length=20, blank=True,
                              choices=LineStatus.choices, default=LineStatus.BLANK)
    message = models.TextField(blank=True)
    job_ids = models.JSONField(default=list, blank=True)
    bc_count = models.PositiveIntegerField(null=True, blank=True)
    sales_count = models.PositiveIntegerField(null=True, blank=True)
    recommendation = models.CharField("Initial Synch Recommendation", max_length=40, blank=True)
    # Synch. Only Coupled Records as it was before this line lifted it, and whether it still is.
    only_coupled_before = models.BooleanField(null=True, blank=True)
    lifted = models.BooleanField(default=False)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["run", "position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["run", "name"], name="full_sync_line_name_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_status_display().strip() or 'not started'})"

    def depends_on(self) -> list[str]:
        return [n.strip() for n in self.dependency_filter.split("|") if n.strip()]


