"""What the fuzz tests share: every URL of the resolver, every form of every page, hostile values,
a snapshot of the stored state, and the checks each response must pass.

Nothing here knows a particular view: URLs come from ``get_resolver()``, forms from the HTML the
pages render. A new page or form is fuzzed the day it is added.
"""

from __future__ import annotations

import copy
import re
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from html.parser import HTMLParser
from typing import Any
from urllib.parse import quote, urlsplit

from django.apps import apps
from django.contrib.auth.models import User
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone
from hypothesis import strategies as st

SCRIPT = "<script>fuzz(1)</script>"
# Values fuzzing found answering 500 once, and their relatives: ids past 64 bits, paths that are
# not paths, LIKE patterns past SQLite's limit, impossible dates, OData and SQL fragments.
HOSTILE_NUMBERS = [
    "9223372036854775808", "-9223372036854775809", "99999999999999999999999999999", "-1", "0",
    "20", "1000", "1e308", "NaN", "Infinity", "0x10", "1.5", " 7 ", "٣",
]
HOSTILE_TEXT = [
    SCRIPT, f'"><{SCRIPT[1:]}', "' or 1 eq 1", "CUSTOMER", "'; DROP TABLE auth_user; --",
    "$filter=name eq 'x' or 1 eq 1", "contains(name,'%')", "a\x00b", "\x00", "null", "true",
    "[]", '{"a": 1}', "https://evil.example/phish", "//evil.example/x", "/\\evil.example",
    "javascript:alert(1)", "../../../etc/passwd", "\u202e\ud7ff\uffff\U0001d54f", "é" * 300,
    "A" * 60_000, "%_" * 30_000, "*" * 1_000, "9999-99-99", "2024-02-30", "0000-00-00",
    "1900-01-01 25:61", "-0001-01-01", "10000-01-01", "",
]
HOSTILE_PATH_TEXT = [SCRIPT, "' or 1 eq 1", "%00", "a" * 300, "..", "CUSTOMER", "\U0001d54f"]
HOSTILE_IDS = ["9223372036854775807", "9223372036854775808", "99999999999999999999999999999"]


def hostile_values() -> st.SearchStrategy[str]:
    """One hostile value: a known bad one, arbitrary unicode, or an arbitrary integer."""
    return st.one_of(
        st.sampled_from(HOSTILE_TEXT + HOSTILE_NUMBERS),
        st.text(max_size=40),
        st.integers(min_value=-(2**70), max_value=2**70).map(str),
    )


# -- URLs -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Route:
    """One URL pattern with its full route, its name and its parameters (name -> converter)."""

    name: str
    route: str
    regex: bool
    parameters: tuple[tuple[str, str], ...]

    def fill(self, values: dict[str, str]) -> str:
        """The path with ``values`` in its parameters (quoted), as a client would send it."""
        def value(match: re.Match) -> str:
            return quote(values[match.group("name")], safe="")

        if self.regex:
            path = re.sub(r"\(\?P<(?P<name>\w+)>[^)]*\)", value, self.route)
            path = re.sub(r"\\(.)", r"\1", path.replace("^", "").replace("$", ""))
        else:
            path = re.sub(r"<(?:\w+:)?(?P<name>\w+)>", value, self.route)
        return "/" + path


def routes() -> list[Route]:
    """Every URL pattern of the project, recursively through includes."""
    return list(_walk(get_resolver(), "", "", False))


def _walk(resolver: URLResolver, prefix: str, namespace: str, regex: bool) -> Iterator[Route]:
    for entry in resolver.url_patterns:
        text = str(entry.pattern)
        is_regex = regex or type(entry.pattern).__name__ == "RegexPattern"
        if isinstance(entry, URLResolver):
            space = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _walk(entry, prefix + text, space, is_regex)
        elif isinstance(entry, URLPattern):
            yield Route(f"{namespace}{entry.name or ''}", prefix + text, is_regex,
                        tuple(_parameters(prefix + text, is_regex)))


def _parameters(route: str, regex: bool) -> Iterator[tuple[str, str]]:
    if regex:
        for name, body in re.findall(r"\(\?P<(\w+)>([^)]*)\)", route):
            yield name, "int" if body in (r"\d+", "[0-9]+") else "str"
    else:
        for converter, name in re.findall(r"<(?:(\w+):)?(\w+)>", route):
            yield name, "int" if converter in ("int", "id") else converter or "str"


# -- Forms ------------------------------------------------------------------------------------

@dataclass
class Form:
    """A form as a browser would submit it: where, how, and each field's natural value."""

    page: str
    action: str
    method: str
    fields: dict[str, list[str]] = field(default_factory=dict)
    # Lone checkboxes left unticked: a person submits nothing for them.
    unticked: set[str] = field(default_factory=set)

    @property
    def key(self) -> tuple:
        return (self.action, self.method, tuple(sorted(self.fields)))

    @property
    def kind(self) -> tuple:
        """The key with the row ids of its address left out: a list's rows each offer the same
        form (twenty job queue entries, twenty action forms), and one of them stands for all;
        every address is sent hostile ids by the URL round."""
        return (re.sub(r"\d+", "N", self.action), self.method, tuple(sorted(self.fields)))


