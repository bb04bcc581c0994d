"""The fingerprint a coupling keeps of the values its Sales row holds (synchronization.
conditional): which columns an update sends without reading the row."""

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from mappings.models import Coupling
from synchronization.conditional import (
    MAX_ROUNDS,
    _text,
    changed_columns,
    fingerprint,
    judge_unread,
    reset_for_read,
    stale,
)
from synchronization.plans import Action, Plan

BODY = {"name": "Adatum", "telephone1": "555-0100", "creditlimit": 1000,
        "ownerid@odata.bind": "/systemusers(3F2504E0-4F89-11D3-9A0C-0305E82C3301)"}


def plan_for(etag: str = 'W/"7"', stored: str = fingerprint(BODY)) -> Plan:
    coupling = Coupling(sales_etag=etag, sales_fingerprint=stored)
    return Plan({}, "bc-1", Action.UPDATE, coupling, "sales-1")


def test_only_the_columns_whose_value_changed_are_sent():
    changed = {**BODY, "telephone1": "555-0199"}
    assert changed_columns(changed, fingerprint(BODY)) == {"telephone1": "555-0199"}


def test_values_alike_for_synchronization_are_not_changes():
    alike = {**BODY, "creditlimit": 1000.0,
             "ownerid@odata.bind": "/systemusers(3f2504e0-4f89-11d3-9a0c-0305e82c3301)"}
    assert changed_columns(alike, fingerprint(BODY)) == {}


def test_a_column_the_fingerprint_does_not_know_is_sent():
    assert changed_columns({**BODY, "fax": ""}, fingerprint(BODY)) == {"fax": ""}


def test_an_update_with_changes_is_conditional_on_the_stored_etag():
    plan = plan_for()
    assert judge_unread(plan, {**BODY, "name": "Adatum Corp."})
    assert plan.body == {"name": "Adatum Corp."} and plan.if_match == 'W/"7"'
    assert plan.fingerprint == fingerprint({**BODY, "name": "Adatum Corp."})


def test_without_a_stored_state_or_with_nothing_to_change_the_row_is_read():
    assert not judge_unread(plan_for(etag=""), {**BODY, "name": "x"})
    assert not judge_unread(plan_for(stored=""), {**BODY, "name": "x"})
    assert not judge_unread(plan_for(), dict(BODY))


def test_a_refused_update_is_judged_again_a_bounded_number_of_times():
    plan = plan_for()
    judge_unread(plan, {**BODY, "name": "x"})
    assert stale(plan, 412) and stale(plan, 404) and not stale(plan, 400)
    for _ in range(MAX_ROUNDS - 1):
        assert reset_for_read(plan) and plan.if_match == "" and plan.action == Action.UPDATE
    assert not reset_for_read(plan) and plan.action == Action.FAIL


@settings(max_examples=300)
@given(key=st.text(), value=st.one_of(
    st.none(), st.booleans(), st.floats(), st.text(), st.integers(),
    st.lists(st.text(), max_size=2), st.dictionaries(st.text(), st.integers(), max_size=2)))
def test_a_column_hash_is_that_of_its_json_text_whatever_the_value(key, value):
    """The column text is written directly for plain values; stored fingerprints depend on it
    staying exactly json.dumps' text."""
    assert _text(key, value) == json.dumps([key, value], sort_keys=True, default=str)


def test_true_and_one_are_different_values():
    assert changed_columns({"donotemail": 1.0}, fingerprint({"donotemail": True})) == {
        "donotemail": 1.0}
    assert changed_columns({"donotemail": True}, fingerprint({"donotemail": 1})) == {
        "donotemail": True}
