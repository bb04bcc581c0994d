"""Option mappings: Business Central codes <-> choices of the account's option sets.

PAYMENT TERMS, SHIPMENT METHOD and SHIPPING AGENT (bc-integration.md 5.8) never write account
rows. To Sales, each BC code is coupled to the option of the mapping's choice column
(``paymenttermscode``, ``address1_freighttermscode``, ``address1_shippingmethodcode``) whose
label is the code ("CDS Int. Option Couple" matches on Code); a code with no such option gets a
new one through ``InsertOptionValue``. From Sales (an option mapping set to From Integration
Table), each option whose label is not a BC code yet becomes a BC record, as BC's SynchOption
does. Either way the CRM Option Mapping rows (table 5334, :class:`OptionMapping`) record the
pairs; the customer, sales order and invoice mappings convert codes through them.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any, cast

from connection import sales_metadata, services
from connection.clients.errors import ClientError
from mappings.models import Coupling, IntegrationTableMapping, OptionMapping, SyncResult
from synchronization import jobs
from synchronization.models import SyncDirection, SyncError, SyncJob
from synchronization.sides import BcSide
from synchronization.writes import Write

log = logging.getLogger(__name__)
INSERT_ATTEMPTS = 3  # a transient fault (429, 503, a dropped answer) on InsertOptionValue


@dataclass
class OptionRun:
    """One option mapping synchronized in one direction, with its counters."""

    job: SyncJob
    mapping: IntegrationTableMapping
    bc: BcSide
    sales: Any  # DataverseClient
    counters: dict[str, int] = field(default_factory=lambda: dict.fromkeys(
        ("inserted", "modified", "unchanged", "failed"), 0))
    lines: list[dict[str, Any]] = field(default_factory=list)

    @property
    def dry_run(self) -> bool:
        return bool(self.job.parameters.get("dry_run"))

    @property
    def attribute(self) -> str:
        return self.mapping.integration_table_uid_field

    def run(self) -> dict[str, Any]:
        labels = self.sales.choice_labels(self.mapping.sales_entity, self.attribute)
        if self.job.direction == SyncDirection.FROM_SALES:
            self._from_sales(labels)
        else:
            self._to_sales(labels)
        if self.dry_run:  # the same forecast shape as the engine's dry runs; nothing counted
            return {"dry_run": True, "lines": self.lines, "forecast": {
                "insert": self.counters["inserted"], "unchanged": self.counters["unchanged"],
                "fail": self.counters["failed"]}}
        self.job.add(**self.counters)
        return {"options": self.lines}

    # -- Business Central -> Sales ---------------------------------------------------------
    def _to_sales(self, labels: dict[str, int]) -> None:
        by_label = {label.casefold(): value for label, value in labels.items()}
        rows = {row.bc_code: row for row in self.mapping.option_mappings.all()}
        for page in self.bc.read_pages(None):
            for record in page:
                code = self.bc.number(record)
                if code:
                    self._couple_code(code, self.bc.record_id(record), rows.get(code), by_label)

    def _couple_code(self, code: str, bc_id: str, row: OptionMapping | None,
                     by_label: dict[str, int]) -> None:
        if row is not None and row.option_value in by_label.values():
            self._note(code, row.option_value, row.option_label, "unchanged")
            return
        value = by_label.get(code.casefold())
        outcome = "unchanged"
        if value is None and self.dry_run:
            self._note(code, 0, code, "inserted")
            return
        if value is None:
            try:
                value = self._insert_option(code)
            except ClientError as exc:
                self._fail(code, bc_id, exc)
                return
            by_label[code.casefold()] = value
            outcome = "inserted"
        self._save(code, bc_id, value, code, outcome)

    def _insert_option(self, code: str, attempts: int = INSERT_ATTEMPTS) -> int:
        """``InsertOptionValue`` for ``code``. The action is not idempotent, so the client does
        not repeat it; a failed attempt reads the labels again first: when the answer was lost
        but the option was added, it is that option (never a second one)."""
        for attempt in range(attempts):
            try:
                return self.sales.insert_option_value(self.mapping.sales_entity, self.attribute,
                                                      code)
            except ClientError:
                labels = self.sales.choice_labels(self.mapping.sales_entity, self.attribute)
                found = {label.casefold(): v for label, v in labels.items()}.get(code.casefold())
                if found is not None:
                    return found
                if attempt == attempts - 1:
                    raise
        raise AssertionError("unreachable")

    # -- Sales -> Business Central -----------------------------------------------------------
    def _from_sales(self, labels: dict[str, int]) -> None:
        codes = {self.bc.number(r).casefold(): r for page in self.bc.read_pages(None)
                 for r in page if self.bc.number(r)}
        for label, value in labels.items():
            code = label[:self.code_length]
            record = codes.get(code.casefold())
            if record is None and self.dry_run:
                self._note(code, value, label, "inserted")
                continue
            if record is not None:
                self._save(self.bc.number(record), self.bc.record_id(record), value, label,
                           "unchanged")
                continue
            body = {self.bc.number_field: code}
            if self.bc.name_field:
                body[self.bc.name_field] = label
            outcome = self.bc.write([Write("insert", "", body, code)])[0]
            if not outcome.ok:
                self._fail(code, "", outcome)
                continue
            self._save(code, outcome.id, value, label, "inserted")

    @property
    def code_length(self) -> int:
        return 10  # Code[10]: Payment Terms, Shipment Method and Shipping Agent codes

    # -- bookkeeping -----------------------------------------------------------------------
    def _save(self, code: str, bc_id: str, value: int, label: str, outcome: str) -> None:
        if self.dry_run:
            self._note(code, value, label, outcome)
            return
        taken = self.mapping.option_mappings.filter(option_value=value).exclude(bc_code=code)
        if taken.exists():
            self._fail(code, bc_id, f"Option {value} ({label}) is already coupled to "
                       f"{cast(OptionMapping, taken.first()).bc_code}. Remove that option "
                       "mapping or rename a code.")
            return
        OptionMapping.objects.update_or_create(
            mapping=self.mapping, bc_code=code,
            defaults={"bc_id": bc_id or None, "option_value": value, "option_label": label,
                      "last_result_to_sales": SyncResult.SUCCESS, "skipped": False})
        self._note(code, value, label, outcome)

    def _note(self, code: str, value: int, label: str, outcome: str) -> None:
        self.counters[outcome] += 1
        self.lines.append({"code": code, "value": value, "label": label, "outcome": outcome})

    def _fail(self, code: str, bc_id: str, problem: Any) -> None:
        self.counters["failed"] += 1
        message = getattr(problem, "message", None) or str(problem)
        SyncError.objects.create(
            job=self.job, mapping=self.mapping, direction=self.job.direction, source_id=bc_id,
            source_label=code, message=str(message)[:2048], **SyncError.details_of(problem))
        self.lines.append({"code": code, "outcome": "failed", "message": str(message)})


def run_option_job(job: SyncJob) -> dict[str, Any]:
    """Synchronize an option mapping in the job's direction; never writes account rows."""
    mapping = job.mapping
    assert mapping is not None  # an option job is for one mapping
    bc_client = services.business_central_client(mapping.connection)
    sales_client = services.dataverse_client(mapping.connection)
    try:
        result = OptionRun(job, mapping, BcSide(mapping, bc_client), sales_client).run()
        jobs.note_set_aside(job, mapping.connection, sales_client)
        return result
    finally:
        bc_client.close()
        sales_client.close()


