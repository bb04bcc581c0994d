"""Job Queue Entries (BC's Job Queue Entry, 472): the recurring jobs and their inactivity sleep.

The scheduler (``synchronization.scheduler``) runs them; the mapping pages edit a mapping's
entry through ``connection.registry`` (the mappings app sits below this one). The table kept
its name from when the entries lived with the mappings: the move changed no row.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q


class EntryKind(models.TextChoices):
    """What an entry runs: its mapping's synchronization, or a connection-level job (these
    values are also kinds of SyncJob)."""

    MAPPING = "mapping", "Integration table mapping"
    CUSTOMER_STATISTICS = "customer_statistics", "Customer Statistics"
    SALES_ORDER_STATUS = "sales_order_status", "Sales Order Status"
    SALES_ORDER_NOTES = "sales_order_notes", "Sales Order Notes"
    CREATE_SALES_ORDERS = "create_sales_orders", "Automatically Create Sales Orders"
    PROCESS_SALES_QUOTES = "process_sales_quotes", "Automatically Process Sales Quotes"


class EntryStatus(models.TextChoices):
    """Job Queue Entry Status, with BC's captions."""

    READY = "ready", "Ready"
    IN_PROCESS = "in_process", "In Process"
    ON_HOLD = "on_hold", "On Hold"
    ON_HOLD_INACTIVITY = "on_hold_inactivity", "On Hold Due to Inactivity"
    ERROR = "error", "Error"


class JobQueueEntry(models.Model):
    """A recurring synchronization job: how often it runs and how long it sleeps when idle.

    One per mapping that BC schedules, plus the connection-level jobs (customer statistics and,
    with sales order integration, sales order status and notes). The scheduler keeps
    ``next_run_at``; an idle run (nothing inserted, modified, deleted or failed) puts the entry to
    sleep for the inactivity timeout. The jobs a run started point at their entry
    (``SyncJob.queue_entry``).
    """

    connection = models.ForeignKey("connection.ConnectionSetup", on_delete=models.CASCADE,
                                   related_name="job_queue_entries")
    mapping = models.OneToOneField("mappings.IntegrationTableMapping", on_delete=models.CASCADE,
                                   null=True, blank=True, related_name="job_queue_entry")
    kind = models.CharField(max_length=30, choices=EntryKind.choices, default=EntryKind.MAPPING)
    description = models.CharField("Description", max_length=250, blank=True)
    no_of_minutes_between_runs = models.PositiveIntegerField("No. of Minutes between Runs",
                                                             default=30)
    inactivity_timeout_period = models.PositiveIntegerField(
        "Inactivity Timeout Period", default=720, help_text="Minutes of sleep after an idle run.")
    maximum_no_of_attempts_to_run = models.PositiveIntegerField("Maximum No. of Attempts to Run",
                                                                default=10)
    rerun_delay_sec = models.PositiveIntegerField("Rerun Delay (sec.)", default=30)
    enabled = models.BooleanField("Enabled", default=True)
    next_run_at = models.DateTimeField("Earliest Start Date/Time", null=True, blank=True)
    status = models.CharField("Status", max_length=20, choices=EntryStatus.choices,
                              default=EntryStatus.READY)
    inactive_since = models.DateTimeField(null=True, blank=True)
    last_run_at = models.DateTimeField("Last run", null=True, blank=True)
    # Why a sleeping entry ran again (timeout elapsed, a change on one side, Run now): an entry
    # that wakes without saying why looks like a schedule gone wrong.
    woken_reason = models.CharField("Wake-up reason", max_length=200, blank=True)
    woken_at = models.DateTimeField("Woken at", null=True, blank=True)

    class Meta:
        db_table = "mappings_jobqueueentry"
        ordering = ["connection", "kind", "mapping__position"]
        verbose_name = "Job Queue Entry"
        verbose_name_plural = "Job Queue Entries"
        constraints = [
            models.UniqueConstraint(fields=["connection", "kind"],
                                    condition=~Q(kind="mapping"),
                                    name="one_connection_job_per_kind"),
        ]

    def __str__(self) -> str:
        return self.description or self.get_kind_display()
