"""Dataverse's ``UpsertMultiple``: many rows of one table created or updated in one operation.

``POST <set>/Microsoft.Dynamics.CRM.UpsertMultiple`` with ``{"Targets": [...]}``, each target
the row's columns, its ``@odata.type`` and its primary key; the answer is 204 with no body. The
operation is all or nothing: one failing target rolls all of them back and the answer is that
target's error. A row's new ETag, modified-on and version are not in the answer.
https://learn.microsoft.com/power-apps/developer/data-platform/webapi/reference/upsertmultiple
https://learn.microsoft.com/power-apps/developer/data-platform/bulk-operations
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from connection.clients.dataverse_batch import PACK_LEVEL


@dataclass(frozen=True)
class PackedTargets:
    """The ``Targets`` of an ``UpsertMultiple``, packed: kept while its request is on the wire,
    to send its rows another way if the service refuses one (a tenth of the text's size)."""

    primary_id: str
    packed: bytes

    @classmethod
    def of(cls, primary_id: str, text: str) -> PackedTargets:
        return cls(primary_id, zlib.compress(text.encode(), PACK_LEVEL))

    def writes(self) -> list[tuple[str, dict[str, Any]]]:
        """Each target's id and columns, in order."""
        targets = json.loads(zlib.decompress(self.packed))["Targets"]
        return [(target.pop(self.primary_id),
                 {k: v for k, v in target.items() if k != "@odata.type"})
                for target in targets]


def targets_text(logical_name: str, primary_id: str,
                 writes: Sequence[tuple[str, Mapping[str, Any]]]) -> str:
    """The body of the operation that upserts each ``(id, columns)`` of ``writes`` to the row
    of that id."""
    kind = f"Microsoft.Dynamics.CRM.{logical_name}"
    targets = [{**columns, "@odata.type": kind, primary_id: id} for id, columns in writes]
    return json.dumps({"Targets": targets}, separators=(",", ":"))
