"""What maps to what, per connection: BC tables 5335, 5336, 5334 and 5331 re-created.

* :class:`IntegrationTableMapping` (table 5335): one BC table <-> one Sales entity, its filters on
  both sides, direction, conflict policies and the watermarks of the last scheduled run.
* :class:`IntegrationFieldMapping` (table 5336): one BC field <-> one Sales attribute.
* :class:`OptionMapping` (table 5334): a BC code (payment terms ...) <-> a Sales option value.
* :class:`Coupling` (table 5331, "CRM Integration Record"): a BC record (SystemId) <-> a Sales row.

Imports run connection <- mappings <- synchronization, so nothing here imports synchronization:
a coupling keeps the id of its last job as a plain integer. A mapping's recurring job (its Job
Queue Entry) belongs to the synchronization app, which edits it for the mapping pages through
``connection.registry``.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import models
from django.db.models import Q
from django.utils import timezone

from mappings import catalogues
from mappings.filters import FilterError, Translation, bind, parse_table_filter, translate


class Direction(models.TextChoices):
    """Direction of a table or field mapping, with BC's option names as values."""

    BIDIRECTIONAL = "Bidirectional", "Bidirectional"
    TO_SALES = "ToIntegrationTable", "To Integration Table (Business Central to Sales)"
    FROM_SALES = "FromIntegrationTable", "From Integration Table (Sales to Business Central)"


class FilterSyntax(models.TextChoices):
    """How the Sales-side filter is written."""

    BC = "bc", "Business Central filter (Field: value)"
    ODATA = "odata", "OData $filter"


class UidFieldType(models.TextChoices):
    GUID = "GUID", "GUID"
    OPTION = "Option", "Option"


class UpdateConflictResolution(models.TextChoices):
    NONE = "none", "None"
    SEND_TO_SALES = "send", "Send data update to integration table"
    GET_FROM_SALES = "get", "Get data update from integration table"


class DeletionConflictResolution(models.TextChoices):
    NONE = "none", "None"
    RESTORE = "restore", "Restore Records"
    REMOVE_COUPLING = "remove", "Remove Coupling"


class SyncResult(models.TextChoices):
    """Last Synch. Result / Last Synch. CRM Result (blank until the first sync)."""

    NONE = "", " "
    SUCCESS = "success", "Success"
    FAILURE = "failure", "Failure"


