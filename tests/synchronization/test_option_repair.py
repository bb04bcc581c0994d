"""Repairing what the old engine did with option mappings: blank accounts coupled to codes."""

import uuid
from io import StringIO

import pytest
from django.core.management import call_command

from connection import services
from connection.clients.errors import NotFound
from mappings.models import Coupling, OptionMapping
from synchronization import jobs
from synchronization.options import repair_blank_accounts
from tests.connection.pool_support import add_pool_identities
from tests.synchronization.engine_support import admin_dataverse, integration_dataverse, mapping
from tests.synchronization.reconcile_support import (
    OPTION_SETS,
    assert_reconciles_clean,
    bc_codes,
    mapping_report,
    reconcile_json,
)

pytestmark = pytest.mark.django_db(transaction=True)


def couple(option_mapping, sales_id: str, code: str) -> Coupling:
    return Coupling.objects.create(mapping=option_mapping, bc_id=uuid.uuid4(), sales_id=sales_id,
                                   bc_number=code)


def exists(client, account_id: str) -> bool:
    try:
        client.get("accounts", account_id, select=["name"])
    except NotFound:
        return False
    return True


def test_the_repair_deletes_the_blank_accounts_the_integration_made_and_runs_the_options(
        synced_connection, sandbox_clean):
    terms = mapping(synced_connection, "PAYMENT TERMS")
    ours = integration_dataverse(synced_connection)
    # The broken state, made as the old engine made it: blank accounts by the integration user.
    blank = [ours.create("accounts", {}) for _ in range(2)]
    named = ours.create("accounts", {"name": "Named by the integration"})
    by_a_person = admin_dataverse(synced_connection, sandbox_clean.credentials).create(
        "accounts", {})
    for index, account in enumerate([*blank, named, by_a_person]):
        couple(terms, account, f"CODE{index}")
    customer = Coupling.objects.create(mapping=mapping(synced_connection, "CUSTOMER"),
                                       bc_id=uuid.uuid4(), sales_id=blank[0])

    report = repair_blank_accounts(synced_connection)
    for job_id in report.option_jobs:
        jobs.run(job_id)

    assert sorted(report.deleted_accounts) == sorted(blank)
    assert sorted(report.kept_accounts) == sorted([named, by_a_person])
    assert [exists(ours, a) for a in [*blank, named, by_a_person]] == [False, False, True, True]
    assert not Coupling.objects.filter(mapping__in=[terms]).exists()
    assert not Coupling.objects.filter(pk=customer.pk).exists()  # it pointed at a deleted row
    assert report.removed_couplings == 5
    assert OptionMapping.objects.filter(mapping=terms).count() == 7
    assert OptionMapping.objects.filter(mapping__name="SHIPPING AGENT").count() == 4


def test_the_repair_also_deletes_blank_accounts_an_additional_application_user_made(
        synced_connection, sandbox_clean):
    [identity] = add_pool_identities(synced_connection, sandbox_clean.credentials, count=1)
    theirs = services.dataverse_client(
        synced_connection, tokens=services.identity_credential(synced_connection, identity))
    blank = theirs.create("accounts", {})
    couple(mapping(synced_connection, "PAYMENT TERMS"), blank, "CODE0")

    report = repair_blank_accounts(synced_connection)

    assert report.deleted_accounts == [blank] and not report.kept_accounts
    assert not exists(theirs, blank)


def test_the_option_check_finds_a_blank_account_an_additional_application_user_made(
        synced_connection, sandbox_clean):
    [identity] = add_pool_identities(synced_connection, sandbox_clean.credentials, count=1)
    theirs = services.dataverse_client(
        synced_connection, tokens=services.identity_credential(synced_connection, identity))
    blank = theirs.create("accounts", {})

    status, report = reconcile_json("--mapping", "PAYMENT TERMS")

    terms = mapping_report(report, "PAYMENT TERMS")
    assert status == 1 and terms["counts"]["blank"] == 1
    assert terms["findings"]["blank"][0]["id"] == str(blank).lower()


def test_reconcile_repair_blanks_leaves_a_clean_state_with_the_codes_as_option_values(
        synced_connection, sandbox_clean):
    names = list(OPTION_SETS)
    ours = integration_dataverse(synced_connection)
    # The old state: each BC code of each option mapping synchronized as a blank account made
    # by the integration user, and coupled to it.
    blank = []
    for name in names:
        option_mapping = mapping(synced_connection, name)
        for code in sorted(bc_codes(synced_connection, name)):
            blank.append(ours.create("accounts", {}))
            couple(option_mapping, blank[-1], code)
    status, before = reconcile_json(*[a for n in names for a in ("--mapping", n)])
    assert status == 1 and before["problems"] > 0

    out = StringIO()
    call_command("reconcile", "--repair", "blanks", *[a for n in names
                                                     for a in ("--mapping", n)], stdout=out)
    assert f"deleted {len(blank)}" in out.getvalue() and "OK" in out.getvalue()

    assert_reconciles_clean(*names)
    assert not any(exists(ours, a) for a in blank)
    for name, (column, count) in OPTION_SETS.items():
        labels = {label.casefold() for label in ours.choice_labels("account", column)}
        codes = bc_codes(synced_connection, name)
        assert len(codes) == count and {c.casefold() for c in codes} <= labels
        assert OptionMapping.objects.filter(mapping__name=name).count() == count
    assert not Coupling.objects.filter(mapping__name__in=names).exists()
    nameless = [r for r in ours.query("accounts", select=["name"]) if not r.get("name")]
    assert nameless == []
