"""What the engine plans for each source record of a page, shared with its bookkeeping."""

from __future__ import annotations

from dataclasses import dataclass, field
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


@dataclass
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


@dataclass(frozen=True)
class RunContext:
    """What recording a page's outcomes needs to know of its run (not the whole run)."""

    job: SyncJob
    mapping: IntegrationTableMapping
    direction: str
    to_sales: bool
    bc: BcSide
    source: Side
