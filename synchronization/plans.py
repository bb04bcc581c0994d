"""What the engine plans for each source record of a page, shared with its bookkeeping, and
the settings and pages in flight of a run."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from mappings.models import Coupling, IntegrationTableMapping
from synchronization.models import SyncJob

if TYPE_CHECKING:
    from synchronization.sides import BcSide, Side


class Action(StrEnum):
    """What a plan does with its source record."""

    INSERT = "insert"
    UPDATE = "update"
    UNCHANGED = "unchanged"
    SKIP = "skip"
    FAIL = "fail"
    CONFLICT = "conflict"
    IGNORE = "ignore"  # not processed, not counted (a rule said so, or our own change)
    UNCOUPLE = "uncouple"  # the destination was deleted: the coupling goes


# The plan actions that write to the destination.
WRITING = (Action.INSERT, Action.UPDATE)
# The body of every plan whose write went out with its batch: one shared empty dict, not one
# per plan of the tens of thousands in flight. Nothing changes a body in place.
SENT: dict[str, Any] = {}


@dataclass(slots=True)  # tens of thousands wait for their batch's answer at once
class Plan:
    """What to do with one source record."""

    record: dict
    source_id: str
    action: Action
    coupling: Coupling | None = None
    destination_id: str = ""
    body: dict[str, Any] = field(default_factory=dict)
    message: str = ""
    code: str = ""
    # Of the write that failed: the service's correlation id and ``METHOD address``.
    correlation_id: str = ""
    request: str = ""
    # The number of the coupled destination record (BC pages address records by number).
    destination_number: str = ""
    # An update sent only if the Sales row still has this ETag (synchronization.conditional),
    # the fingerprint of the values the row holds once written, and how often it was judged.
    if_match: str = ""
    fingerprint: str = ""
    rounds: int = 0


@dataclass(frozen=True)
class RunContext:
    """What recording a page's outcomes needs to know of its run (not the whole run)."""

    job: SyncJob
    mapping: IntegrationTableMapping
    direction: str
    to_sales: bool
    bc: BcSide
    source: Side


@dataclass
class PageWork:
    """A page whose writes are on the wire: recorded once its last batch is confirmed."""

    stamps: list[datetime]  # the modified-on of its records: how far the source was read
    rest: list[Plan]  # the plans that write nothing
    written: list[tuple[dict, str]]  # (source record, destination id) written or adopted
    pending: int = 0  # batches not confirmed yet


@dataclass
class Settings:
    """How one run behaves, from the job's mode and parameters."""

    mode: str
    force: bool  # ForceModify: rewrite coupled records even if unchanged since the last sync
    only_coupled: bool
    selected_ids: list[str] = field(default_factory=list)
    dry_run: bool = False  # plan and count, write nothing
