"""Every status on the Full Synchronization Review agrees with the line rows it describes."""

import pytest

from mappings.models import IntegrationTableMapping
from synchronization.fullsync_review import DEPENDENCY_NOT_SATISFIED
from synchronization.models import FullSyncRun, LineStatus
from tests.synchronization.test_full_sync_support import InlineQueue, install_inline_queue

pytestmark = pytest.mark.django_db(transaction=True)
REVIEW = "/sync/full-sync/"


@pytest.fixture
def queue(monkeypatch) -> InlineQueue:
    return install_inline_queue(monkeypatch)


def _rows(client) -> tuple[dict, str]:
    page = client.get(REVIEW)
    assert page.status_code == 200
    return {row.name: row for row in page.context["rows"]}, page.content.decode()


def test_lines_that_just_finished_are_not_called_dependency_not_satisfied(
        synced_connection, admin_client, queue):
    admin_client.post("/sync/full-sync/count/")  # the lines keep the counts the run starts with
    queue.drain()
    admin_client.post("/sync/full-sync/start/", {"mode": "start", "confirmed": "on"})
    queue.drain()
    rows, _ = _rows(admin_client)
    run = FullSyncRun.objects.get()
    finished = {line.name for line in run.lines.all() if line.status == LineStatus.FINISHED}
    assert {"CURRENCY", "CUSTOMER", "CONTACT"} <= finished
    for name in finished:
        assert rows[name].recommendation != DEPENDENCY_NOT_SATISFIED, name
        stored = run.lines.get(name=name).recommendation
        if stored != DEPENDENCY_NOT_SATISFIED:  # what the line recorded when the run started
            assert rows[name].recommendation == stored, name
    lines = admin_client.get("/sync/full-sync/lines/").content.decode()
    assert DEPENDENCY_NOT_SATISFIED not in lines.split('data-line="CONTACT"')[1].split("</tr>")[0]


def test_a_line_not_yet_started_whose_dependencies_finished_is_not_blocked_by_them(
        synced_connection, admin_client, queue):
    admin_client.post("/sync/full-sync/start/", {"mode": "start", "confirmed": "on"})
    queue.drain()
    run = FullSyncRun.objects.get()
    # CONTACT was left out of this run's start: its parents finished, so nothing blocks it.
    run.lines.filter(name="CONTACT").update(status=LineStatus.BLANK, job_ids=[])
    rows, _ = _rows(admin_client)
    assert rows["CONTACT"].recommendation != DEPENDENCY_NOT_SATISFIED


def test_contact_waits_only_for_mappings_this_connection_has(synced_connection, admin_client,
                                                            queue):
    contact = IntegrationTableMapping.objects.get(connection=synced_connection, name="CONTACT")
    assert "VENDOR" in contact.depends_on()
    assert not IntegrationTableMapping.objects.filter(connection=synced_connection,
                                                      name="VENDOR").exists()
    rows, html = _rows(admin_client)
    assert rows["CONTACT"].depends_on == ["CUSTOMER"]
    # The Dependency Filter itself is shown as entered (a tooltip); the words list CUSTOMER.
    assert 'CUSTOMER|VENDOR">after CUSTOMER</small>' in html
    admin_client.post("/sync/full-sync/start/", {"mode": "start", "confirmed": "on"})
    rows, html = _rows(admin_client)
    assert rows["CONTACT"].depends_on == ["CUSTOMER"]
