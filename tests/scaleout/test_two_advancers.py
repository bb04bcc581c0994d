"""Two processes advancing one full synchronization at once (two workers ending jobs, or a
worker and the review page) must not end the run early.

The scale-out test found it: an advance that read the lines just before another one claimed
them saw them still Blank, failed to claim them, found nothing running and ended the run after
its first wave. Here the race is replayed step by step: the second advance works from the
snapshot it read before the first one started the lines.
"""

import pytest

from connection.documents import apply_document, sandbox_document
from connection.models import ConnectionSetup
from mappings.defaults import apply_default_setup
from synchronization import fullsync
from synchronization.models import LineStatus, RunStatus


@pytest.fixture
def connection(db, sandbox_clean) -> ConnectionSetup:
    created, _ = apply_document(sandbox_document(sandbox_clean.credentials, "Two advancers"))
    apply_default_setup(created)
    ConnectionSetup.objects.filter(pk=created.pk).update(is_enabled=True)
    created.refresh_from_db()
    return created


def test_an_advance_working_from_a_stale_snapshot_does_not_end_the_run(connection,
                                                                       monkeypatch):
    # In a test transaction nothing runs on commit: no advance and no job starts by itself.
    run = fullsync.start_run(connection, "tester")
    stale = fullsync.refresh(run)  # what the second advance read
    fullsync.advance(run.pk)  # the first one starts the first wave
    started = [line for line in run.lines.all() if line.status == LineStatus.READY]
    assert started

    fresh = fullsync.refresh
    snapshots = iter([stale])
    monkeypatch.setattr(fullsync, "refresh", lambda r: next(snapshots, None) or fresh(r))
    fullsync.advance(run.pk)

    run.refresh_from_db()
    assert run.status == RunStatus.RUNNING
    assert {line.pk for line in run.lines.all() if line.status == LineStatus.READY} == {
        line.pk for line in started}


def test_a_run_whose_lines_all_ended_is_still_finished(connection):
    run = fullsync.start_run(connection, "tester", only={"CURRENCY"})
    line = run.lines.get()
    line.status = LineStatus.FINISHED
    line.save()
    fullsync.advance(run.pk)
    run.refresh_from_db()
    assert run.status == RunStatus.FINISHED
