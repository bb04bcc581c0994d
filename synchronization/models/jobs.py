"""What moved and what happened: the job rows the pages read, and per-record errors.

Business Central's Integration Synch. Job (5338) and Integration Synch. Job Errors (5339),
re-created: one SyncJob per run and direction, counters written as the job goes, so pages show
progress by reading rows, never Redis.
"""

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import F
from django.utils import timezone

from connection.clients.errors import describe_request
from connection.models import ConnectionSetup
from synchronization.models.queue import EntryKind, JobQueueEntry


class JobStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    RUNNING = "running", "In Process"
    FINISHED = "finished", "Success"
    FAILED = "failed", "Error"
    CANCELLED = "cancelled", "Cancelled"


ACTIVE_STATUSES = (JobStatus.PENDING, JobStatus.RUNNING)
TERMINAL_STATUSES = (JobStatus.FINISHED, JobStatus.FAILED, JobStatus.CANCELLED)

# A job that went through its records but some failed: BC counts them in Failed and the job
# queue entry still ends; calling it "Success" would contradict its own Failed counter. It is a
# label derived from ``failed > 0`` (filters and pages use it), not a status of its own: the
# worker's transitions stay pending -> running -> finished.
FINISHED_WITH_ERRORS = "finished_with_errors"
FINISHED_WITH_ERRORS_LABEL = "Finished with errors"
STATUS_BADGES = {JobStatus.PENDING: "pending", JobStatus.RUNNING: "running",
                 JobStatus.FINISHED: "finished", JobStatus.FAILED: "failed",
                 JobStatus.CANCELLED: "cancelled", FINISHED_WITH_ERRORS: "warning"}


class SyncDirection(models.TextChoices):
    """The direction of one job (a bidirectional mapping runs one job per direction)."""

    TO_SALES = "ToIntegrationTable", "To Integration Table"
    FROM_SALES = "FromIntegrationTable", "From Integration Table"


class SyncMode(models.TextChoices):
    MODIFIED = "modified", "Modified records"
    ALL = "all", "All records"
    SELECTED = "selected", "Selected records"


class JobKind(models.TextChoices):
    """Every kind of background job; ``synchronization.handlers`` has one handler per kind.
    The labels are what pages call them: the job queue entries' captions and the captions of
    the actions that start the other kinds."""

    SYNC_MAPPING = "sync_mapping", "Synchronize"
    SYNC_MODIFIED = "sync_modified", "Synchronize Modified Records"
    FULL_SYNC = "full_sync", "Run Full Synchronization"
    INITIAL_SYNC = "initial_sync", "Run Full Synchronization (assisted setup)"
    REVIEW_COUNTS = "review_counts", "Count Records for the Full Synchronization Review"
    MATCH_COUPLING = "match_coupling", "Match-Based Coupling"
    DELETE_RECORDS = "delete_records", "Delete Coupled Records"
    RECONCILE = "reconcile", "Reconciliation"
    RECONCILE_DELETE_BLANK = "reconcile_delete_blank", "Reconciliation: Delete Blank Records"
    CUSTOMER_STATISTICS = EntryKind.CUSTOMER_STATISTICS.value, EntryKind.CUSTOMER_STATISTICS.label
    SALES_ORDER_STATUS = EntryKind.SALES_ORDER_STATUS.value, EntryKind.SALES_ORDER_STATUS.label
    SALES_ORDER_NOTES = EntryKind.SALES_ORDER_NOTES.value, EntryKind.SALES_ORDER_NOTES.label
    CREATE_SALES_ORDERS = EntryKind.CREATE_SALES_ORDERS.value, EntryKind.CREATE_SALES_ORDERS.label
    PROCESS_SALES_QUOTES = (EntryKind.PROCESS_SALES_QUOTES.value,
                            EntryKind.PROCESS_SALES_QUOTES.label)
    PING = "ping", "Check Worker"


# What pages call each kind of job. A kind missing here shows as its name, readably.
JOB_CAPTIONS: dict[str, str] = {**dict(EntryKind.choices), **dict(JobKind.choices),
                                JobKind.INITIAL_SYNC: "Run Full Synchronization"}


# Kinds that synchronize one mapping: their name is the mapping's name, as in BC's job log.
MAPPING_SYNC_KINDS = {EntryKind.MAPPING, JobKind.SYNC_MAPPING}


def job_caption(kind: str) -> str:
    return JOB_CAPTIONS.get(kind) or kind.replace("_", " ").capitalize()


COUNTERS = ("inserted", "modified", "deleted", "unchanged", "skipped", "failed", "conflicts")


