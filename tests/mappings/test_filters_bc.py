"""Business Central filter expressions: syntax, canonical text, table forms, binding, semantics."""

from datetime import UTC, date, datetime
from decimal import Decimal
from uuid import UUID

import pytest

from mappings.filters import (
    BcAnd,
    BcCompare,
    BcOr,
    BcRange,
    FilterError,
    Pattern,
    TableFilter,
    Wildcard,
    bind,
    format_expression,
    format_friendly,
    format_view,
    parse_expression,
    parse_table_filter,
    parse_view,
)

from .filter_catalogues import CUSTOMER

ANY, ONE = Wildcard.ANY, Wildcard.ONE


def lit(*parts):
    return Pattern.of(*parts)


def eq(*parts, op="=", ignore_case=False):
    return BcCompare(op, lit(*parts), ignore_case)


def bound(text):
    return bind(parse_table_filter(text), CUSTOMER)


def selects(text, **record):
    return bound(text).matches(record)


# --- syntax -------------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "expected"), [
    ("All", eq("All")),
    ("=All", eq("All")),
    ("<>All", eq("All", op="<>")),
    (">=100", eq("100", op=">=")),
    ("<= 5", eq("5", op="<=")),
    ("<5", eq("5", op="<")),
    (">5", eq("5", op=">")),
    ("''", eq()),
    ("<>''", eq(op="<>")),
    ("10000..20000", BcRange(lit("10000"), lit("20000"))),
    ("..500", BcRange(None, lit("500"))),
    ("100..", BcRange(lit("100"), None)),
    ("3*", eq("3", ANY)),
    ("A?C", eq("A", ONE, "C")),
    ("@*ski*", eq(ANY, "ski", ANY, ignore_case=True)),
    ("'A|B'", eq("A|B")),
    ("'it''s'", eq("it's")),
    ("'A|B'*", eq("A|B", ANY)),
    ("John Smith", eq("John Smith")),
    ("a@b.com", eq("a@b.com")),
])
def test_each_syntax_element_parses_to_its_node(text, expected):
    assert parse_expression(text) == expected


def test_a_bar_means_or_and_an_ampersand_means_and():
    assert parse_expression("1|2&3") == BcOr((eq("1"), BcAnd((eq("2"), eq("3")))))


def test_parentheses_group_alternatives():
    assert parse_expression("(1|2)&<>3") == BcAnd((BcOr((eq("1"), eq("2"))), eq("3", op="<>")))


def test_spaces_around_values_do_not_count_but_quoted_spaces_do():
    assert parse_expression("  a b  |  ' ' ") == BcOr((eq("a b"), eq(" ")))


def test_the_canonical_text_of_the_brief_examples_is_unchanged():
    for text in ["<>All", "10000..20000|3*", "@*ski*", "''", "<>''", ">=100", "..500", "100..",
                 "'A|B'", "(1..5|9)&<>3"]:
        assert format_expression(parse_expression(text)) == text


def test_formatting_quotes_only_what_needs_quotes():
    assert format_expression(eq("a.b")) == "a.b"
    assert format_expression(eq("1..2")) == "'1..2'"
    assert format_expression(eq(" x")) == "' x'"
    assert format_expression(eq("x.")) == "'x.'"


@pytest.mark.parametrize(("text", "message", "column"), [
    ("'abc", "unbalanced quote", 1),
    ("a|'b", "unbalanced quote", 3),
    ("..", "empty range", 1),
    ("(a|b", "'(' is never closed", 1),
    ("a)", "')' without a matching '('", 2),
    (">..5", "cannot be combined with a range", 1),
    ("", "the filter is empty", 1),
    ("a|", "expected a value", 3),
    ("<>", "expected a value", 3),
    ("a(b", "unexpected '('", 2),
])
def test_syntax_errors_say_what_and_where(text, message, column):
    with pytest.raises(FilterError) as caught:
        parse_expression(text)
    assert message in str(caught.value)
    assert caught.value.line_and_column(caught.value.problems[0]) == (1, column)


def test_an_error_can_be_shown_with_a_caret_under_the_bad_part():
    with pytest.raises(FilterError) as caught:
        parse_table_filter("No.: 1\nName: 'abc")
    assert caught.value.pointer() == "Name: 'abc\n      ^"
    assert str(caught.value).startswith("line 2, column 7: unbalanced quote")


# --- table forms ----------------------------------------------------------------------------------

STORED = "VERSION(1) SORTING(Field1) WHERE(Field1=1(10000..20000|3*),Field39=1(<>All))"


def test_the_stored_view_form_parses_into_field_filters():
    parsed = parse_view(STORED)
    assert parsed.sorting == ("Field1",)
    assert [(item.field, format_expression(item.expr)) for item in parsed.fields] == [
        ("Field1", "10000..20000|3*"), ("Field39", "<>All")]


