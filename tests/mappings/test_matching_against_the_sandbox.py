"""Match-based coupling and preview against the sandbox demo data, over real HTTPS."""

import pytest

from mappings import remote
from mappings.matching import MatchField, MatchOptions, run_match_based_coupling
from mappings.sales_filters import sales_filter
from tests.mappings.sandbox_clients import connect_to_sandbox


@pytest.fixture
def live(connection, sandbox_clean):
    connect_to_sandbox(connection, sandbox_clean)
    return sandbox_clean


def test_name_matching_customers_couple_and_the_rest_report_no_match(defaults, live):
    customer = defaults["CUSTOMER"]
    log = run_match_based_coupling(customer, MatchOptions(
        (MatchField("displayName", "name"),)))
    outcomes = {line.name: line.outcome for line in log.lines}
    for name in ("Adatum Corporation", "Trey Research", "Alpine Ski House", "Relecloud"):
        assert outcomes.get(name) == "Matched", (name, outcomes)
    assert outcomes.get("School of Fine Art") == "No match"
    assert customer.couplings.count() == log.counts["Matched"]
    again = run_match_based_coupling(customer, MatchOptions((MatchField("displayName", "name"),)))
    assert again.counts["Matched"] == 0
    assert again.counts["Already coupled"] == log.counts["Matched"]


def test_preview_counts_both_sides(defaults, live):
    customer = defaults["CUSTOMER"]
    bc = remote.preview_bc(customer, customer.bc_translation())
    compiled = sales_filter(customer.integration_table_filter, "bc",
                            remote.sales_catalogue(customer))
    sales = remote.preview_sales(customer, compiled)
    assert not bc.error and not sales.error, (bc.error, sales.error)
    assert bc.count >= 5 and bc.sample
    assert sales.count >= 4 and "customertypecode eq 3" in sales.filter_text


def test_odata_page_tables_are_read_too(defaults, live):
    resources = list(remote.bc_records(defaults["RESOURCE-PRODUCT"]))
    assert resources and all(row["id"] for row in resources)
