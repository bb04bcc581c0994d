"""Field names with spaces, parentheses and brackets in the friendly Table Filter form."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mappings import catalogues
from mappings.filters import (
    BcCompare,
    FieldFilter,
    FilterError,
    TableFilter,
    bind,
    format_friendly,
    format_view,
    parse_friendly,
    parse_table_filter,
    parse_view,
    translate,
)
from mappings.filters.tables import friendly_name

CUSTOMER = catalogues.business_central("Customer")


def test_a_name_with_parentheses_is_followed_directly_by_an_operator():
    parsed = parse_table_filter("Balance (LCY)>0")
    assert [item.field for item in parsed.fields] == ["Balance (LCY)"]
    assert parsed.fields[0].expr == BcCompare(">", parsed.fields[0].expr.value)


def test_balance_lcy_greater_than_zero_binds_to_the_customer_balance():
    bound = bind(parse_table_filter("Balance (LCY)>0", CUSTOMER), CUSTOMER)
    assert bound.fields[0].spec.name == "balanceDue"
    assert bound.matches({"balanceDue": 12.5}) and not bound.matches({"balanceDue": 0})
    assert translate(bound).filter_text == "balanceDue gt 0"


@pytest.mark.parametrize("text", ["Balance (LCY): >0", "Balance (LCY) > 0", '"Balance (LCY)">0',
                                  "Balance (LCY) >0\nBlocked = ' '"])
def test_every_way_of_writing_the_balance_filter_reads_the_same(text):
    parsed = parse_table_filter(text, CUSTOMER)
    assert parsed.fields[0].field == "Balance (LCY)"
    assert bind(parsed, CUSTOMER).fields[0].expr == BcCompare(">", Decimal(0))


def test_brackets_and_spaces_in_names_read_back_from_the_canonical_text():
    table = TableFilter((FieldFilter("Amount [LCY]", BcCompare(">", Decimal(1))),
                         FieldFilter("Balance (LCY)", BcCompare("<>", Decimal(0)))))
    text = format_friendly(table)
    assert text == "Amount [LCY]: >1\nBalance (LCY): <>0"
    assert [item.field for item in parse_friendly(text).fields] == ["Amount [LCY]",
                                                                    "Balance (LCY)"]
    assert [item.field for item in parse_view(format_view(table)).fields] == [
        "Amount [LCY]", "Balance (LCY)"]


def test_a_name_holding_a_colon_or_an_operator_is_quoted():
    assert friendly_name("Ratio: a/b") == '"Ratio: a/b"'
    assert friendly_name("A<B") == '"A<B"'
    assert friendly_name("Balance (LCY)") == "Balance (LCY)"
    parsed = parse_friendly(format_friendly(TableFilter((FieldFilter(
        "Ratio: a/b", BcCompare("=", Decimal(1))),))))
    assert parsed.fields[0].field == "Ratio: a/b"


def test_an_unknown_name_with_parentheses_is_reported_as_unknown():
    with pytest.raises(FilterError, match=r"unknown field 'Balance \(EUR\)'"):
        bind(parse_table_filter("Balance (EUR)>0", CUSTOMER), CUSTOMER)


def test_a_comment_after_a_value_is_still_a_comment():
    parsed = parse_table_filter("Blocked = ' ' (not blocked), Balance (LCY)>0", CUSTOMER)
    assert [item.field for item in parsed.fields] == ["Blocked", "Balance (LCY)"]


names = st.text(alphabet="ab ()[].:=<>|&',;@*", min_size=1, max_size=6).filter(
    lambda name: name.strip() and not name.startswith(" ") and not name.endswith(" "))


@given(st.lists(st.tuples(names, st.sampled_from([">0", "''", "1..2|5", "@*x*"])), max_size=3,
                unique_by=lambda item: item[0].casefold()))
def test_any_field_name_reads_back_from_the_canonical_text(items):
    table = TableFilter(tuple(FieldFilter(name, parse_friendly(f"x: {expr}").fields[0].expr)
                              for name, expr in items))
    assert parse_friendly(format_friendly(table)) == table
