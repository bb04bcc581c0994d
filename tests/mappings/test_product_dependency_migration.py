"""Existing connections' posted sales invoices and sales orders wait for the product mappings
after the upgrade, where their Dependency Filter is still BC's default; a filter an
administrator changed stays as it is, and the migration can be undone."""

from __future__ import annotations

import pytest

from tests.migration_support import latest, migrate

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = ("mappings", "0006_job_queue_entry_moves_to_synchronization")
WITH_PRODUCTS = "OPPORTUNITY|ITEM-PRODUCT|RESOURCE-PRODUCT"



def before():
    return [leaf for leaf in latest() if leaf[0] != "mappings"] + [BEFORE]


def filters(apps) -> dict[str, str]:
    model = apps.get_model("mappings", "IntegrationTableMapping")
    return dict(model.objects.values_list("name", "dependency_filter"))


def test_default_filters_gain_the_product_mappings_and_lose_them_when_undone():
    apps = migrate(before())
    try:
        setup = apps.get_model("connection", "ConnectionSetup").objects.create(name="Upgraded")
        model = apps.get_model("mappings", "IntegrationTableMapping")
        for name, dependencies in [("POSTEDSALESINV-INV", "OPPORTUNITY"),
                                   ("SALESORDER-ORDER", "OPPORTUNITY|CUSTOMER"),
                                   ("CONTACT", "CUSTOMER|VENDOR")]:
            model.objects.create(connection=setup, name=name, bc_table="T", bc_entity="e",
                                 sales_entity="s", sales_entity_set="ss",
                                 dependency_filter=dependencies)
        upgraded = filters(migrate(latest()))
        assert upgraded == {"POSTEDSALESINV-INV": WITH_PRODUCTS,
                            "SALESORDER-ORDER": "OPPORTUNITY|CUSTOMER",
                            "CONTACT": "CUSTOMER|VENDOR"}
        assert filters(migrate(before()))["POSTEDSALESINV-INV"] == "OPPORTUNITY"
    finally:
        migrate(latest())
