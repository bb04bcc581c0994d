"""What the fault, crash and two-worker tests share (no tests here): running mappings through
workers and checking that what the sandbox holds agrees with the couplings."""

from collections import Counter

from django.db import transaction

from mappings.models import Coupling
from synchronization import runs
from synchronization.models import ACTIVE_STATUSES, SyncError, SyncJob, SyncMode
from tests.fixtures.worker import wait_for
from tests.synchronization.engine_support import mapping

CUSTOMER_DEPENDENCIES = ("SALESPEOPLE", "CURRENCY", "PAYMENT TERMS", "SHIPMENT METHOD",
                         "SHIPPING AGENT")


def start(connection, name: str, mode: str = SyncMode.ALL, direction: str | None = None
          ) -> list[SyncJob]:
    with transaction.atomic():
        return runs.start_mapping_sync(mapping(connection, name), mode, direction=direction,
                                       ignore_synch_only_coupled=True)


def ended(jobs: list[SyncJob]) -> list[SyncJob] | None:
    rows = list(SyncJob.objects.filter(pk__in=[j.pk for j in jobs]).order_by("pk"))
    return rows if all(j.status not in ACTIVE_STATUSES for j in rows) else None


def run_through_worker(connection, name: str, timeout: float = 60, **options) -> list[SyncJob]:
    """Start a mapping's jobs and wait until a worker ended them all."""
    jobs = start(connection, name, **options)
    return wait_for(lambda: ended(jobs), timeout)


def presync(connection, names=CUSTOMER_DEPENDENCIES) -> None:
    """Synchronize what CUSTOMER looks up, so its owners and option codes resolve."""
    for name in names:
        run_through_worker(connection, name)


def unblocked_customers(sandbox) -> dict[str, dict]:
    rows = sandbox.records("business_central", "customers")["records"]
    return {row["id"].lower(): row for row in rows if row.get("blocked", " ") == " "}


def accounts(sandbox) -> dict[str, dict]:
    rows = sandbox.records("dataverse", "account")["records"]
    return {row["accountid"].lower(): row for row in rows}


def duplicated(values) -> list:
    return [value for value, count in Counter(values).items() if count > 1]


def assert_nothing_lost(target, source_ids: set[str], key: str = "bc_id") -> None:
    """Every source record is coupled, or has an error row saying why not."""
    coupled = {str(i).lower() for i in Coupling.objects.filter(mapping=target)
               .values_list(key, flat=True)}
    errored = {str(i).lower() for i in SyncError.objects.filter(mapping=target)
               .values_list("source_id", flat=True)}
    missing = source_ids - coupled - errored
    assert not missing, f"{len(missing)} source records neither coupled nor in error"


def assert_couplings_consistent(target, destination_ids: set[str],
                                destination: str = "sales_id") -> None:
    """One coupling per record on each side, each pointing at a record that exists."""
    rows = list(Coupling.objects.filter(mapping=target).values_list("bc_id", "sales_id"))
    assert not duplicated(str(bc) for bc, _ in rows), "a BC record is coupled twice"
    assert not duplicated(str(sales) for _, sales in rows), "a Sales record is coupled twice"
    pointed = {str(bc if destination == "bc_id" else sales).lower() for bc, sales in rows}
    dangling = pointed - destination_ids
    assert not dangling, f"{len(dangling)} couplings point at records that do not exist"
