"""The Full Synchronization Review page, its polled lines, its actions and the JSON status."""

import pytest

from connection import registry
from synchronization import fullsync
from synchronization.models import FullSyncRun, JobKind, LineStatus, RunStatus, SyncJob
from tests.synchronization.test_full_sync_support import InlineQueue, install_inline_queue

pytestmark = pytest.mark.django_db(transaction=True)
REVIEW = "/sync/full-sync/"


@pytest.fixture
def queue(monkeypatch) -> InlineQueue:
    return install_inline_queue(monkeypatch)


def count_records(admin_client, queue) -> None:
    """Count Records, and let the count job run."""
    assert admin_client.post("/sync/full-sync/count/").status_code == 302
    queue.drain()


def test_before_any_count_the_page_asks_for_one_and_counting_is_a_job(
        synced_connection, admin_client, queue):
    assert b"No record counts yet" in admin_client.get(REVIEW).content
    admin_client.post("/sync/full-sync/count/")
    admin_client.post("/sync/full-sync/count/")  # a second click waits for the same job
    assert SyncJob.objects.filter(kind=JobKind.REVIEW_COUNTS).count() == 1
    assert b"Counting the records of every mapping" in admin_client.get(REVIEW).content
    queue.drain()
    assert b"Record counts as of" in admin_client.get(REVIEW).content


def test_before_any_run_it_lists_the_mappings_in_dependency_order_with_recommendations(
        synced_connection, admin_client, queue):
    count_records(admin_client, queue)
    page = admin_client.get(REVIEW)
    assert page.status_code == 200
    html = page.content.decode()
    names = [row.name for row in page.context["rows"]]
    assert names.index("CURRENCY") < names.index("CUSTOMER") < names.index("CONTACT")
    assert names.index("CONTACT") < names.index("OPPORTUNITY") < names.index(
        "POSTEDSALESINV-INV")
    assert "Initial Synch Recommendation" in html and "Job Queue Entry Status" in html
    customer = next(row for row in page.context["rows"] if row.name == "CUSTOMER")
    assert customer.recommendation == "Couple Records"
    assert f"/mappings/{customer.mapping.pk}/match/" in html
    assert "Dependency not satisfied" in html  # CONTACT depends on CUSTOMER
    assert 'data-polling="done"' in html and "hx-get" not in html


def test_start_asks_for_a_confirmation_that_warns_to_couple_salespeople_first(
        synced_connection, admin_client, queue):
    count_records(admin_client, queue)
    page = admin_client.get("/sync/full-sync/start/")
    assert b"Couple salespeople with Dynamics 365 Sales users first" in page.content
    assert b"CUSTOMER" in page.content  # both sides hold customers: couple them first
    refused = admin_client.post("/sync/full-sync/start/", {"mode": "start"})
    assert refused.status_code == 400
    assert b"Confirm that salespeople are coupled" in refused.content
    assert not FullSyncRun.objects.exists()


def test_start_creates_the_run_and_the_page_polls_until_every_line_ended(
        synced_connection, admin_client, queue):
    response = admin_client.post("/sync/full-sync/start/", {"mode": "start", "confirmed": "on"})
    assert response.status_code == 302
    run = FullSyncRun.objects.get()
    assert run.started_by == "alice" and run.is_running
    page = admin_client.get(REVIEW).content.decode()
    assert 'hx-get="/sync/full-sync/lines/"' in page and "started" in page and "by alice" in page
    assert admin_client.get("/sync/full-sync/lines/").status_code == 200
    queue.drain()
    lines = admin_client.get("/sync/full-sync/lines/")
    assert lines.status_code == 286
    assert b'data-line="CURRENCY" data-status="finished"' in lines.content
    assert b"/sync/jobs/" in lines.content  # statuses drill into the jobs


def test_a_second_start_is_refused_and_says_who_holds_the_lock(synced_connection,
                                                               admin_client, queue):
    fullsync.start_run(synced_connection, "carol")
    response = admin_client.post("/sync/full-sync/start/", {"mode": "start", "confirmed": "on"},
                                 follow=True)
    assert b"already running" in response.content and b"carol" in response.content
    assert FullSyncRun.objects.count() == 1


