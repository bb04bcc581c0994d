"""OData $filter parsing and evaluation, BC restrictions, translation and Dataverse rows."""

from datetime import UTC, date, datetime
from decimal import Decimal
from uuid import UUID

import pytest

from mappings.filters import (
    Condition,
    Dialect,
    FilterError,
    ODataAnd,
    ODataCompare,
    ODataFunction,
    ODataNot,
    ODataOr,
    bind,
    build_filter,
    business_central_problems,
    format_odata,
    matches,
    parse_dataverse_filter,
    parse_odata,
    parse_table_filter,
    split_for_business_central,
    translate,
)

from .filter_catalogues import ACCOUNT, CUSTOMER

BC, DV = Dialect.BUSINESS_CENTRAL, Dialect.DATAVERSE


def bc_translation(text, dialect=BC):
    return translate(bind(parse_table_filter(text), CUSTOMER), dialect)


# --- parsing and formatting --------------------------------------------------------------------

@pytest.mark.parametrize(("text", "value"), [
    ("x eq 'it''s'", "it's"),
    ("x eq 42", 42),
    ("x eq -1.50", Decimal("-1.50")),
    ("x eq true", True),
    ("x eq null", None),
    ("x eq 6f9619ff-8b86-d011-b42d-00c04fc964ff", UUID("6f9619ff-8b86-d011-b42d-00c04fc964ff")),
    ("x eq 2024-01-31", date(2024, 1, 31)),
    ("x eq 2024-01-31T10:00:00Z", datetime(2024, 1, 31, 10, tzinfo=UTC)),
    ("x eq 2024-01-31T11:00:00+01:00", datetime(2024, 1, 31, 10, tzinfo=UTC)),
])
def test_each_literal_kind_parses_to_its_python_value(text, value):
    assert parse_odata(text) == ODataCompare("x", "eq", value)


def test_and_binds_tighter_than_or_and_not_tighter_than_and():
    assert parse_odata("a eq 1 or not b eq 2 and contains(c,'x')") == ODataOr((
        ODataCompare("a", "eq", 1),
        ODataAnd((ODataNot(ODataCompare("b", "eq", 2)), ODataFunction("contains", "c", "x")))))


def test_a_literal_on_the_left_is_turned_around():
    assert parse_odata("5 lt x") == ODataCompare("x", "gt", 5)


def test_the_canonical_text_reads_back_to_the_same_filter():
    text = ("(statecode eq 0 or statecode eq 1) and not (name eq 'a''b') and "
            "not startswith(name,'x') and modifiedon gt 2024-01-01T00:00:00Z")
    assert format_odata(parse_odata(text)) == text


@pytest.mark.parametrize(("text", "message", "column"), [
    ("", "the filter is empty", 1),
    ("a eq", "expected a property name or a value", 5),
    ("a eq 'x", "unbalanced quote", 6),
    ("foo(a,'b')", "unknown function 'foo'", 1),
    ("a eq b", "compare a property with a value", 1),
    ("(a eq 1", "'(' is never closed", 1),
    ("a eq 1)", "')' without a matching '('", 7),
    ("a xx 1", "expected eq, ne, gt, ge, lt or le", 3),
    ("contains(a,1)", "must be a quoted text", 12),
    ("a eq 1 b", "expected 'and', 'or' or the end", 8),
    ("a eq #", "unexpected '#'", 6),
])
def test_odata_syntax_errors_say_what_and_where(text, message, column):
    with pytest.raises(FilterError) as caught:
        parse_odata(text)
    assert message in str(caught.value)
    assert caught.value.line_and_column(caught.value.problems[0])[1] == column


# --- evaluation --------------------------------------------------------------------------------

def test_dataverse_compares_text_without_case_and_bc_with_case():
    expr = parse_odata("name eq 'ABC'")
    assert matches(expr, {"name": "abc"}, DV)
    assert not matches(expr, {"name": "abc"}, BC)


def test_dataverse_string_functions_use_like_wildcards():
    assert matches(parse_odata("startswith(name,'a_c')"), {"name": "abcd"}, DV)
    assert matches(parse_odata("contains(name,'50[%]')"), {"name": "x50%"}, DV)
    assert not matches(parse_odata("contains(name,'50[%]')"), {"name": "x500"}, DV)
    assert not matches(parse_odata("startswith(name,'a_c')"), {"name": "abcd"}, BC)