# -- repair of what the old engine did -----------------------------------------------------
@dataclass
class BlankRepair:
    """What :func:`repair_blank_accounts` did."""

    deleted_accounts: list[str] = field(default_factory=list)
    kept_accounts: list[str] = field(default_factory=list)
    removed_couplings: int = 0
    option_jobs: list[int] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"deleted_accounts": self.deleted_accounts, "kept_accounts": self.kept_accounts,
                "removed_couplings": self.removed_couplings, "option_jobs": self.option_jobs}


def repair_blank_accounts(connection, started_by: str = "Repair") -> BlankRepair:
    """Undo what option mappings did when the engine ran them as record mappings.

    Deletes the accounts they created (created by the integration user, with no name, coupled
    to an option mapping), removes every coupling to them, then runs the option mappings again
    so their codes become options. Accounts someone else created or named are kept; their
    couplings to an option mapping are removed all the same (an option mapping couples codes to
    options, never to rows).
    """
    from synchronization import runs  # runs routes option mappings here: import when used

    report = BlankRepair()
    option_mappings = list(IntegrationTableMapping.objects.filter(
        connection=connection, integration_table_uid_type="Option"))
    couplings = Coupling.objects.filter(mapping__in=option_mappings)
    client = services.dataverse_client(connection)
    try:
        # Any of the connection's application users (the pool's too) may have created them.
        integration_users = {u.lower() for u in
                             sales_metadata.integration_user_ids(connection, client)}
        for coupling in couplings:
            _repair_one(client, coupling, integration_users, report)
    finally:
        client.close()
    removed, _ = couplings.delete()
    dangling, _ = Coupling.objects.filter(mapping__connection=connection,
                                          sales_id__in=report.deleted_accounts).delete()
    report.removed_couplings = removed + dangling
    for mapping in option_mappings:
        report.option_jobs += [j.pk for j in runs.start_mapping_sync(
            mapping, "all", started_by=started_by)]
    return report


def _repair_one(client, coupling: Coupling, integration_users: set[str],
                report: BlankRepair) -> None:
    entity_set = coupling.mapping.sales_entity_set
    sales_id = str(coupling.sales_id)
    try:
        row = client.get(entity_set, sales_id, select=["name", "_createdby_value"])
    except ClientError as exc:
        if getattr(exc, "status", None) == 404:
            return  # already gone: only the coupling is left to remove
        raise
    created_by = str(row.get("_createdby_value") or "").lower()
    if not (row.get("name") or "").strip() and created_by in integration_users:
        client.delete(entity_set, sales_id)
        report.deleted_accounts.append(sales_id)
    else:
        report.kept_accounts.append(sales_id)
