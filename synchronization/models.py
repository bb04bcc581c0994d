"""What moved and what happened: the job rows the pages read."""

from django.db import models
from django.utils import timezone


class JobStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    RUNNING = "running", "In Process"
    FINISHED = "finished", "Success"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"


ACTIVE_STATUSES = (JobStatus.PENDING, JobStatus.RUNNING)
TERMINAL_STATUSES = (JobStatus.FINISHED, JobStatus.FAILED, JobStatus.CANCELLED)


class SyncJob(models.Model):
    """One unit of background work. The row is the truth; RQ only carries its id."""

    kind = models.CharField(max_length=40)
    status = models.CharField(
        max_length=20, choices=JobStatus.choices, default=JobStatus.PENDING, db_index=True
    )
    parameters = models.JSONField(default=dict, blank=True)
    result = models.JSONField(default=dict, blank=True)
    message = models.TextField(blank=True)
    worker_name = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk} ({self.get_status_display()})"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    def claim(self, worker_name: str) -> bool:
        """Move pending -> running for exactly one worker; False if someone else has it."""
        now = timezone.now()
        claimed = SyncJob.objects.filter(pk=self.pk, status=JobStatus.PENDING).update(
            status=JobStatus.RUNNING, worker_name=worker_name, started_at=now, heartbeat_at=now
        )
        if claimed:
            self.refresh_from_db()
        return claimed == 1

    def finish(self, result: dict | None = None, message: str = "") -> None:
        """Record success, only if the job is still running (a cancel wins)."""
        self._end(JobStatus.FINISHED, result or {}, message)

    def fail(self, message: str) -> None:
        self._end(JobStatus.FAILED, self.result, message)

    def _end(self, status: str, result: dict, message: str) -> None:
        now = timezone.now()
        SyncJob.objects.filter(pk=self.pk, status=JobStatus.RUNNING).update(
            status=status, result=result, message=message, finished_at=now, heartbeat_at=now
        )
        self.refresh_from_db()