def test_null_only_equals_null():
    assert matches(parse_odata("x eq null"), {})
    assert not matches(parse_odata("x ne 1"), {"x": None})
    assert not matches(parse_odata("x lt 1"), {"x": None})
    assert matches(parse_odata("x ne null"), {"x": 0})


def test_record_values_are_read_in_the_literal_type():
    assert matches(parse_odata("d gt 2024-01-01T00:00:00Z"), {"d": "2024-01-01T00:00:01.5Z"})
    assert matches(parse_odata("g eq 6f9619ff-8b86-d011-b42d-00c04fc964ff"),
                   {"g": "6F9619FF-8B86-D011-B42D-00C04FC964FF"})
    assert matches(parse_odata("m ge 1.5"), {"m": 2})
    assert not matches(parse_odata("m eq 1"), {"m": "1"})  # a text never equals a number


def test_navigation_properties_are_followed():
    assert matches(parse_odata("primarycontactid/fullname eq 'A'"),
                   {"primarycontactid": {"fullname": "a"}})


# --- Business Central restrictions -------------------------------------------------------------

def test_bc_rejects_or_across_different_fields():
    assert business_central_problems(parse_odata("a eq 1 or a eq 2")) == []
    assert "cannot combine different fields with 'or' (a, b)" in business_central_problems(
        parse_odata("a eq 1 or b eq 2"))[0]


def test_a_filter_bc_rejects_is_split_into_server_and_client_parts():
    server, client = split_for_business_central(
        parse_odata("(a eq 1 or b eq 2) and c eq 3 and not d eq 4"))
    assert format_odata(server) == "c eq 3"
    assert format_odata(client) == "(a eq 1 or b eq 2) and not (d eq 4)"


# --- translation -------------------------------------------------------------------------------

def test_the_brief_example_translates_with_the_case_insensitive_part_client_side():
    translation = bc_translation("No.: 10000..20000|3*\nName: @*ski*\nBlocked: <>All")
    assert translation.filter_text == (
        "((number ge '10000' and number le '20000') or startswith(number,'3')) "
        "and blocked ne 'All'")
    assert str(translation.client) == "Name: @*ski*"
    assert "case-insensitive (@)" in translation.notes[0]


@pytest.mark.parametrize(("text", "expected"), [
    ("Name: abc*", "startswith(displayName,'abc')"),
    ("Name: *abc", "endswith(displayName,'abc')"),
    ("Name: *'a''b'*", "contains(displayName,'a''b')"),
    ("Name: ''", "displayName eq ''"),
    ("Currency Id: ''", "currencyId eq 00000000-0000-0000-0000-000000000000"),
    ("Last Invoice Date: ''", "lastInvoiceDate eq 0001-01-01"),
    ("Last Modified: >2024-01-01T10:00:00Z", "lastModifiedDateTime gt 2024-01-01T10:00:00Z"),
    ("Blocked: Ship..Invoice", "blocked eq 'Ship' or blocked eq 'Invoice'"),
    ("Tax Liable: No", "taxLiable eq false"),
    ("Name: *", ""),
])
def test_expressible_filters_go_to_bc_exactly(text, expected):
    translation = bc_translation(text)
    assert (translation.filter_text, translation.exact) == (expected, True)


@pytest.mark.parametrize(("text", "server"), [
    ("Name: a*b", "startswith(displayName,'a') and endswith(displayName,'b')"),
    ("Name: ?bc", "endswith(displayName,'bc')"),
    ("Name: <>a*", ""),
    ("Name: @abc", ""),
    ("Name: a*|@b", ""),
])
def test_what_bc_cannot_express_is_kept_as_a_client_side_predicate(text, server):
    translation = bc_translation(text)
    assert translation.filter_text == server
    assert not translation.exact
    assert translation.notes


def test_dataverse_gets_nulls_for_blanks():
    translation = bc_translation("Credit Days: ..5\nName: <>''", DV)
    assert translation.filter_text == (
        "(creditDays le 5 or creditDays eq null) and displayName ne null")


def test_dataverse_gets_like_escapes_and_single_character_wildcards():
    translation = bc_translation("Name: @50%_?*", DV)
    assert translation.filter_text == "startswith(displayName,'50[%][_]_')"
    assert translation.exact


