"""Updates of Sales rows conditional on the row's ETag, so most need no read of the row first.

Before an update the engine must know two things of the coupled Sales row: whether someone
changed it since the last synchronization (a conflict, bc-integration.md 5.3 step 7), and which
columns would change (only those are sent: every column in a PATCH counts as an update for
plug-ins and auditing, protocols.md 3.5). Both used to cost a read of the rows of every page.

The coupling keeps the row's ETag as the integration last wrote it and a fingerprint of the
values the row then held (a short hash per mapped column and value). While the row keeps that
ETag, it holds exactly those values: the columns to send are the ones whose new value is not in
the fingerprint, and nobody changed the row, so there is no conflict. The update is sent with
``If-Match: <that ETag>``; a row changed since answers 412 Precondition Failed, a deleted one
404, and only those are read and judged as before (conflict policy, deletion policy), then sent
with the ETag of the read. Microsoft's ETags are opaque: they are stored as the service wrote
them, never built from ``versionnumber``.
https://learn.microsoft.com/power-apps/developer/data-platform/webapi/perform-conditional-operations-using-web-api
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
from json.encoder import encode_basestring_ascii as _quoted
from typing import Any

from synchronization.plans import Action, Plan

# Judgements of one record in one run (the stored ETag, then fresh reads) before it fails: a row
# changed again between each read and the write that follows it is being edited right now.
MAX_ROUNDS = 3
# The answers of a conditional update that mean "read the row and judge it again".
STALE = (404, 412)
STILL_CHANGING = ("The Sales record was changed again while it was being synchronized; it is "
                  "tried again in the next run.")

_HEX = 8  # characters per column hash (32 bits: a false "unchanged" is 1 in 4 billion)


def fingerprint(body: dict[str, Any]) -> str:
    """The fingerprint of the values ``body`` gives its columns: sorted column hashes."""
    return "".join(sorted(_hash(key, value) for key, value in body.items()))


def changed_columns(body: dict[str, Any], stored: str) -> dict[str, Any]:
    """The part of ``body`` whose values differ from those the ``stored`` fingerprint holds."""
    known = {stored[i:i + _HEX] for i in range(0, len(stored), _HEX)}
    return {key: value for key, value in body.items() if _hash(key, value) not in known}


def judge_unread(plan: Plan, body: dict[str, Any]) -> bool:
    """Plan ``plan``'s update from its coupling's stored state, with no read. False when the
    coupling knows no state, or when no column would change: the read then decides (a row a
    user changed meanwhile may still need this direction's values, or be a conflict)."""
    coupling = plan.coupling
    if coupling is None or not coupling.sales_etag or not coupling.sales_fingerprint:
        return False
    changes = changed_columns(body, coupling.sales_fingerprint)
    if not changes:
        return False
    plan.body, plan.if_match, plan.fingerprint = changes, coupling.sales_etag, fingerprint(body)
    return True


def stale(plan: Plan, status: int) -> bool:
    """Whether a conditional update was refused because the row changed or went away."""
    return bool(plan.if_match) and status in STALE


def reset_for_read(plan: Plan) -> bool:
    """Before judging a refused update again on a fresh read; False when it has been judged too
    often in this run (it then fails and the next run tries again)."""
    plan.rounds += 1
    plan.action, plan.body, plan.if_match = Action.UPDATE, {}, ""
    if plan.rounds >= MAX_ROUNDS:
        plan.action, plan.message = Action.FAIL, STILL_CHANGING
        return False
    return True


def _hash(key: str, value: Any) -> str:
    canonical = _canonical(value)
    if isinstance(canonical, str | bool | float):
        return _plain_hash(key, canonical)
    return _digest(_text(key, canonical))


@functools.lru_cache(maxsize=4096, typed=True)  # True and 1.0 are equal, not the same text
def _plain_hash(key: str, value: str | bool | float) -> str:
    """Many columns hold the same few values in every record (a country, a currency, an
    owner): their hashes are remembered."""
    return _digest(_text(key, value))


def _digest(text: str) -> str:
    return hashlib.blake2b(text.encode(), digest_size=_HEX // 2).hexdigest()


def _text(key: str, value: Any) -> str:
    """``json.dumps([key, value], sort_keys=True, default=str)``, written directly for the
    plain values nearly every column holds: the fingerprint of every record of a full
    synchronization is computed on the worker's busiest core, and json.dumps per column was a
    quarter of its time. The text, and so every stored fingerprint, stays the same."""
    if isinstance(value, str):
        return f"[{_quoted(key)}, {_quoted(value)}]"
    if isinstance(value, bool):
        return f"[{_quoted(key)}, {'true' if value else 'false'}]"
    if isinstance(value, float) and math.isfinite(value):
        return f"[{_quoted(key)}, {float.__repr__(value)}]"
    return json.dumps([key, value], sort_keys=True, default=str)


def _canonical(value: Any) -> Any:
    """Values alike for synchronization purposes alike (as transform._same compares them)."""
    if value in (None, ""):
        return ""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        stripped = value.strip()
        if stripped.startswith("/") and stripped.endswith(")"):
            stripped = stripped.rsplit("(", 1)[1][:-1]
        return stripped.lower() if len(stripped) == 36 and stripped.count("-") == 4 else value
    return value