class _FormParser(HTMLParser):
    """The forms of a page with their fields' possible values (select options, radio values).

    Fields outside a form that name it (``form="id"``) belong to it; a button's ``formaction``
    is one more form with the same fields.
    """

    def __init__(self, page: str) -> None:
        super().__init__(convert_charrefs=True)
        self.page = page
        self.forms: list[Form] = []
        self.by_id: dict[str, Form] = {}
        self.actions: list[tuple[int, str]] = []  # (id() of the owning form, formaction)
        self._form: Form | None = None
        self._owner: Form | None = None
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self._open_form(a)
            return
        owner = self._owner_of(a)
        if owner is None:
            return
        if tag == "option" and self._select:
            if a.get("value"):  # a blank option is "nothing chosen"
                owner.fields[self._select].append(a["value"])
        elif tag == "button" and a.get("formaction"):
            self.actions.append((id(owner), a["formaction"]))
        if not a.get("name"):
            return
        if tag in ("input", "button"):
            kind = a.get("type", "text" if tag == "input" else "submit").lower()
            default = "on" if kind in ("checkbox", "radio") else ""
            values = owner.fields.setdefault(a["name"], [])
            value = a.get("value") or default
            if "checked" in a:  # the ticked value first: it is what a person sends
                values.insert(0, value)
            else:
                values.append(value)
            if kind == "checkbox" and "checked" not in a and len(values) == 1:
                owner.unticked.add(a["name"])
            elif kind == "checkbox":
                owner.unticked.discard(a["name"])
        elif tag == "select":
            self._select, self._owner = a["name"], owner
            owner.fields.setdefault(a["name"], [])
        elif tag == "textarea":
            self._textarea, self._owner = a["name"], owner
            owner.fields.setdefault(a["name"], []).append("")

    def _open_form(self, a: dict) -> None:
        action = (a.get("action") or self.page).split("#")[0]
        form = self.by_id.get(a.get("id", "")) or Form(self.page, action, "get")
        form.action, form.method = action, (a.get("method") or "get").lower()
        if form not in self.forms:
            self.forms.append(form)
        if a.get("id"):
            self.by_id[a["id"]] = form
        self._form = form

    def _owner_of(self, a: dict) -> Form | None:
        if a.get("form"):
            return self.by_id.setdefault(a["form"], Form(self.page, self.page, "get"))
        if self._select or self._textarea:
            return self._owner
        return self._form

    def handle_data(self, data: str) -> None:
        if self._owner is not None and self._textarea:
            self._owner.fields[self._textarea][-1] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def result(self) -> list[Form]:
        extra = [Form(self.page, action.split("#")[0], form.method, dict(form.fields),
                      set(form.unticked))
                 for form in self.forms for owner, action in self.actions if owner == id(form)]
        return self.forms + extra


def forms_on(page: str, html: str) -> list[Form]:
    parser = _FormParser(page)
    parser.feed(html)
    return parser.result()


def natural(form: Form) -> dict[str, str | list[str]]:
    """The submission a person would make: the first value of every field."""
    return {name: values[0] if values else "" for name, values in form.fields.items()
            if name != "csrfmiddlewaretoken" and name not in form.unticked}


# -- State ------------------------------------------------------------------------------------

SNAPSHOT_APPS = ("connection", "mappings", "synchronization", "auth")


def snapshot() -> dict[str, list[tuple]]:
    """Every row of the product's models (and the users), every column: small in these tests."""
    state = {}
    for label in SNAPSHOT_APPS:
        for model in apps.get_app_config(label).get_models():
            rows = model._default_manager.order_by("pk").values_list()
            state[model._meta.label] = list(rows)
    return state


def changed(before: dict, after: dict) -> list[str]:
    return [label for label in before if before[label] != after[label]]


class rolled_back:
    """Run a request in a savepoint that is rolled back: every example starts from one state."""

    def __enter__(self):
        self._atomic = transaction.atomic()
        self._atomic.__enter__()

    def __exit__(self, *exc):
        transaction.set_rollback(True)
        return self._atomic.__exit__(*exc)


# -- Requests and their checks ----------------------------------------------------------------

@dataclass
class Tally:
    """What a fuzz round sent and what went wrong (one line per failure)."""

    requests: int = 0
    failures: list[str] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)

    def server_errors(self) -> int:
        return sum(1 for f in self.failures if f.startswith("500"))

    def report(self) -> str:
        shown = "\n".join(sorted(set(self.failures))[:60])
        slow = sorted(self.seconds.items(), key=lambda kv: -kv[1])[:8]
        shown += "\nslowest: " + ", ".join(f"{k} {v:.1f}s" for k, v in slow)
        return (f"{self.requests} requests, {len(self.failures)} failures "
                f"({self.server_errors()} answered 500):\n{shown}")


