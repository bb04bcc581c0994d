"""A run to Sales reads of each Business Central record only the fields it uses ($select), and
the records it writes are the same as from whole records: read back through both APIs and the
reconciliation check."""

import inspect

import pytest

from mappings.models import IntegrationTableMapping
from synchronization import rules
from synchronization.models import SyncDirection
from synchronization.rules import catalog, invoices
from synchronization.sides import BcSide
from tests.synchronization.engine_support import bc, full, mapping
from tests.synchronization.reconcile_support import assert_reconciles_clean
from tests.synchronization.test_faults_support import CUSTOMER_DEPENDENCIES

HOOKS = ("ignore", "match", "adjust", "after_page")


def test_a_full_sync_of_customers_reads_a_fraction_of_each_record_and_leaves_no_drift(
        synced_connection, sandbox_clean):
    sandbox_clean.reset(customers=300)
    for name in CUSTOMER_DEPENDENCIES:
        full(mapping(synced_connection, name))
    sandbox_clean.reset_counters()

    (job,) = full(mapping(synced_connection, "CUSTOMER"), direction=SyncDirection.TO_SALES)

    read = sandbox_clean.counters()["business_central"]["response_bytes"]
    sandbox_clean.reset_counters()
    whole = list(bc(synced_connection).query_pages("customers", page_size=5000))
    assert sum(map(len, whole)) > 300
    whole_bytes = sandbox_clean.counters()["business_central"]["response_bytes"]
    # The run also read the card page fields of every customer (about a quarter more than the
    # whole customers here), and still read less than the customers alone, whole: about 0.8.
    assert read < whole_bytes * 0.9, (read, whole_bytes)
    assert job.inserted > 300 and job.failed < 10
    assert_reconciles_clean("CUSTOMER")


def every_rule_set() -> list[type]:
    modules = (rules, catalog, invoices)
    return [cls for module in modules for _, cls in inspect.getmembers(module, inspect.isclass)
            if issubclass(cls, rules.TableRules) and cls is not rules.TableRules]


def test_every_rule_set_with_a_hook_says_which_source_fields_it_reads():
    found = every_rule_set()
    assert len(found) >= 10
    for cls in found:
        own_hooks = [hook for hook in HOOKS if hook in vars(cls)]
        if own_hooks:
            assert "reads_bc_fields" in vars(cls), (cls.__name__, own_hooks)


class PageRecorder:
    """A client that records what a read asks for and answers with no record."""

    def __init__(self) -> None:
        self.options: dict = {}

    def query_pages(self, entity, **options):
        self.options = options
        return iter([])


def selected(connection, fields) -> list[str] | None:
    client = PageRecorder()
    side = BcSide(IntegrationTableMapping.objects.get(connection=connection, name="CUSTOMER"),
                  client)  # type: ignore[arg-type]
    list(side.read_pages(None, fields=fields))
    return client.options["select"]


@pytest.mark.django_db
def test_a_read_asks_for_the_fields_given_and_what_bookkeeping_needs(synced_connection):
    assert selected(synced_connection, {"phoneNumber"}) == [
        "displayName", "id", "lastModifiedDateTime", "number", "phoneNumber"]
    # Card page fields come from the card page; the API would refuse them.
    assert selected(synced_connection, {"primaryContactNumber"}) == [
        "displayName", "id", "lastModifiedDateTime", "number"]


@pytest.mark.django_db
def test_a_field_the_api_is_not_known_to_have_reads_whole_records(synced_connection):
    assert selected(synced_connection, {"displayName", "someExtensionField"}) is None
    assert selected(synced_connection, None) is None
