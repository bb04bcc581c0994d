"""The stored result of a reconciliation check: what both systems held for one mapping."""

from django.db import models
from django.utils import timezone


class ReconcileReport(models.Model):
    """The last reconciliation check of a mapping: what both systems held compared with the
    mapping and its couplings. Pages render it without calling either service."""

    mapping = models.OneToOneField("mappings.IntegrationTableMapping", on_delete=models.CASCADE,
                                   related_name="reconcile_report")
    job = models.ForeignKey("synchronization.SyncJob", null=True, blank=True,
                            on_delete=models.SET_NULL, related_name="reconcile_reports")
    checked_at = models.DateTimeField("Checked at", default=timezone.now)
    problems = models.PositiveIntegerField("Problems", default=0)
    report = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["mapping__position", "mapping__name"]

    def __str__(self) -> str:
        return f"Reconciliation of {self.mapping.name}: {self.problems} problem(s)"
