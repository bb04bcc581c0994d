"""The Integration Table Mappings list: filters, counts, constant queries, bad input."""

import uuid

from mappings.models import Coupling, SyncResult
from synchronization.models import SyncError, SyncJob


def couple(mapping, **fields):
    return Coupling.objects.create(mapping=mapping, bc_id=uuid.uuid4(), sales_id=uuid.uuid4(),
                                   **fields)


def error(mapping, **fields):
    job = SyncJob.objects.create(kind="sync_mapping", mapping=mapping, mapping_name=mapping.name)
    return SyncError.objects.create(job=job, mapping=mapping, message="It failed.", **fields)


def test_it_lists_every_mapping_with_its_counts(admin_client, defaults):
    couple(defaults["CUSTOMER"])
    couple(defaults["CUSTOMER"], last_sales_result=SyncResult.FAILURE)
    couple(defaults["CUSTOMER"], skipped=True)
    error(defaults["CUSTOMER"])
    error(defaults["CUSTOMER"], resolved=True)
    response = admin_client.get("/mappings/")
    assert response.status_code == 200
    mappings = {m.name: m for m in response.context["mappings"]}
    assert len(mappings) == 16
    customer = mappings["CUSTOMER"]
    assert (customer.coupled_count, customer.error_count, customer.skipped_count) == (3, 1, 1)


def test_the_filter_columns_show_once_chosen_and_stay_chosen(admin_client, defaults):
    assert b"Blocked = &#x27; &#x27;" not in admin_client.get("/mappings/").content
    chosen = ["table_filter", "integration_table_filter", "coupled_count"]
    response = admin_client.post("/lists/mappings/columns/",
                                 {"columns": chosen, "next": "/mappings/?name=cust"})
    assert response.url == "/mappings/?name=cust"
    page = admin_client.get("/mappings/").content
    assert b"Blocked = &#x27; &#x27;" in page
    assert b">Integration Table</a>" not in page


def test_the_query_count_does_not_grow_with_rows(admin_client, defaults,
                                                 django_assert_max_num_queries):
    for mapping in defaults.values():
        couple(mapping)
    with django_assert_max_num_queries(12):
        response = admin_client.get("/mappings/?has_errors=false")
    assert len(response.context["mappings"]) == 16


def many_couplings(mapping, count, skipped_every=0):
    Coupling.objects.bulk_create(
        Coupling(mapping=mapping, bc_id=uuid.uuid4(), sales_id=uuid.uuid4(),
                 skipped=bool(skipped_every) and i % skipped_every == 0)
        for i in range(count))


def test_thousands_of_couplings_cost_no_more_queries_than_one(admin_client, defaults,
                                                             django_assert_num_queries):
    couple(defaults["CUSTOMER"])
    error(defaults["CUSTOMER"])
    # The session and user, the connection, the user's columns, the filter choices, the count
    # for the pages and the page itself: none of them depends on the number of couplings.
    with django_assert_num_queries(11) as one:
        admin_client.get("/mappings/")
    many_couplings(defaults["CUSTOMER"], 2999, skipped_every=3)
    many_couplings(defaults["ITEM-PRODUCT"], 1500)
    error(defaults["ITEM-PRODUCT"])
    error(defaults["ITEM-PRODUCT"], resolved=True)
    with django_assert_num_queries(len(one.captured_queries)):
        response = admin_client.get("/mappings/")
    counts = {m.name: (m.coupled_count, m.error_count, m.skipped_count)
              for m in response.context["mappings"]}
    assert counts["CUSTOMER"] == (3000, 1, 1000)
    assert counts["ITEM-PRODUCT"] == (1500, 1, 0)
    assert counts["CURRENCY"] == (0, 0, 0)
    assert b'state=skipped"><span class="badge warning">1000</span>' in response.content


def test_it_filters_by_name_direction_tables_and_schedule(admin_client, defaults):
    def names(query):
        return {m.name for m in admin_client.get(f"/mappings/?{query}").context["mappings"]}

    assert names("name=product") == {"ITEM-PRODUCT", "RESOURCE-PRODUCT"}
    assert names("direction=FromIntegrationTable") == {"SALESPEOPLE"}
    assert names("sales_entity=account") == {"CUSTOMER", "PAYMENT TERMS", "SHIPMENT METHOD",
                                             "SHIPPING AGENT"}
    assert names("bc_table=Item") == {"ITEM-PRODUCT"}
    assert names("scheduled=false") == {"POSTEDSALESLINE-INV", "OPPORTUNITY"}


def test_it_filters_mappings_with_errors_or_skipped_records(admin_client, defaults):
    error(defaults["CONTACT"])  # also records that failed before they were ever coupled
    couple(defaults["CURRENCY"], skipped=True)
    errors = admin_client.get("/mappings/?has_errors=true").context["mappings"]
    skipped = admin_client.get("/mappings/?has_skipped=true").context["mappings"]
    assert [m.name for m in errors] == ["CONTACT"]
    assert [m.name for m in skipped] == ["CURRENCY"]


def test_bad_filter_values_are_reported_not_500(admin_client, defaults):
    response = admin_client.get("/mappings/?direction=Sideways&bc_table=Nope&has_errors=maybe")
    assert response.status_code == 200
    assert "direction" in response.context["filterset"].errors


def test_viewers_see_the_list_without_change_actions(viewer_client, defaults):
    response = viewer_client.get("/mappings/")
    assert response.status_code == 200
    assert b"Use Default Synchronization Setup" not in response.content


def test_without_a_connection_it_explains_what_to_do(admin_client, db):
    response = admin_client.get("/mappings/")
    assert response.status_code == 200
    assert b"No connection is set up yet" in response.content


def test_every_mapping_offers_the_synchronization_actions(admin_client, defaults):
    response = admin_client.get("/mappings/")
    assert response.context["sync_url"] == "/sync/start/"
    assert b"Synchronize Now" in response.content


def test_the_cells_and_the_csv_say_the_schedule_and_the_last_synchronization(admin_client,
                                                                          defaults):
    customer = defaults["CUSTOMER"]
    customer.job_queue_entry.enabled = False
    customer.job_queue_entry.save()
    page = admin_client.get("/mappings/").content.decode()
    assert "every 30 min" in page and '<span class="badge off">Off</span>' in page
    assert f'<a href="/mappings/{customer.pk}/"><strong>CUSTOMER</strong></a>' in page
    csv = admin_client.get("/mappings/?export=csv").getvalue().decode()
    rows = csv.splitlines()
    customer_row = next(row for row in rows if row.startswith("CUSTOMER,"))
    assert customer_row.endswith(",0,0,0,Never,Off")
    assert any(row.endswith(",Never,every 30 min") for row in rows)
