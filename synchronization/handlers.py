"""The handler table: one entry per JobKind, installed in ``SynchronizationConfig.ready()``.

NetBox's JobRunner is the model: what each kind of job runs is written down here, in one place,
instead of being registered by whichever module happens to be imported first.
"""

from __future__ import annotations

from synchronization import (
    fullsync,
    fullsync_counts,
    initial_sync,
    jobs,
    reconcile,
    reconcile_repair,
    runs,
    scheduler,
)
from synchronization.jobs import Handler
from synchronization.leadtocash import jobs as lead_to_cash
from synchronization.leadtocash import notes, statistics, status
from synchronization.models import JobKind

HANDLERS: dict[JobKind, Handler] = {
    JobKind.SYNC_MAPPING: Handler(runs.run_sync, claim=runs.claim_sync),
    JobKind.SYNC_MODIFIED: Handler(fullsync.run_modified_job),
    JobKind.FULL_SYNC: Handler(fullsync.run_full_sync_job),
    JobKind.INITIAL_SYNC: Handler(initial_sync.run_initial_sync),
    JobKind.REVIEW_COUNTS: Handler(fullsync_counts.run_count_job),
    JobKind.MATCH_COUPLING: Handler(runs.run_match),
    JobKind.DELETE_RECORDS: Handler(runs.run_delete),
    JobKind.RECONCILE: Handler(reconcile.run_check),
    JobKind.RECONCILE_DELETE_BLANK: Handler(reconcile_repair.run_delete_blank),
    JobKind.CUSTOMER_STATISTICS: Handler(statistics.customer_statistics),
    JobKind.SALES_ORDER_STATUS: Handler(status.sales_order_status),
    JobKind.SALES_ORDER_NOTES: Handler(notes.sales_order_notes),
    JobKind.CREATE_SALES_ORDERS: Handler(lead_to_cash.create_sales_orders),
    JobKind.PROCESS_SALES_QUOTES: Handler(lead_to_cash.process_sales_quotes),
    JobKind.PING: Handler(jobs.ping),
}

# Called in the worker after any job ends: the full synchronization starts its next lines, a
# scheduled entry goes to sleep or stays ready.
LISTENERS = (fullsync.job_finished, scheduler.settle_entry)
