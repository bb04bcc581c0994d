"""Run Full Synchronization from the assisted setup: couple first, then synchronize.

The setup's recommendation for a table with records on both sides is **Couple Records**
(bc-integration.md 3.3): synchronizing it as it is would create every record a second time. So
before the full synchronization starts, each such mapping is coupled on its match fields
(:mod:`synchronization.match_fields`, as match-based coupling does), and the job says how many
records each mapping coupled and on which fields; records with several matches are left
uncoupled and the engine will not create them either. Then the full synchronization run starts.
"""

from __future__ import annotations

import uuid

from connection.models import ConnectionSetup
from mappings.models import Coupling, IntegrationTableMapping
from synchronization import fullsync, fullsync_review, jobs, recommendations, rules
from synchronization.match_fields import FieldMatcher
from synchronization.models import JobKind, SyncDirection, SyncJob
from synchronization.reconcile import Services

INITIAL_SYNC_KIND = JobKind.INITIAL_SYNC


def couple_first(connection: ConnectionSetup, mapping: IntegrationTableMapping,
                 clients: Services) -> dict:
    """Couple the mapping's uncoupled BC records to the one uncoupled Sales record each matches
    on the match fields; returns the counts and the fields used."""
    bc, sales = clients.sides(mapping)
    matcher = FieldMatcher(mapping, True, bc, sales,
                           rules.for_mapping(mapping, SyncDirection.TO_SALES, bc, sales))
    coupled_bc = {str(i) for i in Coupling.objects.filter(mapping=mapping)
                  .values_list("bc_id", flat=True)}
    made, several = [], 0
    for page in bc.read_pages(None):
        uncoupled = [r for r in page if bc.record_id(r) not in coupled_bc]
        found, ambiguous = matcher.match(uncoupled)
        several += len(ambiguous)
        labels = {bc.record_id(r): bc.label(r) for r in uncoupled}
        made += [Coupling(mapping=mapping, bc_id=uuid.UUID(b), sales_id=uuid.UUID(s),
                          display_name=labels.get(b, "")[:250]) for b, s in found.items()]
    created = Coupling.objects.bulk_create(_one_per_sales_id(made), ignore_conflicts=True)
    return {"match_fields": matcher.key.caption, "coupled": len(created), "several": several}


def _one_per_sales_id(couplings: list[Coupling]) -> list[Coupling]:
    seen: set[uuid.UUID] = set()
    kept = []
    for coupling in couplings:
        if coupling.sales_id not in seen:
            seen.add(coupling.sales_id)
            kept.append(coupling)
    return kept


def run_initial_sync(job: SyncJob) -> dict:
    """Couple the Couple Records mappings on their match fields, then start the full sync."""
    connection = jobs.connection_of(job)
    counts = fullsync_review.compute_counts(connection)
    to_couple = [m for m in IntegrationTableMapping.objects.filter(connection=connection)
                 .order_by("position") if counts.get(m.name, {}).get("recommendation")
                 == recommendations.COUPLE]
    clients = Services.of(connection)
    try:
        coupled = {m.name: couple_first(connection, m, clients) for m in to_couple}
    finally:
        clients.close()
    started_by = job.started_by or "Assisted setup"
    run = fullsync.start_run(connection, started_by, counts=counts)
    job.message = _summary(coupled, run.pk)
    job.add(modified=sum(c["coupled"] for c in coupled.values()))
    return {"coupled": coupled, "full_sync_run": run.pk, "counts": counts}


def _summary(coupled: dict[str, dict], run_id: int) -> str:
    parts = [f"{name}: {c['coupled']} coupled on {c['match_fields']}"
             + (f", {c['several']} with several matches left uncoupled" if c["several"] else "")
             for name, c in coupled.items()]
    done = "; ".join(parts) if parts else "No table had records on both sides"
    return f"Couple Records before synchronizing: {done}. Full synchronization run #{run_id} " \
           "started."