class SyncJob(models.Model):
    """One unit of background work. The row is the truth; RQ only carries its id."""

    kind = models.CharField(max_length=40, choices=JobKind.choices)
    status = models.CharField(
        max_length=20, choices=JobStatus.choices, default=JobStatus.PENDING, db_index=True
    )
    connection = models.ForeignKey(
        ConnectionSetup, null=True, blank=True, on_delete=models.CASCADE, related_name="jobs"
    )
    mapping = models.ForeignKey(
        "mappings.IntegrationTableMapping", null=True, blank=True, on_delete=models.SET_NULL,
        related_name="jobs",
    )
    mapping_name = models.CharField("Integration Table Mapping Name", max_length=20, blank=True)
    direction = models.CharField(
        "Synch. Direction", max_length=20, choices=SyncDirection.choices, blank=True
    )
    mode = models.CharField(max_length=10, choices=SyncMode.choices, blank=True)
    parameters = models.JSONField(default=dict, blank=True)
    result = models.JSONField(default=dict, blank=True)
    message = models.TextField(blank=True)
    worker_name = models.CharField(max_length=200, blank=True)
    started_by = models.CharField(max_length=150, blank=True)
    resumed_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="resumed_by"
    )
    # The job queue entry whose run started this job (a resumed job keeps it): the scheduler
    # settles the entry from its jobs when they end.
    queue_entry = models.ForeignKey(
        JobQueueEntry, null=True, blank=True, on_delete=models.SET_NULL, related_name="jobs"
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    started_at = models.DateTimeField("Start Date/Time", null=True, blank=True)
    finished_at = models.DateTimeField("Finish Date/Time", null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    cancel_requested = models.BooleanField(default=False)

    inserted = models.PositiveIntegerField("Inserted", default=0)
    modified = models.PositiveIntegerField("Modified", default=0)
    deleted = models.PositiveIntegerField("Deleted", default=0)
    unchanged = models.PositiveIntegerField("Unchanged", default=0)
    skipped = models.PositiveIntegerField("Skipped", default=0)
    failed = models.PositiveIntegerField("Failed", default=0)
    conflicts = models.PositiveIntegerField("Conflicts", default=0)
    records_total = models.PositiveIntegerField(null=True, blank=True)
    requests = models.PositiveIntegerField("Requests", default=0)
    retries = models.PositiveIntegerField(default=0)
    throttle_waits = models.PositiveIntegerField("Throttle waits", default=0)
    throttle_seconds = models.FloatField(default=0)
    # The live throttle gauge, per service and identity (synchronization.throttle): what the
    # services' headers say is left of their limits, requests in flight, 429s, time waited.
    # Updated while the job runs and kept after it ends.
    throttle = models.JSONField(default=dict, blank=True)
    # Resume point of an interrupted run: the last page the destination confirmed.
    cursor = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["mapping", "status"], name="job_mapping_status")]

    def __str__(self) -> str:
        return f"{self.name} #{self.pk} ({self.status_label})"

    @property
    def kind_caption(self) -> str:
        return job_caption(self.kind)

    @property
    def name(self) -> str:
        """The job's name on pages: its mapping for a synchronization, else what it does (with
        the mapping it did it to)."""
        if self.kind in MAPPING_SYNC_KINDS and self.mapping_name:
            return self.mapping_name
        if self.mapping_name:
            return f"{self.mapping_name} · {self.kind_caption}"
        return self.kind_caption

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    @property
    def outcome(self) -> str:
        """The status as pages show it: a finished job with failed records is
        ``finished_with_errors``; otherwise the status itself."""
        if self.status == JobStatus.FINISHED and self.failed > 0:
            return FINISHED_WITH_ERRORS
        return self.status

    @property
    def status_label(self) -> str:
        """The word of the status badge ("Finished with errors" when records failed)."""
        if self.outcome == FINISHED_WITH_ERRORS:
            return FINISHED_WITH_ERRORS_LABEL
        return self.get_status_display()

    @property
    def status_badge(self) -> str:
        """The badge colour class of ``outcome``."""
        return STATUS_BADGES.get(self.outcome, "off")

    @property
    def has_failures(self) -> bool:
        return self.status == JobStatus.FAILED or self.failed > 0

    @property
    def records_done(self) -> int:
        return sum(getattr(self, name) for name in COUNTERS if name != "conflicts")

    @property
    def duration(self) -> timedelta | None:
        if not self.started_at:
            return None
        return (self.finished_at or timezone.now()) - self.started_at

    @property
    def records_per_second(self) -> float | None:
        duration = self.duration
        if not duration or duration.total_seconds() <= 0:
            return None
        return self.records_done / duration.total_seconds()

    @property
    def progress_percent(self) -> int | None:
        if not self.records_total:
            return 100 if self.status == JobStatus.FINISHED else None
        return min(100, round(100 * self.records_done / self.records_total))

    @property
    def is_stale(self) -> bool:
        """Running, but no heartbeat for a while: its worker died."""
        beat = self.heartbeat_at or self.started_at
        stale_after = timedelta(seconds=settings.SYNC_STALE_AFTER_SECONDS)
        return self.status == JobStatus.RUNNING and (
            beat is None or timezone.now() - beat > stale_after
        )

    def claim(self, worker_name: str) -> bool:
        """Move pending -> running for exactly one worker; False if someone else has it."""
        now = timezone.now()
        claimed = SyncJob.objects.filter(pk=self.pk, status=JobStatus.PENDING).update(
            status=JobStatus.RUNNING, worker_name=worker_name, started_at=now, heartbeat_at=now
        )
        self.refresh_from_db()
        return claimed == 1

    def add(self, **counters: int | float) -> None:
        """Add to counters in one UPDATE (F expressions: no lost updates) and beat the heart."""
        changes = {name: F(name) + value for name, value in counters.items() if value}
        SyncJob.objects.filter(pk=self.pk).update(heartbeat_at=timezone.now(), **changes)

    def beat(self, **fields) -> None:
        SyncJob.objects.filter(pk=self.pk).update(heartbeat_at=timezone.now(), **fields)

    def finish(self, result: dict | None = None, message: str = "") -> None:
        """Record success, only if the job is still running (a cancel wins)."""
        self._end(JobStatus.FINISHED, result or self.result, message)

    def fail(self, message: str) -> None:
        self._end(JobStatus.FAILED, self.result, message)

    def cancel(self, message: str = "Cancelled.") -> bool:
        """Cancel a pending job now, or ask a running one to stop after its current page."""
        now = timezone.now()
        if SyncJob.objects.filter(pk=self.pk, status=JobStatus.PENDING).update(
            status=JobStatus.CANCELLED, message=message, finished_at=now
        ):
            return True
        return bool(SyncJob.objects.filter(pk=self.pk, status=JobStatus.RUNNING).update(
            cancel_requested=True))

    def abandon(self, message: str) -> bool:
        """Mark a running job whose worker is gone as failed; True if this call did it."""
        now = timezone.now()
        return bool(SyncJob.objects.filter(pk=self.pk, status=JobStatus.RUNNING).update(
            status=JobStatus.FAILED, message=message, finished_at=now))

    def _end(self, status: str, result: dict, message: str) -> None:
        now = timezone.now()
        SyncJob.objects.filter(pk=self.pk, status=JobStatus.RUNNING).update(
            status=status, result=result, message=message[:2000], finished_at=now,
            heartbeat_at=now,
        )
        self.refresh_from_db()