def test_a_dry_run_needs_no_confirmation_and_its_numbers_show_on_the_lines(
        synced_connection, admin_client, queue):
    admin_client.post("/sync/full-sync/start/", {"mode": "dry_run"})
    run = FullSyncRun.objects.get()
    assert run.dry_run
    queue.drain()
    page = admin_client.get(REVIEW).content.decode()
    assert "A dry run reads both sides" in page
    assert "2 new · 3 coupled" in page  # CURRENCY: two inserted, three matched by ISO code


def test_restart_and_cancel_need_a_run_of_this_connection(synced_connection, admin_client,
                                                          queue):
    for url in ("/sync/full-sync/restart/", "/sync/full-sync/cancel/"):
        response = admin_client.post(url, {"run": "not a number"}, follow=True)
        assert response.status_code == 200
        assert b"Select a valid choice" in response.content or b"does not exist" in \
            response.content


def test_cancel_from_the_page(synced_connection, admin_client, queue):
    run = fullsync.start_run(synced_connection, "carol")
    admin_client.post("/sync/full-sync/cancel/", {"run": run.pk})
    run.refresh_from_db()
    assert run.status == RunStatus.CANCELLED
    assert run.lines.filter(status=LineStatus.CANCELLED).exists()
    page = admin_client.get(REVIEW).content.decode()
    assert "Restart failed lines" in page


def test_the_end_of_run_question_keeps_synch_only_coupled_records_lifted(
        synced_connection, admin_client, queue):
    run = fullsync.start_run(synced_connection, "carol")
    queue.drain()
    page = admin_client.get(REVIEW).content.decode()
    assert "Keep it lifted" in page
    admin_client.post("/sync/full-sync/only-coupled/", {"run": run.pk, "keep": "yes"})
    customer = synced_connection.table_mappings.get(name="CUSTOMER")
    assert not customer.synch_only_coupled_records
    assert "Restore Synch. Only Coupled Records" in admin_client.get(REVIEW).content.decode()


def test_viewers_see_the_page_but_cannot_change_anything(synced_connection, viewer_client,
                                                         queue):
    page = viewer_client.get(REVIEW)
    assert page.status_code == 200 and b'href="/sync/full-sync/start/"' not in page.content
    run = fullsync.start_run(synced_connection, "carol")
    for url, data in (("/sync/full-sync/start/", {"mode": "dry_run"}),
                      ("/sync/full-sync/restart/", {"run": run.pk}),
                      ("/sync/full-sync/cancel/", {"run": run.pk}),
                      ("/sync/full-sync/only-coupled/", {"run": run.pk, "keep": "yes"})):
        assert viewer_client.post(url, data).status_code == 403
    run.refresh_from_db()
    assert run.is_running


def test_the_json_status_lists_lines_statuses_and_counters(synced_connection, viewer_client,
                                                            queue):
    assert viewer_client.get("/sync/full-sync/status.json").json()["run"] is None
    run = fullsync.start_run(synced_connection, "alice")
    queue.drain()
    status = viewer_client.get("/sync/full-sync/status.json").json()
    assert status["run"]["id"] == run.pk and status["run"]["started_by"] == "alice"
    currency = next(line for line in status["lines"] if line["name"] == "CURRENCY")
    assert currency["status"] == "finished" and currency["wave"] == 1
    assert currency["counters"]["inserted"] == 2 and currency["to_int_table_job_status"] == \
        "Success"
    unknown = viewer_client.get("/sync/full-sync/status.json?connection=Nowhere")
    assert unknown.status_code == 404


def test_the_connection_page_summarises_the_last_full_synchronization(synced_connection,
                                                                      admin_client, queue):
    assert registry.last_full_sync(synced_connection) == ""
    run = fullsync.start_run(synced_connection, "alice")
    assert registry.last_full_sync(synced_connection).startswith("running since")
    queue.drain()
    run.refresh_from_db()
    summary = registry.last_full_sync(synced_connection)
    assert summary.startswith("finished ") and "with errors" in summary
    page = admin_client.get(f"/connection/{synced_connection.pk}/")
    assert summary.encode() in page.content
