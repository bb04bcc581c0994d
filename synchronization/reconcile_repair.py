"""Repairs the reconciliation page offers for its findings, each checked again against the
stored report and the couplings before it acts: couple an uncoupled match, remove a dangling
coupling, delete a blank record the integration created in Sales, synchronize drifted records
again. Afterwards the mapping is checked again in the background."""

from __future__ import annotations

import uuid

from django.db import transaction

from mappings.models import Coupling, IntegrationTableMapping
from synchronization import jobs, reconcile, runs
from synchronization.models import JobKind, ReconcileReport, SyncDirection, SyncJob, SyncMode
from synchronization.writes import Write

DELETE_BLANK_KIND = JobKind.RECONCILE_DELETE_BLANK


class RepairRefused(Exception):
    """The repair does not apply (any more) to what was chosen."""


def findings(mapping: IntegrationTableMapping, name: str) -> list[dict]:
    report = ReconcileReport.objects.filter(mapping=mapping).first()
    return (report.report.get("findings", {}).get(name, []) if report else [])


def couple(mapping: IntegrationTableMapping, bc_ids: list[str]) -> int:
    """Couple uncoupled BC records to the one uncoupled Sales record they match."""
    offered = {r["id"]: r for r in findings(mapping, "uncoupled_bc") if r.get("match_id")}
    chosen = [offered[i] for i in bc_ids if i in offered]
    if not chosen:
        raise RepairRefused("None of the chosen records has a match to couple to.")
    with transaction.atomic():
        made = Coupling.objects.bulk_create([
            Coupling(mapping=mapping, bc_id=uuid.UUID(r["id"]), sales_id=uuid.UUID(r["match_id"]),
                     display_name=r.get("label", "")[:250]) for r in chosen
        ], ignore_conflicts=True)
    return len(made)


def uncouple(mapping: IntegrationTableMapping, coupling_ids: list[int]) -> int:
    """Remove couplings the report found dangling (the surviving record stays)."""
    dangling = {r["coupling_id"] for r in findings(mapping, "dangling")}
    chosen = [i for i in coupling_ids if i in dangling]
    if not chosen:
        raise RepairRefused("None of the chosen couplings is dangling.")
    return runs.remove_couplings(Coupling.objects.filter(mapping=mapping, pk__in=chosen))


def resynchronize(mapping: IntegrationTableMapping, pairs: list[str], take: str,
                  started_by: str = "") -> list[SyncJob]:
    """Synchronize drifted pairs again, overwriting the other side with ``take``'s values
    ("bc" or "sales")."""
    drifted = {f"{r['bc_id']}:{r['sales_id']}" for r in findings(mapping, "drift")}
    chosen = [p.split(":") for p in pairs if p in drifted]
    if not chosen:
        raise RepairRefused("None of the chosen records has drifted.")
    direction = SyncDirection.TO_SALES if take == "bc" else SyncDirection.FROM_SALES
    return runs.start_mapping_sync(mapping, SyncMode.SELECTED, direction=direction,
                                   bc_ids=[b for b, _ in chosen], sales_ids=[s for _, s in chosen],
                                   started_by=started_by)


def delete_blank(mapping: IntegrationTableMapping, sales_ids: list[str],
                 started_by: str = "") -> SyncJob:
    """Delete blank Sales records the integration created (in the background)."""
    blank = {r["id"] for r in findings(mapping, "blank") if r.get("side") == "sales"}
    chosen = [i for i in sales_ids if i in blank]
    if not chosen:
        raise RepairRefused("None of the chosen records is a blank record in Sales.")
    return jobs.start(DELETE_BLANK_KIND, connection=mapping.connection, started_by=started_by,
                      parameters={"mapping_id": mapping.pk, "sales_ids": chosen})


def run_delete_blank(job: SyncJob) -> dict:
    """Delete each chosen row that is still blank and was created by the integration user,
    with its couplings; then check the mapping again."""
    mapping = IntegrationTableMapping.objects.get(pk=job.parameters["mapping_id"])
    clients = reconcile.Services.of(mapping.connection)
    try:
        _, sales = clients.sides(mapping)
        rows = sales.fetch(job.parameters["sales_ids"])
        doomed = [i for i, row in rows.items() if _still_blank(sales, row)]
        outcomes = sales.write([Write("delete", i) for i in doomed]) if doomed else []
        deleted = [o.id for o in outcomes if o.ok]
        Coupling.objects.filter(mapping=mapping, sales_id__in=deleted).delete()
    finally:
        clients.close()
    job.add(deleted=len(deleted), failed=len(outcomes) - len(deleted))
    reconcile.start_check(mapping.connection, [mapping.name], job.started_by)
    return {"deleted": deleted}


def _still_blank(sales, row: dict) -> bool:
    creator = str(row.get("_createdby_value") or "").lower()
    return not sales.number(row).strip() and creator in sales.integration_user_ids