class ErrorKind(models.TextChoices):
    ERROR = "error", "Error"
    CONFLICT = "conflict", "Conflict"


class SyncError(models.Model):
    """Integration Synch. Job Errors (5339): what went wrong with one record, and where."""

    job = models.ForeignKey(SyncJob, on_delete=models.CASCADE, related_name="errors")
    mapping = models.ForeignKey(
        "mappings.IntegrationTableMapping", null=True, blank=True, on_delete=models.CASCADE,
        related_name="sync_errors",
    )
    coupling = models.ForeignKey(
        "mappings.Coupling", null=True, blank=True, on_delete=models.SET_NULL,
        related_name="sync_errors",
    )
    kind = models.CharField(max_length=10, choices=ErrorKind.choices, default=ErrorKind.ERROR)
    direction = models.CharField(max_length=20, choices=SyncDirection.choices, blank=True)
    source_id = models.CharField("Source Record ID", max_length=64, blank=True)
    destination_id = models.CharField("Destination Record ID", max_length=64, blank=True)
    source_label = models.CharField(max_length=250, blank=True)
    message = models.TextField("Error Message")
    error_code = models.CharField(max_length=100, blank=True)
    correlation_id = models.CharField(max_length=100, blank=True)
    request = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField("Date/Time", default=timezone.now, db_index=True)
    resolved = models.BooleanField(default=False)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.source_label or self.source_id}: {self.message[:80]}"

    @staticmethod
    def details_of(problem: object) -> dict[str, str]:
        """Where a failure happened, as this model's columns: the service's error code, the
        correlation id Microsoft support asks for and the failing request (``METHOD address``)
        of a client error or a failed batch operation; blank where ``problem`` has none."""
        method, url = getattr(problem, "method", ""), getattr(problem, "url", "")
        request = describe_request(method, url) if method else getattr(problem, "request", "")
        code = getattr(problem, "code", "") or getattr(problem, "error_code", "")
        return {"error_code": str(code or "")[:100],
                "correlation_id": str(getattr(problem, "correlation_id", "") or "")[:100],
                "request": str(request or "")[:500]}