# --- Dataverse rows and raw text ---------------------------------------------------------------

def test_rows_with_option_labels_become_option_values():
    rows = [Condition("Relationship Type", "eq", "Customer"),
            Condition("statecode", "eq", "Active")]
    assert format_odata(build_filter(rows, ACCOUNT)) == "customertypecode eq 3 and statecode eq 0"


@pytest.mark.parametrize(("row", "expected"), [
    (Condition("name", "ne", "x"), "name ne 'x'"),
    (Condition("creditlimit", "gt", "1000.50"), "creditlimit gt 1000.50"),
    (Condition("creditlimit", "ge", "1"), "creditlimit ge 1"),
    (Condition("modifiedon", "lt", "2024-01-01T00:00:00Z"), "modifiedon lt 2024-01-01T00:00:00Z"),
    (Condition("donotemail", "eq", "true"), "donotemail eq true"),
    (Condition("name", "contains", "50%"), "contains(name,'50[%]')"),
    (Condition("name", "begins with", "Con"), "startswith(name,'Con')"),
    (Condition("name", "ends with", "Ltd"), "endswith(name,'Ltd')"),
    (Condition("parentcustomerid", "null"), "_parentcustomerid_value eq null"),
    (Condition("_parentcustomerid_value", "not null"), "_parentcustomerid_value ne null"),
    (Condition("customertypecode", "in", ["Customer", "Vendor"]),
     "customertypecode eq 3 or customertypecode eq 11"),
    (Condition("customertypecode", "le", "Customer"), "customertypecode le 3"),
])
def test_each_row_operator_produces_its_odata(row, expected):
    assert format_odata(build_filter([row], ACCOUNT)) == expected


def test_rows_can_be_combined_with_or():
    rows = [Condition("name", "eq", "a"), Condition("name", "eq", "b")]
    assert format_odata(build_filter(rows, ACCOUNT, match_any=True)) == "name eq 'a' or name eq 'b'"


def test_row_errors_name_the_row():
    rows = [Condition("nope", "eq", "1"), Condition("statecode", "eq", "Foo"),
            Condition("name", "like", "a"), Condition("creditlimit", "contains", "1"),
            Condition("donotemail", "gt", "true"), Condition("name", "in", [])]
    with pytest.raises(FilterError) as caught:
        build_filter(rows, ACCOUNT)
    assert str(caught.value).splitlines() == [
        "row 1: unknown attribute 'nope'",
        "row 2: 'Foo' is not an option of statecode (allowed: 'Active', 'Inactive')",
        "row 3: unknown operator 'like' (use eq, ne, gt, ge, lt, le, contains, begins with, "
        "ends with, null, not null, in)",
        "row 4: 'contains' only works on text; creditlimit is decimal",
        "row 5: donotemail is boolean: only eq and ne are possible",
        "row 6: 'in' needs at least one value for name",
    ]


def test_raw_text_accepts_option_labels_and_lookup_names():
    expr = parse_dataverse_filter("customertypecode eq 'Customer' and parentcustomerid ne null",
                                  ACCOUNT)
    assert format_odata(expr) == "customertypecode eq 3 and _parentcustomerid_value ne null"


@pytest.mark.parametrize(("text", "message", "column"), [
    ("zzz eq 1", "unknown attribute 'zzz'", 1),
    ("name eq 'a' or creditlimit eq 'x'", "creditlimit is decimal; 'x' does not fit", 16),
    ("contains(creditlimit,'1')", "contains only works on text", 1),
    ("customertypecode eq 'Custo'", "'Custo' is not an option of Relationship Type", 1),
])
def test_raw_text_errors_point_at_the_condition(text, message, column):
    with pytest.raises(FilterError) as caught:
        parse_dataverse_filter(text, ACCOUNT)
    assert message in str(caught.value)
    assert caught.value.line_and_column(caught.value.problems[0])[1] == column


def test_an_option_written_as_its_al_member_name_matches_the_dataverse_label():
    from mappings.filters import Catalogue, FieldSpec, translate_bc_style

    catalogue = Catalogue([FieldSpec.of("producttypecode", "option",
                                        options={"Sales Inventory": 1, "Services": 3})])
    assert translate_bc_style("ProductTypeCode = SalesInventory", catalogue).filter_text \
        == "producttypecode eq 1"
