"""How a stored reconciliation report is shown: one section per finding, each record with
links to both sides, and the repairs a section offers."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from synchronization import reconcile, reconcile_repair
from synchronization.listing import bc_record, sales_record


@dataclass(frozen=True)
class Action:
    """A repair: what it is called, what it overwrites, which records it takes, what it does."""

    caption: str
    warning: str
    finding: str
    value: Callable[[dict], str]
    run: Callable[..., Any]
    done: str
    recheck: bool = False  # check the mapping again right after (the repair is immediate)

    def offered(self, mapping) -> list[str]:
        return [self.value(r) for r in reconcile_repair.findings(mapping, self.finding)
                if self.value(r)]

    def perform(self, mapping, chosen: list[str], user: str) -> str:
        result = self.run(mapping, chosen, user)
        if self.recheck:
            reconcile.start_check(mapping.connection, [mapping.name], user)
        return self.done.format(count=result if isinstance(result, int) else len(chosen))


ACTIONS = {
    "couple": Action(
        "Couple", "Each record is coupled to the one record on the other side with the same "
        "match fields; the next synchronization compares and updates them.", "uncoupled_bc",
        lambda r: r["id"] if r.get("match_id") else "",
        lambda m, chosen, user: reconcile_repair.couple(m, chosen),
        "Coupled {count} record(s); the mapping is being checked again.", recheck=True),
    "uncouple": Action(
        "Remove coupling", "The couplings are deleted; the record that still exists stays as "
        "it is and is no longer synchronized with anything.", "dangling",
        lambda r: str(r["coupling_id"]),
        lambda m, chosen, user: reconcile_repair.uncouple(m, [int(c) for c in chosen]),
        "Removed {count} coupling(s); the mapping is being checked again.", recheck=True),
    "delete_blank": Action(
        "Delete blank records", "The blank Sales records the integration user created are "
        "deleted from Dynamics 365 Sales, with their couplings.", "blank",
        lambda r: r["id"] if r.get("side") == "sales" else "",
        lambda m, chosen, user: reconcile_repair.delete_blank(m, chosen, user),
        "Deleting the blank records in the background; the mapping is checked again after."),
    "resync_bc": Action(
        "Synchronize, keep Business Central", "The Sales records are overwritten with the "
        "Business Central values of the mapped fields.", "drift",
        lambda r: f"{r['bc_id']}:{r['sales_id']}",
        lambda m, chosen, user: reconcile_repair.resynchronize(m, chosen, "bc", user),
        "Synchronizing {count} record(s) again; choose Check now when the job has finished."),
    "resync_sales": Action(
        "Synchronize, keep Sales", "The Business Central records are overwritten with the "
        "Sales values of the mapped fields.", "drift",
        lambda r: f"{r['bc_id']}:{r['sales_id']}",
        lambda m, chosen, user: reconcile_repair.resynchronize(m, chosen, "sales", user),
        "Synchronizing {count} record(s) again; choose Check now when the job has finished."),
}

SECTIONS = (
    # (finding, title, counted by, is a problem, actions, explanation)
    ("duplicates_bc", "Duplicates in Business Central", "duplicates_bc", True, (),
     "Records with the same match fields: merge or delete the extra ones in Business Central."),
    ("duplicates_sales", "Duplicates in Sales", "duplicates_sales", True, (),
     "Rows with the same match fields: merge them in Dynamics 365 Sales."),
    ("blank", "Blank records", "blank", True, ("delete_blank",),
     "Records the integration wrote with an empty name."),
    ("dangling", "Dangling couplings", "dangling", True, ("uncouple",),
     "Couplings whose record was deleted on one side."),
    ("drift", "Drift", "drift", True, ("resync_bc", "resync_sales"),
     "Coupled records whose mapped fields differ."),
    ("missing_options", "Missing option values", "", True, (),
     "Codes without an option value in Sales, or option mappings whose code is gone."),
    ("uncoupled_bc", "Uncoupled in Business Central", "uncoupled_bc", False, ("couple",),
     "Within the Table Filter but not coupled, with the reason."),
    ("uncoupled_sales", "Uncoupled in Sales", "uncoupled_sales", False, (),
     "Within the Integration Table Filter but not coupled, with the reason."),
    ("outside_filter", "Coupled, outside the filters", "outside_filter", False, (),
     "Coupled records that exist but are outside the table filter."),
    ("sales_only_options", "Sales options without a code", "sales_only_options", False, (),
     "Option values no Business Central code maps to (this mapping only sends codes)."),
)


@dataclass
class Row:
    value: str
    label: str
    bc: Any = None
    sales: Any = None
    detail: str = ""


@dataclass
class Section:
    name: str
    title: str
    count: int
    problem: bool
    explanation: str
    rows: list[Row] = field(default_factory=list)
    actions: list[tuple[str, Action]] = field(default_factory=list)


def decorate(report: dict, connection, mapping) -> list[Section]:
    """The sections of a report that have something to show."""
    counts, found = report.get("counts", {}), report.get("findings", {})
    sections = []
    for name, title, counter, problem, actions, explanation in SECTIONS:
        records = found.get(name, [])
        count = counts.get(counter, 0) if counter else (
            counts.get("missing_options_bc", 0) + counts.get("missing_options_sales", 0))
        if not records and not count:
            continue
        rows = [row for record in records
                for row in _rows(name, record, connection, mapping)]
        sections.append(Section(name, title, count, problem, explanation, rows,
                                [(a, ACTIONS[a]) for a in actions]))
    return sections


def _rows(name: str, record: dict, connection, mapping) -> list[Row]:
    if name.startswith("duplicates_"):
        side = name.removeprefix("duplicates_")
        return [_one(side, r, connection, mapping, "") for r in record]
    if name in ("dangling", "outside_filter"):
        gone = {"bc": "gone in Business Central", "sales": "gone in Sales",
                "both": "gone on both sides"}.get(record.get("gone", ""), "")
        return [Row(str(record["coupling_id"]), record.get("label", ""),
                    bc_record(connection, mapping, record["bc_id"]),
                    sales_record(connection, mapping, record["sales_id"]), gone)]
    if name == "drift":
        detail = "; ".join(f"{f['field']}: {f['bc'] or '(blank)'} ≠ {f['sales'] or '(blank)'}"
                           for f in record["fields"])
        return [Row(f"{record['bc_id']}:{record['sales_id']}", record.get("label", ""),
                    bc_record(connection, mapping, record["bc_id"]),
                    sales_record(connection, mapping, record["sales_id"]), detail)]
    if name in ("missing_options", "sales_only_options"):
        where = "missing in Sales" if record["side"] == "sales" else "missing in Business Central"
        value = f"option {record['value']} {record.get('label') or ''}".strip() \
            if record.get("value") is not None else ""
        return [Row(record.get("code") or str(record.get("value")), record.get("code", ""),
                    bc_record(connection, mapping, record.get("bc_id", "")), None,
                    f"{where}{': ' + value if value else ''}")]
    side = record.get("side") or ("bc" if name == "uncoupled_bc" else "sales")
    row = _one(side, record, connection, mapping, record.get("reason", ""))
    if record.get("match_id"):
        other = sales_record if side == "bc" else bc_record
        setattr(row, "sales" if side == "bc" else "bc",
                other(connection, mapping, record["match_id"]))
    return [row]


def _one(side: str, record: dict, connection, mapping, detail: str) -> Row:
    link = (bc_record if side == "bc" else sales_record)(connection, mapping, record["id"])
    return Row(record["id"], record.get("label", ""), link if side == "bc" else None,
               link if side == "sales" else None, detail)
