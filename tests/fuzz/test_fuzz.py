"""Hostile input never answers 500, never reflects a script, never changes what it may not.

Every URL pattern of the resolver is requested with existing and hostile path values, and every
form of every page is submitted with hostile values drawn by Hypothesis, as an administrator, a
viewer and anonymously; one round posts without the CSRF token. Derandomized, so CI sees the
same requests every time. Run with ``-s`` to see how many requests each round sent.
"""

from __future__ import annotations

import logging

import pytest
from django.test import Client
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from tests.fuzz.support import (
    HOSTILE_IDS,
    HOSTILE_NUMBERS,
    HOSTILE_PATH_TEXT,
    SCRIPT,
    Form,
    Route,
    Tally,
    build_data,
    changed,
    clients,
    forms_on,
    hostile_values,
    natural,
    rolled_back,
    routes,
    send,
    snapshot,
)

pytestmark = pytest.mark.django_db

# Names of a URL's "pk" by the URL's name: which kind of row it points at.
PK_KIND = {"mappings:options": "options_mapping", "mappings:delete_option": "options_mapping",
           "synchronization:job": "job", "synchronization:job_partial": "job",
           "synchronization:job_cancel": "job", "synchronization:reconcile_mapping": "mapping",
           "synchronization:reconcile_repair": "mapping", "synchronization:odata_root":
           "connection", "synchronization:odata_item_availability": "connection",
           "synchronization:odata_root_slash": "connection",
           "synchronization:odata_metadata": "connection",
           "synchronization:odata_default_company_availability": "connection"}


def fuzz_settings(examples: int):
    return settings(max_examples=examples, derandomize=True, deadline=None, database=None,
                    phases=[Phase.generate], suppress_health_check=list(HealthCheck))


def natural_path(route: Route, ids: dict[str, int]) -> dict[str, str]:
    """Path values naming existing rows (the first connection, mapping, job, ...)."""
    values = {}
    for name, converter in route.parameters:
        if name == "pk":
            kind = PK_KIND.get(route.name) or route.name.split(":")[0]
            values[name] = str(ids.get(kind, ids["mapping"]))
        elif name == "option_pk":
            values[name] = str(ids["option"])
        elif name == "identity_pk":
            values[name] = str(ids["identity"])
        elif name == "step":
            values[name] = "1"
        elif name == "company":
            values[name] = "CRONUS USA, Inc."
        else:
            values[name] = "1" if converter == "int" else "auth"
    return values


def path_variants(route: Route, ids: dict[str, int]) -> list[str]:
    """The natural path, then each parameter in turn replaced by every hostile value."""
    base = natural_path(route, ids)
    variants = [route.fill(base)]
    for name, converter in route.parameters:
        for value in HOSTILE_IDS if converter == "int" else HOSTILE_PATH_TEXT:
            variants.append(route.fill({**base, name: value}))
    return variants


def project_routes() -> list[Route]:
    """Every route; Django's admin (not our code) with its first page per model only."""
    return [r for r in routes() if not r.name.startswith("admin:")
            or r.name.endswith(("_changelist", ":index", ":login"))]


@pytest.fixture
def world(administrator, viewer):
    # Thousands of expected 403/404/405 answers and failed sign-ins: their log lines would drown
    # the report.
    logging.disable(logging.CRITICAL)
    yield build_data(), clients(administrator, viewer)
    logging.disable(logging.NOTSET)


# Pages whose forms show only with a filter: the couplings of one mapping offer Synchronize Now.
FILTERED_PAGES = ["/mappings/couplings/?mapping={mapping}"]


def discover_forms(client: Client, ids: dict[str, int], tally: Tally) -> list[Form]:
    """GET every page as an administrator and collect its forms (one per action and fields)."""
    found: dict[tuple, Form] = {}  # one form per kind
    paths = [route.fill(natural_path(route, ids)) for route in project_routes()]
    for path in paths + [page.format(**ids) for page in FILTERED_PAGES]:
        response = send(client, tally, "get", path)
        if response is None or response.status_code != 200 or response.streaming:
            continue
        if "html" not in response.get("Content-Type", ""):
            continue
        for form in forms_on(path.split("?")[0], response.content.decode()):
            found.setdefault(form.kind, form)
    names = {n for form in found.values() for n in form.fields} - {"csrfmiddlewaretoken"}
    EVERY_FIELD[:] = sorted(names | {"next", "page", "id", "pk"})
    return list(found.values())


