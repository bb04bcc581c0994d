"""Which failed creations a scheduled run tries again, so a retry costs requests only when it
may succeed.

Business Central tries again every coupled record whose last synchronization failed, each run
(bc-integration.md 5.2); the engine does too. A record whose *creation* failed has no coupling:
BC never tries it again on its own, only when the record changes. The portal goes further and
tries such records again for a week, reading each one back from the source by id: requests on
every run. A creation refused because a lookup names a record not coupled yet (a salesperson, a
contact: ``NotCoupled``) fails the same way until that record is coupled, so it is tried again
only once a coupling was made in another mapping of the connection after it failed; every other
failed creation (a service refusal may be passing) is tried again on every run, as before. A
changed record is read anyway, as changed; the errors page's Retry tries any record at once.
"""

from __future__ import annotations

from datetime import datetime

from django.db.models import Max
from django.utils import timezone

from mappings.models import Coupling, IntegrationTableMapping
from synchronization.bookkeeping import RETRY_FAILED_INSERTS_FOR
from synchronization.models import ErrorKind, SyncError
from synchronization.transform import NotCoupled


def creations_to_retry(mapping: IntegrationTableMapping, direction: str) -> list[str]:
    """Source ids of recently failed creations (errors with no coupling) worth trying again."""
    since = timezone.now() - RETRY_FAILED_INSERTS_FOR
    rows = SyncError.objects.filter(
        mapping=mapping, direction=direction, coupling=None, resolved=False,
        kind=ErrorKind.ERROR, created_at__gte=since,
    ).exclude(source_id="").values_list("source_id", "error_code", "created_at")
    latest: dict[str, tuple[str, datetime]] = {}  # a record's latest error
    for source_id, code, created_at in rows:
        if source_id not in latest or created_at > latest[source_id][1]:
            latest[source_id] = (code, created_at)
    waiting = {s for s, (code, _) in latest.items() if code == NotCoupled.code}
    if waiting:
        coupled_at = _last_coupling_elsewhere(mapping)
        waiting = {s for s in waiting if coupled_at is None or latest[s][1] >= coupled_at}
    return sorted(set(latest) - waiting)


def _last_coupling_elsewhere(mapping: IntegrationTableMapping) -> datetime | None:
    """When a coupling was last made in another mapping of the connection (None: never)."""
    return Coupling.objects.filter(mapping__connection_id=mapping.connection_id) \
        .exclude(mapping=mapping).aggregate(last=Max("created_at"))["last"]
