"""Every GET is read-only: an administrator opening any page of the project, with a full
synchronization In Process, changes no row (no job started, no run advanced, nothing recovered):
the worker's tick does that work, never a page view."""

from __future__ import annotations

import logging

import pytest

from synchronization.models import FullSyncRun, RunStatus
from tests.fuzz.support import Tally, build_data, changed, clients, routes, send, snapshot
from tests.fuzz.test_fuzz import natural_path

pytestmark = pytest.mark.django_db


def _running(ids: dict[str, int]) -> None:
    """The run of the data set still In Process, its CUSTOMER line not started: what a worker
    would advance, and what a page used to advance while someone watched it."""
    FullSyncRun.objects.filter(pk=ids["run"]).update(status=RunStatus.RUNNING, finished_at=None)
    FullSyncRun.objects.get(pk=ids["run"]).lines.update(status="")


def test_no_get_of_any_url_changes_a_row(administrator, viewer):
    logging.disable(logging.CRITICAL)  # unreachable services: expected error lines
    try:
        ids = build_data()
        _running(ids)
        admin = clients(administrator, viewer)["administrator"]
        tally, moved = Tally(), []
        for route in routes():
            if route.name.startswith("admin:"):
                continue
            path = route.fill(natural_path(route, ids))
            before = snapshot()
            send(admin, tally, "get", path)
            moved += [f"{path}: {label}" for label in changed(before, snapshot())]
    finally:
        logging.disable(logging.NOTSET)
    assert tally.requests > 50
    assert not moved, moved
