"""Lead to cash (sales order integration): its setup, processed quotes and note couplings."""

from django.db import models
from django.utils import timezone

from connection.models import ConnectionSetup


class WriteInProductType(models.TextChoices):
    ITEM = "Item", "Item"
    RESOURCE = "Resource", "Resource"


class SalesReceivablesSetup(models.Model):
    """Sales & Receivables Setup (311), the fields Sales order integration reads.

    Sales order lines without a registered product (write-in products) are created in Business
    Central as this item or resource, so such sales can still be analysed.
    """

    connection = models.OneToOneField(ConnectionSetup, on_delete=models.CASCADE,
                                      related_name="sales_receivables_setup")
    write_in_product_type = models.CharField(
        "Write-in Product Type", max_length=10, choices=WriteInProductType.choices,
        default=WriteInProductType.ITEM)
    write_in_product_no = models.CharField(
        "Write-in Product No.", max_length=20, blank=True,
        help_text="The item or resource that Sales order lines with a write-in product post to.")

    class Meta:
        verbose_name = "Sales & Receivables Setup"

    def __str__(self) -> str:
        return f"Sales & Receivables Setup of {self.connection}"

    @classmethod
    def of(cls, connection: ConnectionSetup) -> "SalesReceivablesSetup":
        """The setup of a connection (created blank on first use)."""
        setup, _ = cls.objects.get_or_create(connection=connection)
        return setup


class ProcessedQuote(models.Model):
    """A Sales quote made into a Business Central sales quote; later revisions update it."""

    connection = models.ForeignKey(ConnectionSetup, on_delete=models.CASCADE,
                                   related_name="processed_quotes")
    quote_number = models.CharField("Quote ID", max_length=100)
    revision = models.PositiveIntegerField("Revision ID", default=0)
    sales_id = models.UUIDField("CRM ID")
    bc_id = models.UUIDField("Integration ID")
    bc_number = models.CharField("No.", max_length=20, blank=True)
    processed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-processed_at"]
        constraints = [models.UniqueConstraint(fields=["connection", "quote_number"],
                                               name="one_bc_quote_per_sales_quote")]

    def __str__(self) -> str:
        return f"{self.quote_number} rev. {self.revision} -> {self.bc_number}"



class NoteCoupling(models.Model):
    """CRM Annotation Coupling: a note (BC Record Link) of a coupled sales order and the Sales
    annotation it was synchronized with, so each note crosses once in either direction."""

    connection = models.ForeignKey(ConnectionSetup, on_delete=models.CASCADE,
                                   related_name="note_couplings")
    link_id = models.PositiveBigIntegerField("Record Link ID")
    annotation_id = models.UUIDField("CRM Annotation ID")
    sales_order_id = models.UUIDField("CRM Sales Order ID")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["connection", "link_id"], name="note_link_once"),
            models.UniqueConstraint(fields=["connection", "annotation_id"],
                                    name="note_annotation_once"),
        ]

    def __str__(self) -> str:
        return f"Record Link {self.link_id} <-> annotation {self.annotation_id}"