# Values every field of every form gets once, the rest of the form as a person fills it in.
SHARP = ["9223372036854775808", "-9223372036854775809", "0", "A" * 60_000, SCRIPT, "2024-02-30",
         "' or 1 eq 1"]
SWEPT_FIELDS = 8
# A form with more fields than this (a formset) costs much more per request: it gets its first
# fields (the management form) swept with fewer values, and fewer Hypothesis examples.
LARGE_FORM = 30
ELSEWHERE = ["https://evil.example/phish", "//evil.example/x", "CUSTOMER"]
# Every field name any page offers: a form may be sent a field of another form.
EVERY_FIELD: list[str] = []  # per form: the management form and the first row of a formset


def sweep(form: Form) -> list[dict]:
    """Submissions with one field at a time set to each sharp value: the rest as a person fills
    it in, or (a filter pane) left out."""
    base = natural(form) if form.method == "post" else {}
    names = [n for n in form.fields if n != "csrfmiddlewaretoken"]
    if len(names) > LARGE_FORM:
        return [{**base, name: value} for name in names[:4] for value in SHARP[:3]]
    swept = [{**base, name: value} for name in names[:SWEPT_FIELDS] for value in SHARP]
    if form.method == "post":  # any form may be sent where to go next
        swept += [{**data, "next": value} for data in (base, {}) for value in ELSEWHERE]
    return swept


@st.composite
def submissions(draw, form: Form) -> dict:
    """A submission of ``form``: mostly natural, one field hostile; or many fields hostile and
    some left out; or one field more than the form has."""
    base = natural(form)
    names = [n for n in form.fields if n != "csrfmiddlewaretoken"]
    mode = draw(st.sampled_from(["one", "many", "extra"]))
    if mode == "one" and names:
        name = draw(st.sampled_from(names))
        return {**base, name: draw(_hostile_for(form.fields[name]))}
    if mode == "many":
        data = {}
        for name in names:
            roll = draw(st.integers(0, 9))
            if roll < 3:
                data[name] = draw(_hostile_for(form.fields[name]))
            elif roll > 3:
                values = form.fields[name]
                data[name] = draw(st.sampled_from(values)) if values else ""
        return data
    extra = draw(st.sampled_from(EVERY_FIELD or ["next"]))
    return {**base, extra: draw(_hostile_for(["1"]) if draw(st.booleans()) else hostile_values())}


def _hostile_for(values: list[str]):
    if values and all(v.strip().isdigit() for v in values):
        return st.one_of(st.sampled_from(HOSTILE_NUMBERS),
                         st.integers(-(2**70), 2**70).map(str), hostile_values())
    return hostile_values()


def fuzz_forms(forms: list[Form], client: Client, tally: Tally, examples: int) -> None:
    """Sweep each form with the sharp values, then ``examples`` Hypothesis submissions; every
    request starts from the same state."""
    for form in forms:
        for data in sweep(form):
            with rolled_back():
                send(client, tally, form.method, form.action, data)
        _fuzz_form(form, client, tally, examples if len(form.fields) <= LARGE_FORM else 1)


def _fuzz_form(form: Form, client: Client, tally: Tally, examples: int) -> None:
    @fuzz_settings(examples)
    @given(data=submissions(form))
    def submit(data: dict) -> None:
        with rolled_back():
            send(client, tally, form.method, form.action, data)

    submit()


def fuzz_forms_keeping_state(forms: list[Form], client: Client, tally: Tally,
                             examples: int) -> None:
    """Like ``fuzz_forms`` for someone who may change nothing: the rows are compared around
    each form's submissions."""
    for form in forms:
        with rolled_back():
            before = snapshot()
            for data in [natural(form), *sweep(form)[::len(SHARP) - 1]]:
                send(client, tally, form.method, form.action, data)
            _fuzz_form(form, client, tally, examples)
            moved = changed(before, snapshot())
        if moved:
            tally.failures.append(f"state changed ({', '.join(moved)}) by "
                                  f"{form.method.upper()} {form.action}")


def report(tally: Tally, round_name: str) -> None:
    print(f"\nfuzz {round_name}: {tally.report()}")
    assert not tally.failures, tally.report()