def test_the_stored_view_and_the_friendly_form_convert_both_ways():
    friendly = format_friendly(parse_table_filter(STORED))
    assert friendly == "Field1: 10000..20000|3*\nField39: <>All"
    with_captions = bound(STORED)
    assert str(with_captions) == "No.: 10000..20000|3*\nBlocked: <>All"
    assert format_view(parse_table_filter(str(with_captions)), CUSTOMER) == (
        "VERSION(1) WHERE(Field1=1(10000..20000|3*),Field39=1(<>All))")


def test_a_view_with_names_uses_filter_and_const():
    parsed = parse_view("SORTING(No.) WHERE(No.=FILTER(1..5),Name=CONST(A|B))")
    assert parsed.fields[1].expr == eq("A|B")  # CONST is literal
    assert format_view(parsed) == "SORTING(No.) WHERE(No.=FILTER(1..5),Name=FILTER('A|B'))"


def test_quotes_and_parentheses_inside_a_view_value_do_not_end_it():
    parsed = parse_view("WHERE(Field2=1('a)b'|(c)),Field1=1(x))")
    assert format_expression(parsed.fields[0].expr) == "'a)b'|c"


def test_the_friendly_form_accepts_lines_semicolons_and_commas_before_a_field():
    parsed = parse_table_filter("No.: 1..5; Name: Smith, John, Blocked = ' ' (not blocked)\n"
                                "Balance Due >= 10")
    assert format_friendly(parsed, "; ") == (
        "No.: 1..5; Name: 'Smith, John'; Blocked: ' '; Balance Due: >=10")


def test_the_reference_notation_with_an_operator_after_the_name_is_accepted():
    parsed = parse_table_filter("Type = Person, Company No. <> ''")
    assert [str(item) for item in parsed.fields] == ["Type: Person", "Company No.: <>''"]


def test_a_placeholder_is_replaced_by_its_value():
    parsed = parse_table_filter("CompanyId = <company>|''", placeholders={"company": "X<>Y"})
    assert parsed.fields[0].expr == BcOr((eq("X<>Y"), eq()))


def test_a_field_written_twice_is_an_error():
    with pytest.raises(FilterError, match="'name' is filtered twice"):
        parse_table_filter("Name: a\nname: b")


def test_a_line_without_a_field_name_is_an_error():
    with pytest.raises(FilterError, match="expected 'Field: filter'"):
        parse_table_filter("No.: 1\n10000")


def test_an_empty_text_is_no_filter():
    assert parse_table_filter("  \n ") == TableFilter()
    assert bound("").matches({}) is True


# --- binding ------------------------------------------------------------------------------------

def test_captions_api_names_and_field_numbers_all_find_the_field():
    for name in ("No.", "number", "NUMBER", "Field1"):
        assert bound(f"{name}: 1").fields[0].spec.name == "number"


def test_binding_converts_literals_to_the_field_type():
    filters = bound("Balance Due: 1.5\nCredit Days: ..30\nTax Liable: Yes\n"
                    "Last Invoice Date: 2024-01-31\nLast Modified: >2024-01-01T10:00:00Z\n"
                    "Currency Id: {6F9619FF-8B86-D011-B42D-00C04FC964FF}\nBlocked: all\nNo.: c*")
    values = [item.expr for item in filters.fields]
    assert values[0] == BcCompare("=", Decimal("1.5"))
    assert values[1] == BcRange(None, 30)
    assert values[2] == BcCompare("=", True)
    assert values[3] == BcCompare("=", date(2024, 1, 31))
    assert values[4] == BcCompare(">", datetime(2024, 1, 1, 10, tzinfo=UTC))
    assert values[5] == BcCompare("=", UUID("6f9619ff-8b86-d011-b42d-00c04fc964ff"))
    assert values[6] == BcCompare("=", "All")  # option spelled as the catalogue spells it
    assert values[7] == BcCompare("=", Pattern.of("C", ANY))  # Code values are upper case


def test_an_option_pattern_becomes_the_options_it_matches():
    assert str(bound("Blocked: *i*")) == "Blocked: Ship|Invoice"


