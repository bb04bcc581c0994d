"""Records that fail, end to end against the sandbox: one open error per failing record, a count
that drills down to exactly those records, a Retry for each of them, and error rows that carry
the failing request and its correlation id."""

import pytest

from mappings.filtersets import mapping_queryset
from mappings.models import OptionMapping
from synchronization.models import ErrorKind, SyncDirection, SyncError
from tests.synchronization.engine_support import bc, full, integration_dataverse, mapping
from tests.synchronization.test_full_sync_support import InlineQueue, install_inline_queue

pytestmark = pytest.mark.django_db(transaction=True)
# An option mapping edited to a value Sales' payment terms choice does not have: Sales refuses
# every account written with that code (0x8004431a, outside the valid range).
NO_SUCH_OPTION = 999_999


@pytest.fixture
def queue(monkeypatch) -> InlineQueue:
    return install_inline_queue(monkeypatch)


def open_errors(customer):
    return SyncError.objects.filter(mapping=customer, resolved=False, kind=ErrorKind.ERROR)


@pytest.fixture
def failing(synced_connection, queue):
    """CUSTOMER synchronized, then a coupled customer and a new one that Sales refuses (twice:
    a scheduled run would try them again and again)."""
    client = bc(synced_connection)
    # A payment terms code no customer uses yet, synchronized to a Sales option of its own.
    client.create("paymentTerms", {"code": "TRBL", "displayName": "Trouble terms"})
    for name in ("SALESPEOPLE", "CURRENCY", "PAYMENT TERMS"):
        full(mapping(synced_connection, name))
    customer = mapping(synced_connection, "CUSTOMER")
    (first,) = full(customer, direction=SyncDirection.TO_SALES)
    # Demo customers whose salesperson has no Sales user fail already; they stay failing.
    already = set(open_errors(customer).values_list("source_id", flat=True))
    assert len(already) == first.failed
    option = OptionMapping.objects.get(mapping__connection=synced_connection,
                                       mapping__name="PAYMENT TERMS", bc_code="TRBL")
    coupled = customer.couplings.filter(last_sales_result="success").first()
    new = client.create("customers", {"displayName": "Option Trouble Ltd."})
    for bc_id in (str(coupled.bc_id), new["id"]):
        number = client.get("customers", bc_id)["number"]
        client.odata_update("Customer", {"No": number}, {"Payment_Terms_Code": option.bc_code})
    good_value = option.option_value
    OptionMapping.objects.filter(pk=option.pk).update(option_value=NO_SUCH_OPTION)
    for _ in range(2):
        (job,) = full(customer, direction=SyncDirection.TO_SALES)
        assert job.failed == len(already) + 2, list(job.errors.values_list("message", flat=True))
    return customer, str(coupled.bc_id), new["id"].lower(), already, (option, good_value)




def test_the_errors_count_is_the_records_failing_now_and_drills_down_to_them(
        failing, admin_client):
    customer, coupled_id, new_id, already, _ = failing
    failing_now = {coupled_id, new_id, *already}
    # Three runs wrote an error row per failing record each time.
    assert SyncError.objects.filter(mapping=customer).count() == 3 * len(already) + 4
    counted = mapping_queryset(customer.connection).get(pk=customer.pk).error_count
    assert counted == len(failing_now)
    listing = admin_client.get("/mappings/").content.decode()
    link = "/sync/errors/?mapping=CUSTOMER&amp;state=open"
    assert f'<a href="{link}" title="Records of CUSTOMER failing now">' \
           f'<span class="badge error">{counted}</span></a>' in listing
    drilled = admin_client.get(link.replace("&amp;", "&"))
    assert sorted(e.source_id for e in drilled.context["errors"]) == sorted(failing_now)


def test_every_failed_write_records_its_request_and_correlation_id(failing, admin_client):
    customer, coupled_id, new_id, _, _ = failing
    for error in SyncError.objects.filter(mapping=customer, source_id__in=[coupled_id, new_id]):
        assert error.request.startswith(f"PATCH accounts({error.destination_id})"), error.request
        assert "?" not in error.request and "Bearer" not in error.request
        assert len(error.correlation_id) == 36, error.correlation_id
    # The correlation id is in the Code column, which a user adds with the column chooser.
    admin_client.post("/lists/errors/columns/", {"columns": ["mapping", "record", "message",
                                                              "error_code"]})
    page = admin_client.get("/sync/errors/?mapping=CUSTOMER&state=open").content.decode()
    shown = open_errors(customer).get(source_id=new_id)
    assert shown.correlation_id in page and f"PATCH accounts({shown.destination_id})" in page


def test_retry_from_the_errors_page_synchronizes_both_once_the_cause_is_fixed(
        failing, admin_client, queue, synced_connection):
    customer, coupled_id, new_id, already, (option, good_value) = failing
    client = bc(synced_connection)
    OptionMapping.objects.filter(pk=option.pk).update(option_value=good_value)  # the fix
    queue.ids.clear()  # the setup's runs ran in this process already
    chosen = [e.pk for e in open_errors(customer).filter(source_id__in=[coupled_id, new_id])]
    confirm = admin_client.post("/sync/errors/retry/", {"error": chosen})
    assert "2 records</strong> will be synchronized again" in confirm.content.decode()
    assert not queue.ids  # nothing starts before the confirmation
    admin_client.post("/sync/errors/retry/", {"error": chosen, "confirm": "on"})
    (job,) = queue.drain()
    assert (job.direction, job.mode, job.failed) == (SyncDirection.TO_SALES, "selected", 0)
    sales = integration_dataverse(synced_connection)
    for bc_id in (coupled_id, new_id):
        coupling = customer.couplings.get(bc_id=bc_id)
        account = sales.get("accounts", str(coupling.sales_id))
        assert account["paymenttermscode"] == good_value
        number = client.get("customers", bc_id)["number"]
        card = next(client.odata_query("Customer", filter=f"No eq '{number}'"))
        assert card["Payment_Terms_Code"] == option.bc_code
        assert account["name"] == client.get("customers", bc_id)["displayName"]
        assert not coupling.skipped
    assert set(open_errors(customer).values_list("source_id", flat=True)) == already
    assert mapping_queryset(synced_connection).get(pk=customer.pk).error_count == len(already)