class IntegrationTableMapping(models.Model):
    """Integration Table Mapping (5335): which BC table syncs with which Sales entity, and how."""

    connection = models.ForeignKey(
        "connection.ConnectionSetup", on_delete=models.CASCADE, related_name="table_mappings")
    name = models.CharField("Name", max_length=20)
    position = models.PositiveIntegerField(default=0, help_text="Order of the default setup.")
    bc_table = models.CharField("Table", max_length=60, help_text="Business Central table caption")
    bc_table_id = models.PositiveIntegerField("Table ID", default=0)
    bc_entity = models.CharField("API entity", max_length=60,
                                 help_text="Business Central API entity set, e.g. customers")
    sales_entity = models.CharField("Integration Table", max_length=60,
                                    help_text="Sales (Dataverse) table logical name, e.g. account")
    sales_entity_set = models.CharField("Entity set", max_length=60,
                                        help_text="Dataverse entity set name, e.g. accounts")
    direction = models.CharField("Direction", max_length=20, choices=Direction.choices,
                                 default=Direction.BIDIRECTIONAL)
    table_filter = models.TextField("Table Filter", blank=True)
    integration_table_filter = models.TextField("Integration Table Filter", blank=True)
    integration_table_filter_syntax = models.CharField(
        "Integration Table Filter syntax", max_length=10, choices=FilterSyntax.choices,
        default=FilterSyntax.BC)
    synch_only_coupled_records = models.BooleanField("Synch. Only Coupled Records", default=True)
    dependency_filter = models.CharField("Dependency Filter", max_length=250, blank=True)
    integration_table_uid_field = models.CharField("Integration Table UID Fld.", max_length=100)
    integration_table_uid_type = models.CharField(
        "Int. Table UID Field Type", max_length=10, choices=UidFieldType.choices,
        default=UidFieldType.GUID)
    integration_table_modified_on_field = models.CharField(
        "Int. Tbl. Modified On Fld.", max_length=100, blank=True, default="modifiedon")
    table_config_template_code = models.CharField("Table Config Template Code", max_length=10,
                                                  blank=True)
    int_tbl_config_template_code = models.CharField("Int. Tbl. Config Template Code",
                                                    max_length=10, blank=True)
    update_conflict_resolution = models.CharField(
        "Update-Conflict Resolution", max_length=10, choices=UpdateConflictResolution.choices,
        default=UpdateConflictResolution.NONE)
    deletion_conflict_resolution = models.CharField(
        "Deletion-Conflict Resolution", max_length=10, choices=DeletionConflictResolution.choices,
        default=DeletionConflictResolution.NONE)
    synch_after_bulk_coupling = models.BooleanField("Synch. After Match-Based Coupling",
                                                    default=False)
    create_new_in_case_of_no_match = models.BooleanField("Create New in Case of No Match",
                                                         default=False)
    delete_after_synchronization = models.BooleanField("Delete After Synchronization",
                                                       default=False)
    parent_name = models.CharField("Parent Name", max_length=20, blank=True)
    event_driven = models.BooleanField(
        "Event-driven synchronization", default=False,
        help_text="Run soon after a change instead of waiting for the next scheduled run.")
    user_defined = models.BooleanField("User Defined", default=False)
    bc_watermark = models.DateTimeField("Synch. Modified On Filter", null=True, blank=True)
    sales_watermark = models.DateTimeField("Synch. Int. Tbl. Mod. On Fltr.", null=True,
                                           blank=True)
    last_synced_at = models.DateTimeField("Last synchronization", null=True, blank=True)
    last_sync_result = models.CharField("Last result", max_length=10, choices=SyncResult.choices,
                                        blank=True, default=SyncResult.NONE)
    last_job_id = models.PositiveBigIntegerField("Last job", null=True, blank=True)

    class Meta:
        ordering = ["connection", "position", "name"]
        verbose_name = "Integration Table Mapping"
        constraints = [
            models.UniqueConstraint(fields=["connection", "name"],
                                    name="mapping_name_unique_per_connection"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_option_mapping(self) -> bool:
        """PAYMENT TERMS / SHIPMENT METHOD / SHIPPING AGENT couple codes to option values."""
        return self.integration_table_uid_type == UidFieldType.OPTION

    def depends_on(self) -> list[str]:
        """Names of the mappings that must finish before this one in a full synchronization."""
        return [name.strip() for name in self.dependency_filter.split("|") if name.strip()]

    def bc_catalogue(self):
        """The fields of the BC table, for validating and translating the Table Filter."""
        return catalogues.business_central(self.bc_table)

    def bc_filter(self):
        """The Table Filter parsed and validated (a BoundFilter; FilterError if it is wrong)."""
        catalogue = self.bc_catalogue()
        return bind(parse_table_filter(self.table_filter, catalogue), catalogue)

    def bc_translation(self) -> Translation:
        """The Table Filter as a BC API ``$filter`` plus what must be checked after reading."""
        return translate(self.bc_filter())

    def sales_filter_problems(self, catalogue=None) -> FilterError | None:
        """The Integration Table Filter's problems (syntax only when no metadata is given)."""
        from mappings.sales_filters import check_sales_filter

        return check_sales_filter(self.integration_table_filter,
                                  self.integration_table_filter_syntax, catalogue)

    def enabled_field_mappings(self, direction: str) -> models.QuerySet:
        """Field mappings a run in ``direction`` uses: that direction or Bidirectional, enabled."""
        return self.field_mappings.filter(
            status=FieldStatus.ENABLED,
            direction__in=[direction, Direction.BIDIRECTIONAL]).order_by("position", "pk")


class FieldStatus(models.TextChoices):
    ENABLED = "Enabled", "Enabled"
    DISABLED = "Disabled", "Disabled"


class Transformation(models.TextChoices):
    """Value transformation applied on the way to the destination."""

    NONE = "", "None"
    TRIM = "trim", "Trim"
    UPPERCASE = "upper", "Uppercase"
    LOWERCASE = "lower", "Lowercase"
    OPTION_LOOKUP = "option", "Option lookup"


class IntegrationFieldMapping(models.Model):
    """Integration Field Mapping (5336): one BC field <-> one Sales attribute of a table mapping.

    A blank ``bc_field`` means the constant value is written to the Sales attribute; a blank
    ``sales_attribute`` means it is written to the BC field.
    """

    mapping = models.ForeignKey(IntegrationTableMapping, on_delete=models.CASCADE,
                                related_name="field_mappings")
    position = models.PositiveIntegerField(default=0)
    bc_field = models.CharField("Field", max_length=80, blank=True,
                                help_text="Business Central field caption")
    bc_property = models.CharField("API property", max_length=80, blank=True)
    sales_attribute = models.CharField("Integration Table Field", max_length=100, blank=True)
    direction = models.CharField("Direction", max_length=20, choices=Direction.choices,
                                 default=Direction.BIDIRECTIONAL)
    constant_value = models.CharField("Constant Value", max_length=100, blank=True)
    validate_field = models.BooleanField("Validate Field", default=False)
    validate_integration_table_field = models.BooleanField("Validate Integration Table Field",
                                                           default=False)
    clear_value_on_failed_sync = models.BooleanField("Clear Value on Failed Sync", default=False)
    not_null = models.BooleanField("Not Null", default=False)
    status = models.CharField("Status", max_length=10, choices=FieldStatus.choices,
                              default=FieldStatus.ENABLED)
    transformation = models.CharField("Transformation Rule", max_length=10, blank=True,
                                      choices=Transformation.choices, default=Transformation.NONE)
    use_for_match_based_coupling = models.BooleanField("Use For Match-Based Coupling",
                                                       default=False)
    case_sensitive_matching = models.BooleanField("Case-Sensitive Matching", default=False)
    match_priority = models.PositiveIntegerField("Match Priority", default=0)
    user_defined = models.BooleanField("User Defined", default=False)

    class Meta:
        ordering = ["mapping", "position", "pk"]
        verbose_name = "Integration Field Mapping"
        constraints = [
            # BC: "Clear Value on Failed Sync" and "Not Null" are mutually exclusive.
            models.CheckConstraint(condition=~Q(clear_value_on_failed_sync=True, not_null=True),
                                   name="field_mapping_clear_or_not_null"),
        ]

    def __str__(self) -> str:
        return f"{self.bc_field or '(constant)'} - {self.sales_attribute or '(constant)'}"

    @property
    def enabled(self) -> bool:
        return self.status == FieldStatus.ENABLED


class OptionMapping(models.Model):
    """CRM Option Mapping (5334): a BC code record <-> a Sales option-set value.

    Codes without an option are not stored: they are skipped and the option stays blank.
    """

    mapping = models.ForeignKey(IntegrationTableMapping, on_delete=models.CASCADE,
                                related_name="option_mappings")
    bc_code = models.CharField("Code", max_length=20)
    bc_id = models.UUIDField("Business Central record ID", null=True, blank=True)
    option_value = models.IntegerField("Option Value")
    option_label = models.CharField("Option Value Caption", max_length=250, blank=True)
    last_result_to_sales = models.CharField("Last Synch. CRM Result", max_length=10, blank=True,
                                            choices=SyncResult.choices, default=SyncResult.NONE)
    skipped = models.BooleanField("Skipped", default=False)

    class Meta:
        ordering = ["mapping", "bc_code"]
        verbose_name = "Option Mapping"
        constraints = [
            models.UniqueConstraint(fields=["mapping", "bc_code"],
                                    name="option_mapping_code_unique"),
            models.UniqueConstraint(fields=["mapping", "option_value"],
                                    name="option_mapping_value_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.bc_code} = {self.option_value} ({self.option_label})"


# BC's CompareDateTime treats values less than 10 ms apart as equal.
MODIFIED_TOLERANCE = timedelta(milliseconds=10)


class CouplingQuerySet(models.QuerySet):
    def for_bc_ids(self, mapping: IntegrationTableMapping, bc_ids) -> dict:
        """Couplings of these BC records, by BC id, in one query on the (mapping, bc_id) index."""
        return {c.bc_id: c for c in self.filter(mapping=mapping, bc_id__in=list(bc_ids))}

    def for_sales_ids(self, mapping: IntegrationTableMapping, sales_ids) -> dict:
        """Couplings of these Sales rows, by Sales id, in one query."""
        return {c.sales_id: c for c in self.filter(mapping=mapping, sales_id__in=list(sales_ids))}


class Coupling(models.Model):
    """CRM Integration Record (5331): a BC record (SystemId) coupled to a Sales row.

    Each side is coupled at most once per mapping; the database enforces it. The number and name
    are copies for searching the couplings list without calling either service.
    """

    mapping = models.ForeignKey(IntegrationTableMapping, on_delete=models.CASCADE,
                                related_name="couplings")
    bc_id = models.UUIDField("Integration ID")
    sales_id = models.UUIDField("CRM ID")
    bc_number = models.CharField("No.", max_length=50, blank=True)
    display_name = models.CharField("Name", max_length=250, blank=True)
    bc_modified_on = models.DateTimeField("Last Synch. Modified On", null=True, blank=True)
    sales_modified_on = models.DateTimeField("Last Synch. CRM Modified On", null=True, blank=True)
    # Dataverse's modifiedon has whole seconds: an edit in the same second as a sync would compare
    # equal. The row's versionnumber grows with every change, so it is what decides.
    sales_version = models.BigIntegerField("Last Synch. CRM Version", null=True, blank=True)
    # The Sales row's ETag as the integration last wrote it, and a fingerprint of the values it
    # then held (synchronization.conditional): an update conditional on that ETag needs no read
    # of the row first. Blank when unknown (a read decides, as before).
    sales_etag = models.CharField("Last Synch. CRM ETag", max_length=100, blank=True)
    sales_fingerprint = models.TextField("Last Synch. CRM fingerprint", blank=True)
    last_result = models.CharField("Last Synch. Result", max_length=10, blank=True,
                                   choices=SyncResult.choices, default=SyncResult.NONE)
    last_sales_result = models.CharField("Last Synch. CRM Result", max_length=10, blank=True,
                                         choices=SyncResult.choices, default=SyncResult.NONE)
    last_job_id = models.PositiveBigIntegerField("Last Synch. Job ID", null=True, blank=True)
    last_sales_job_id = models.PositiveBigIntegerField("Last Synch. CRM Job ID", null=True,
                                                       blank=True)
    last_error = models.TextField("Last error", blank=True)
    skipped = models.BooleanField("Skipped", default=False)
    created_at = models.DateTimeField(default=timezone.now)

    objects = CouplingQuerySet.as_manager()

    class Meta:
        ordering = ["mapping", "bc_number", "pk"]
        verbose_name = "Coupling"
        constraints = [
            models.UniqueConstraint(fields=["mapping", "bc_id"], name="coupling_bc_id_unique"),
            models.UniqueConstraint(fields=["mapping", "sales_id"],
                                    name="coupling_sales_id_unique"),
        ]
        indexes = [
            models.Index(fields=["mapping", "skipped"], name="coupling_skipped"),
            models.Index(fields=["mapping", "bc_number"], name="coupling_number"),
        ]

    def __str__(self) -> str:
        return f"{self.mapping.name}: {self.bc_number or self.bc_id} <-> {self.sales_id}"

    @property
    def failed(self) -> bool:
        return SyncResult.FAILURE in (self.last_result, self.last_sales_result)

    def is_bc_modified_after_last_sync(self, modified_on: datetime | None) -> bool:
        """Whether the BC record changed since it was last synchronized (10 ms tolerance)."""
        return _after(modified_on, self.bc_modified_on)

    def is_sales_modified_after_last_sync(self, modified_on: datetime | None,
                                          version: int | None = None) -> bool:
        """Whether the Sales row changed since it was last synchronized: by its versionnumber
        when both are known, else by modifiedon (10 ms tolerance)."""
        if version is not None and self.sales_version is not None:
            return version > self.sales_version
        return _after(modified_on, self.sales_modified_on)

    def record_success(self, direction: str, bc_modified_on: datetime | None,
                       sales_modified_on: datetime | None, job_id: int | None,
                       sales_version: int | None = None) -> None:
        """SetLastSynchModifiedOns: the result of this direction, both stamps (not saved)."""
        if direction == Direction.TO_SALES:
            self.last_sales_result, self.last_sales_job_id = SyncResult.SUCCESS, job_id
        else:
            self.last_result, self.last_job_id = SyncResult.SUCCESS, job_id
        self.bc_modified_on, self.sales_modified_on = bc_modified_on, sales_modified_on
        self.sales_version = sales_version
        self.last_error = ""

    def record_failure(self, direction: str, message: str, job_id: int | None) -> bool:
        """SetLastSynchResultFailed: the same error twice in a row skips the record (not saved).

        Returns True when the coupling became skipped.
        """
        to_sales = direction == Direction.TO_SALES
        previous = self.last_sales_result if to_sales else self.last_result
        repeated = previous == SyncResult.FAILURE and message and message == self.last_error
        if to_sales:
            self.last_sales_result, self.last_sales_job_id = SyncResult.FAILURE, job_id
        else:
            self.last_result, self.last_job_id = SyncResult.FAILURE, job_id
        self.last_error = message
        if repeated and not self.skipped:
            self.skipped = True
            return True
        return False


def _after(current: datetime | None, last: datetime | None) -> bool:
    if current is None:
        return False
    return last is None or current - last >= MODIFIED_TOLERANCE