@pytest.mark.parametrize(("text", "message", "column"), [
    ("Nope: 1", "unknown field 'Nope'", 1),
    ("Balance Due: abc", "'abc' is not a number", 14),
    ("Credit Days: 1.5", "'1.5' is not a whole number", 14),
    ("Tax Liable: maybe", "'maybe' is not Yes/No", 13),
    ("Last Invoice Date: 31/01/2024", "is not a date (write it as YYYY-MM-DD)", 20),
    ("Last Modified: yesterday", "is not a date and time", 16),
    ("Currency Id: 123", "'123' is not a GUID", 14),
    ("Blocked: Sometimes", "'Sometimes' is not an option of Blocked (allowed: ' ', 'Ship'", 10),
    ("Blocked: *x*", "no option of Blocked matches '*x*'", 10),
    ("Credit Days: ''", "Credit Days cannot be blank (''); use 0", 14),
    ("Credit Days: 1*", "wildcards (* ?) only work on text fields", 14),
    ("Name: >a*", "wildcards cannot be combined with '>'", 8),
    ("Name: a*..b", "wildcards (* ?) cannot be used in a range", 7),
    ("Credit Days: @5", "@ (ignore case) only works on text fields", 14),
    ("Currency Id: >{6F9619FF-8B86-D011-B42D-00C04FC964FF}", "only = and <> are possible", 15),
    ("Credit Days: 9..1", "empty range: 9..1 selects nothing", 14),
])
def test_validation_errors_point_at_the_bad_part(text, message, column):
    with pytest.raises(FilterError) as caught:
        bound(text)
    problem = caught.value.problems[0]
    assert message in problem.message
    assert caught.value.line_and_column(problem)[1] == column


def test_validation_reports_every_problem_at_once():
    with pytest.raises(FilterError) as caught:
        bound("Nope: 1\nCredit Days: x\nBlocked: y")
    assert [caught.value.line_and_column(p)[0] for p in caught.value.problems] == [1, 2, 3]


# --- semantics ------------------------------------------------------------------------------------

def test_a_range_includes_both_ends():
    assert selects("Credit Days: 10..20", creditDays=10)
    assert selects("Credit Days: 10..20", creditDays=20)
    assert not selects("Credit Days: 10..20", creditDays=21)


def test_an_open_range_has_no_limit_on_its_open_side():
    assert selects("Credit Days: ..20", creditDays=-1000)
    assert selects("Credit Days: 10..", creditDays=10**9)


def test_blank_selects_empty_text_and_missing_values():
    assert selects("Name: ''", displayName="")
    assert selects("Name: ''")
    assert not selects("Name: ''", displayName="x")
    assert selects("Name: <>''", displayName="x")


def test_a_blank_date_is_earlier_than_any_date():
    assert selects("Last Invoice Date: ..2000-01-01", lastInvoiceDate="0001-01-01")
    assert selects("Last Invoice Date: ''", lastInvoiceDate=None)


def test_wildcards_are_anchored_to_the_whole_value():
    assert selects("Name: ski*", displayName="skier")
    assert not selects("Name: ski*", displayName="a skier")
    assert selects("Name: *ski", displayName="Kowalski")
    assert selects("Name: ?o*", displayName="Johnson")
    assert not selects("Name: ?o*", displayName="o")


def test_matching_is_case_sensitive_unless_at_sign():
    assert not selects("Name: *SKI*", displayName="Kowalski")
    assert selects("Name: @*SKI*", displayName="Kowalski")
    assert selects("Name: @kowalski", displayName="KOWALSKI")


def test_a_quoted_star_is_a_literal_star():
    assert selects("Name: 'A*'", displayName="A*")
    assert not selects("Name: 'A*'", displayName="AB")


def test_options_compare_by_their_order():
    assert selects("Blocked: Ship..Invoice", blocked="Invoice")
    assert not selects("Blocked: Ship..Invoice", blocked="All")
    assert selects("Blocked: <Ship", blocked=" ")
    assert selects("Blocked: ' '", blocked=" ")


def test_numbers_compare_as_numbers_not_text():
    assert selects("Balance Due: >9", balanceDue=10)
    assert selects("Balance Due: 0.1..0.3", balanceDue=0.2)


def test_datetimes_compare_in_utc():
    assert selects("Last Modified: >2024-01-01T10:00:00Z",
                   lastModifiedDateTime="2024-01-01T10:30:00+01:00") is False
    assert selects("Last Modified: >2024-01-01T10:00:00Z",
                   lastModifiedDateTime="2024-01-01T10:00:00.001Z")


def test_guids_compare_whatever_their_spelling():
    assert selects("Currency Id: {6F9619FF-8B86-D011-B42D-00C04FC964FF}",
                   currencyId="6f9619ff-8b86-d011-b42d-00c04fc964ff")
    assert selects("Currency Id: ''", currencyId="00000000-0000-0000-0000-000000000000")


def test_every_field_of_a_table_filter_must_hold():
    text = "No.: 10000..20000|3*\nName: @*ski*\nBlocked: <>All"
    assert selects(text, number="10005", displayName="Kowalski", blocked=" ")
    assert not selects(text, number="10005", displayName="Kowalski", blocked="All")
    assert not selects(text, number="40000", displayName="Kowalski", blocked=" ")