def send(client: Client, tally: Tally, method: str, path: str, data=None) -> Any | None:
    """One request; a raised exception counts as a 500 and is noted with its type.

    The client's cookies are put back afterwards: a fuzzed Sign out (or a session the request
    rotated) must not turn the next requests anonymous.
    """
    tally.requests += 1
    data = data or {}
    label = f"{method.upper()} {path[:120]} {_short(data)}"
    cookies = copy.deepcopy(client.cookies)
    started = time.monotonic()
    try:
        response = client.get(path, data) if method == "get" else client.post(path, data)
    except Exception as exc:  # the view raised: in production this is a 500
        tally.failures.append(f"500 {type(exc).__name__}: {str(exc)[:100]} <- {label}")
        return None
    finally:
        client.cookies = cookies
        key = f"{method} {path[:60]}"
        tally.seconds[key] = tally.seconds.get(key, 0) + time.monotonic() - started
    if response.status_code == 500:
        tally.failures.append(f"500 status {response.status_code} <- {label}")
    _check_reflection(response, tally, label)
    _check_redirect(response, tally, label)
    return response


def _check_reflection(response, tally: Tally, label: str) -> None:
    if "html" not in response.get("Content-Type", "") or response.streaming:
        return
    if SCRIPT.encode() in response.content:
        tally.failures.append(f"reflected <script> <- {label}")


def _check_redirect(response, tally: Tally, label: str) -> None:
    location = response.get("Location", "") if 300 <= response.status_code < 400 else ""
    parts = urlsplit(location)
    elsewhere = parts.netloc and parts.netloc not in ("testserver", "127.0.0.1", "localhost")
    if elsewhere or location.startswith(("//", "/\\")) or parts.scheme not in ("", "http", "https"):
        tally.failures.append(f"open redirect to {location[:80]} <- {label}")


def _short(data) -> str:
    items = data.items() if isinstance(data, dict) else []
    return " ".join(f"{k}={str(v)[:40]!r}" for k, v in items)[:300]


# -- Data -------------------------------------------------------------------------------------

def build_data() -> dict[str, int]:
    """A connection to unreachable services with the default mappings, couplings, jobs, errors,
    an option mapping and a full synchronization run; returns the ids by kind."""
    from connection.models import ConnectionSetup
    from mappings.defaults import apply_default_setup
    from mappings.models import Coupling, OptionMapping
    from synchronization.models import (
        FullSyncLine,
        FullSyncRun,
        JobStatus,
        RunStatus,
        SyncError,
        SyncJob,
    )

    unreachable = "https://127.0.0.1:9"
    connection = ConnectionSetup.objects.create(
        name="CRONUS", server_address=unreachable, custom_endpoint=True,
        authority_host=unreachable, bc_service_root=unreachable, tenant_id=str(uuid.uuid4()),
        client_id=str(uuid.uuid4()), bc_company_name="CRONUS USA, Inc.",
        bc_company_id=str(uuid.uuid4()), web_client_url=f"{unreachable}/bc",
        odata_url=f"{unreachable}/odata", is_enabled=True)
    connection.client_secret = "secret"
    connection.save()
    ConnectionSetup.objects.create(name="Second", server_address=unreachable)
    mappings = {m.name: m for m in apply_default_setup(connection, sales_order_integration=True)}
    customer = mappings["CUSTOMER"]
    terms = next(m for m in mappings.values() if m.is_option_mapping)
    option = OptionMapping.objects.create(mapping=terms, bc_code="30 DAYS", option_value=1,
                                          option_label="Net 30")
    couplings = [Coupling.objects.create(
        mapping=customer, bc_id=uuid.uuid4(), sales_id=uuid.uuid4(), bc_number=f"1000{n}",
        display_name=f"Customer {n}", skipped=n == 0, last_result="Failure" if n == 1 else "")
        for n in range(3)]
    now = timezone.now()
    job = SyncJob.objects.create(
        kind="mapping", connection=connection, mapping=customer, mapping_name="CUSTOMER",
        direction="ToIntegrationTable", mode="all", status=JobStatus.FINISHED, failed=1,
        created_at=now, started_at=now, finished_at=now + timedelta(minutes=1))
    error = SyncError.objects.create(
        job=job, mapping=customer, coupling=couplings[1], direction="ToIntegrationTable",
        source_id=str(couplings[1].bc_id), destination_id=str(couplings[1].sales_id),
        source_label="10001 Customer 1", message="The field Name is required.")
    run = FullSyncRun.objects.create(connection=connection, status=RunStatus.FINISHED,
                                     finished_at=now)
    FullSyncLine.objects.create(run=run, mapping=customer, name="CUSTOMER", status="error")
    identity = connection.sales_identities.create(name="Pool 1", client_id=str(uuid.uuid4()))
    return {"connection": connection.pk, "mapping": customer.pk, "option": option.pk,
            "job": job.pk, "error": error.pk, "coupling": couplings[0].pk, "run": run.pk,
            "options_mapping": terms.pk, "identity": identity.pk}


def clients(administrator: User, viewer: User) -> dict[str, Client]:
    admin, view = Client(), Client()
    admin.force_login(administrator)
    view.force_login(viewer)
    return {"administrator": admin, "viewer": view, "anonymous": Client()}
