"""Job Queue Entries: list and card read rows only; actions are POST-only, for administrators."""

from datetime import timedelta

import pytest
from django.utils import timezone

from synchronization import scheduler
from synchronization.models import EntryStatus, JobQueueEntry, SyncJob

pytestmark = pytest.mark.django_db(transaction=True)


def entry_named(connection, name: str) -> JobQueueEntry:
    return JobQueueEntry.objects.get(connection=connection, mapping__name=name)


def test_the_list_shows_every_entry_with_its_status_and_bc_captions(admin_client,
                                                                    synced_connection):
    entry = entry_named(synced_connection, "CUSTOMER")
    JobQueueEntry.objects.filter(pk=entry.pk).update(
        status=EntryStatus.ON_HOLD_INACTIVITY, inactive_since=timezone.now())
    html = admin_client.get("/sync/job-queue/").content.decode()
    for caption in ("Job Queue Entries", "Earliest Start Date/Time", "Inactivity Timeout",
                    "CUSTOMER - Dynamics 365 Sales synchronization job",
                    "Customer Statistics", "On Hold Due to Inactivity"):
        assert caption in html
    assert html.count("data-entry=") == JobQueueEntry.objects.filter(
        connection=synced_connection).count()


def test_a_viewer_sees_the_card_but_may_not_act_on_it(viewer_client, synced_connection):
    entry = entry_named(synced_connection, "CUSTOMER")
    page = viewer_client.get(f"/sync/job-queue/{entry.pk}/").content.decode()
    assert "Run now" not in page and "Save recurrence" not in page
    assert viewer_client.post(f"/sync/job-queue/{entry.pk}/action/",
                              {"action": "hold"}).status_code == 403
    assert viewer_client.post(f"/sync/job-queue/{entry.pk}/recurrence/", {
        "no_of_minutes_between_runs": 5, "inactivity_timeout_period": 5}).status_code == 403
    entry.refresh_from_db()
    assert entry.status == EntryStatus.READY and entry.no_of_minutes_between_runs == 30


def test_actions_refuse_get_and_unknown_actions_say_so(admin_client, synced_connection):
    entry = entry_named(synced_connection, "CUSTOMER")
    assert admin_client.get(f"/sync/job-queue/{entry.pk}/action/").status_code == 405
    response = admin_client.post(f"/sync/job-queue/{entry.pk}/action/", {"action": "explode"},
                                 follow=True)
    assert "Choose an action." in response.content.decode()


def test_a_bad_recurrence_re_renders_the_card_with_the_reason(admin_client, synced_connection):
    entry = entry_named(synced_connection, "CUSTOMER")
    response = admin_client.post(f"/sync/job-queue/{entry.pk}/recurrence/", {
        "no_of_minutes_between_runs": 0, "inactivity_timeout_period": "soon"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Enter between 1 and 10,080 minutes" in html and "Enter a whole number" in html


def test_an_entry_of_another_connection_is_not_found(admin_client, synced_connection):
    other = JobQueueEntry.objects.order_by("-pk").first().pk + 1000
    assert admin_client.get(f"/sync/job-queue/{other}/").status_code == 404


def test_a_sleeping_entry_woken_by_its_timeout_keeps_the_reason(synced_connection):
    JobQueueEntry.objects.filter(connection=synced_connection).update(enabled=False)
    entry = entry_named(synced_connection, "CURRENCY")
    long_ago = timezone.now() - timedelta(minutes=entry.inactivity_timeout_period + 1)
    JobQueueEntry.objects.filter(pk=entry.pk).update(
        enabled=True, status=EntryStatus.ON_HOLD_INACTIVITY, inactive_since=long_ago,
        next_run_at=timezone.now() - timedelta(seconds=1))
    scheduler.tick()
    entry.refresh_from_db()
    assert entry.woken_reason == "The inactivity timeout period (720 minutes) elapsed."
    assert entry.woken_at is not None and entry.status == EntryStatus.IN_PROCESS
    assert SyncJob.objects.filter(mapping_name="CURRENCY", started_by="Job Queue").exists()


def test_a_failed_run_puts_the_entry_in_error(synced_connection):
    entry = entry_named(synced_connection, "CURRENCY")
    JobQueueEntry.objects.filter(pk=entry.pk).update(last_run_at=timezone.now(),
                                                     status=EntryStatus.IN_PROCESS)
    job = SyncJob.objects.create(kind="sync_mapping", connection=synced_connection, status="failed",
                                 started_by=scheduler.QUEUE_USER, queue_entry=entry)
    scheduler.settle_entry(job)
    entry.refresh_from_db()
    assert entry.status == EntryStatus.ERROR


def test_a_change_in_sales_wakes_an_entry_with_that_reason_shown_on_its_card(
        admin_client, synced_connection, sandbox_clean):
    from tests.synchronization.engine_support import (
        admin_dataverse,
        couplings,
        full,
        mapping,
        run_now,
    )

    for name in ("SALESPEOPLE", "CURRENCY", "CUSTOMER"):
        full(mapping(synced_connection, name))
    run_now(mapping(synced_connection, "CUSTOMER"))  # its watermarks pass the sync's own writes
    JobQueueEntry.objects.filter(connection=synced_connection).update(enabled=False)
    entry = entry_named(synced_connection, "CUSTOMER")
    JobQueueEntry.objects.filter(pk=entry.pk).update(
        enabled=True, status=EntryStatus.ON_HOLD_INACTIVITY, inactive_since=timezone.now(),
        next_run_at=timezone.now() - timedelta(seconds=1))
    coupled = couplings(mapping(synced_connection, "CUSTOMER")).first()
    admin_dataverse(synced_connection, sandbox_clean.credentials).update(
        "accounts", str(coupled.sales_id), {"telephone1": "555-0142"})
    scheduler.tick()
    entry.refresh_from_db()
    assert entry.woken_reason == "Records changed in Dynamics 365 Sales."
    page = admin_client.get(f"/sync/job-queue/{entry.pk}/").content.decode()
    assert "Records changed in Dynamics 365 Sales." in page


def test_an_entry_is_set_on_hold_and_ready_from_the_list_which_shows_again(admin_client,
                                                                          synced_connection):
    entry = entry_named(synced_connection, "CUSTOMER")
    response = admin_client.post(f"/sync/job-queue/{entry.pk}/action/",
                                 {"action": "hold", "back": "list"})
    assert response.url == "/sync/job-queue/"
    entry.refresh_from_db()
    assert entry.status == EntryStatus.ON_HOLD
    page = admin_client.get("/sync/job-queue/").content.decode()
    assert 'value="ready"' in page
    admin_client.post(f"/sync/job-queue/{entry.pk}/action/", {"action": "ready", "back": "list"})
    entry.refresh_from_db()
    assert entry.status == EntryStatus.READY and entry.enabled