def test_every_url_answers_existing_and_hostile_ids_without_a_server_error(world):
    ids, by_role = world
    tally = Tally()
    for route in project_routes():
        paths = path_variants(route, ids)
        for path in paths:  # administrators may change things: each request starts afresh
            for method in ("get", "post"):
                with rolled_back():
                    send(by_role["administrator"], tally, method, path)
        with rolled_back():  # viewers and anonymous visitors may change nothing
            before = snapshot()
            for role in ("viewer", "anonymous"):
                for path in paths[:1] if role == "anonymous" else paths:
                    for method in ("get", "post"):
                        send(by_role[role], tally, method, path)
            moved = changed(before, snapshot())
            if moved:
                tally.failures.append(f"state changed ({', '.join(moved)}) by a viewer or "
                                      f"anonymous request to {route.route}")
    report(tally, "URL patterns")


# The administrator's round is the longest test of the suite: its forms are shared out among
# this many tests, so that parallel test workers take a part each instead of one taking it all.
ADMINISTRATOR_PARTS = 4


@pytest.mark.parametrize("part", range(ADMINISTRATOR_PARTS))
def test_every_form_answers_hostile_values_from_an_administrator_without_a_server_error(
        world, part):
    ids, by_role = world
    tally = Tally()
    forms = discover_forms(by_role["administrator"], ids, tally)
    assert len(forms) > 20, "the pages should offer many forms"
    share = forms[part::ADMINISTRATOR_PARTS]
    fuzz_forms(share, by_role["administrator"], tally, examples=3)
    report(tally, f"forms as administrator, part {part + 1} ({len(share)} of {len(forms)} forms)")


def test_viewers_and_anonymous_visitors_change_nothing_whatever_they_post(world):
    ids, by_role = world
    tally = Tally()
    forms = [f for f in discover_forms(by_role["administrator"], ids, tally)
             if f.method == "post"]
    for role in ("viewer", "anonymous"):
        fuzz_forms_keeping_state(forms, by_role[role], tally, examples=2)
    report(tally, "forms as viewer and anonymous")


def test_posts_without_the_csrf_token_are_refused_and_change_nothing(world, administrator):
    ids, by_role = world
    tally = Tally()
    forms = [f for f in discover_forms(by_role["administrator"], ids, tally)
             if f.method == "post"]
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(administrator)
    for form in forms:
        with rolled_back():
            before = snapshot()
            response = send(strict, tally, "post", form.action, natural(form))
            if response is not None and response.status_code != 403:
                tally.failures.append(f"{response.status_code} without CSRF <- {form.action}")
            if changed(before, snapshot()):
                tally.failures.append(f"state changed without CSRF <- {form.action}")
    report(tally, "posts without CSRF")


# Pages that read from Business Central or Sales when shown or submitted.
SERVICE_PAGES = ["/connection/{c}/couple-salespersons/", "/connection/{c}/redeploy/",
                 "/mappings/{m}/", "/mappings/{m}/fields/add/",
                 "/mappings/{m}/couplings/new/?search=Adatum", "/mappings/{m}/match/",
                 "/sync/item-availability/?search=1000", "/sync/sales-orders/"]


@pytest.mark.django_db(transaction=False)
def test_pages_that_call_the_sandbox_answer_hostile_forms_without_a_server_error(
        synced_connection, administrator):
    logging.disable(logging.CRITICAL)
    try:
        client = Client()
        client.force_login(administrator)
        mapping = synced_connection.table_mappings.get(name="CUSTOMER")
        tally = Tally()
        found: dict[tuple, Form] = {}
        for page in SERVICE_PAGES:
            path = page.format(c=synced_connection.pk, m=mapping.pk)
            response = send(client, tally, "get", path)
            if response is not None and response.status_code == 200:
                for form in forms_on(path.split("?")[0], response.content.decode()):
                    found.setdefault(form.key, form)
        forms = [f for f in found.values() if f.action.split("?")[0] != "/connection/switch/"]
        for form in forms:
            for data in sweep(form)[::2] + [{"next": value} for value in ELSEWHERE]:
                with rolled_back():
                    send(client, tally, form.method, form.action, data)
            _fuzz_form(form, client, tally, 2)
    finally:
        logging.disable(logging.NOTSET)
    report(tally, f"service pages against the sandbox ({len(forms)} forms)")
