"""Integration Synchronization Jobs list, job card and its polled fragment."""
# The fixtures are imported from pages_support, and pytest passes them in by name.
# ruff: noqa: F401, F811

from datetime import timedelta

import pytest

from synchronization.models import JobStatus, SyncDirection, SyncJob
from tests.synchronization.pages_support import (
    connection,
    contact,
    customer,
    make_error,
    make_job,
    make_mapping,
)

JUNK = ["status=nonsense", "mapping=NOPE", "direction=sideways", "date_after=31-31-2020",
        "page=abc", "page=-4", "page=999999", "date_before=%00", "mapping=%27%3B--",
        "status=finished&status=failed&page=1e9"]


def test_the_list_shows_counters_duration_and_rate_with_a_constant_number_of_queries(
        admin_client, customer, contact, django_assert_max_num_queries):
    for n in range(40):
        make_job(customer if n % 2 else contact, inserted=n, modified=2, failed=n % 3,
                 ago=timedelta(hours=n))
    with django_assert_max_num_queries(12):
        response = admin_client.get("/sync/jobs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Inserted" in html and "Conflicts" in html and "Records/s" in html
    assert len(response.context["jobs"]) == 40
    assert "1 min 00 s" in html


def test_the_query_count_does_not_grow_with_the_rows(admin_client, customer,
                                                       django_assert_max_num_queries):
    make_job(customer)
    with django_assert_max_num_queries(12) as few:
        admin_client.get("/sync/jobs/")
    for n in range(60):
        make_job(customer, ago=timedelta(minutes=n))
    with django_assert_max_num_queries(len(few.captured_queries)):
        admin_client.get("/sync/jobs/")


def test_the_list_filters_by_mapping_status_direction_and_date(admin_client, customer, contact):
    make_job(customer, status=JobStatus.FAILED, message="Token expired")
    make_job(customer, direction=SyncDirection.FROM_SALES)
    make_job(contact, ago=timedelta(days=3))

    def found(query: str) -> list[str]:
        response = admin_client.get(f"/sync/jobs/?{query}")
        assert response.status_code == 200
        jobs = response.context["jobs"]
        return sorted(f"{j.mapping_name}/{j.status}/{j.direction}" for j in jobs)

    assert found("mapping=CUSTOMER") == ["CUSTOMER/failed/ToIntegrationTable",
                                         "CUSTOMER/finished/FromIntegrationTable"]
    assert found("status=failed") == ["CUSTOMER/failed/ToIntegrationTable"]
    assert found("direction=FromIntegrationTable") == ["CUSTOMER/finished/FromIntegrationTable"]
    today = SyncJob.objects.filter(mapping=contact).get().created_at.date()
    assert found(f"date_after={today}&date_before={today}") == [
        "CONTACT/finished/ToIntegrationTable"]


def test_the_list_shows_only_the_current_connections_jobs(admin_client, customer):
    from connection.models import ConnectionSetup

    other = make_mapping(ConnectionSetup.objects.create(name="OTHER"), "CUSTOMER", "Customer",
                         18, "account")
    make_job(other)
    mine = make_job(customer)
    assert [j.pk for j in admin_client.get("/sync/jobs/").context["jobs"]] == [mine.pk]
    assert admin_client.get(f"/sync/jobs/{other.jobs.get().pk}/").status_code == 404


def test_the_worker_check_shows_on_the_list(admin_client, customer):
    ping = SyncJob.objects.create(kind="ping", status=JobStatus.FINISHED)
    assert ping in admin_client.get("/sync/jobs/").context["jobs"]


def test_the_list_is_paged(admin_client, customer):
    for n in range(55):
        make_job(customer, ago=timedelta(minutes=n))
    first = admin_client.get("/sync/jobs/?mapping=CUSTOMER")
    second = admin_client.get("/sync/jobs/?mapping=CUSTOMER&page=2")
    assert len(first.context["jobs"]) == 50 and len(second.context["jobs"]) == 5
    assert "mapping=CUSTOMER&amp;page=2" in first.content.decode()


@pytest.mark.parametrize("query", JUNK)
def test_junk_in_the_query_string_re_renders_with_a_message(admin_client, customer, query):
    make_job(customer)
    response = admin_client.get(f"/sync/jobs/?{query}")
    assert response.status_code == 200
    shown = [str(m) for m in response.context["messages"]]
    assert shown, f"no message for {query}"


def test_failed_and_conflict_counts_drill_into_the_errors(admin_client, customer):
    job = make_job(customer, failed=2, conflicts=1, skipped=1)
    html = admin_client.get("/sync/jobs/").content.decode()
    assert f"/sync/errors/?job={job.pk}" in html
    assert "/sync/coupled-errors/?mapping=CUSTOMER&amp;state=skipped" in html


def test_the_chart_sums_synced_and_failed_records_per_day(admin_client, customer):
    make_job(customer, inserted=10, modified=5, deleted=1, unchanged=100, failed=3)
    make_job(customer, inserted=4, failed=1, ago=timedelta(0))
    make_job(customer, inserted=1000, ago=timedelta(days=20))
    chart = admin_client.get("/sync/jobs/").context["chart"]
    assert len(chart.columns) == 14
    today = chart.columns[-1].day
    assert (today.synced, today.failed) == (20, 4)
    assert chart.total_synced == 20
    html = admin_client.get("/sync/jobs/").content.decode()
    assert "<svg" in html and "20 synchronized, 4 failed" in html


def test_a_job_card_shows_counters_requests_throttling_and_errors(admin_client, customer):
    job = make_job(customer, inserted=120, failed=2, requests=14, retries=3, throttle_waits=2,
                   throttle_seconds=7.5, message="Done with failures")
    make_error(job, message="Account name is required.")
    make_error(job, message="Currency EURO is not an ISO code.")
    response = admin_client.get(f"/sync/jobs/{job.pk}/")
    html = response.content.decode()
    assert response.status_code == 200
    for text in ("120", "Requests", "14", "Retries", "Throttle waits", "7.5 s waited",
                 "Account name is required.", "Currency EURO is not an ISO code.",
                 "Done with failures"):
        assert text in html
    assert "hx-get" not in html  # ended: nothing to poll


def test_a_running_job_card_polls_its_fragment_and_shows_a_progress_bar(admin_client, customer):
    job = make_job(customer, status=JobStatus.RUNNING, inserted=250, records_total=1000)
    html = admin_client.get(f"/sync/jobs/{job.pk}/").content.decode()
    assert f'hx-get="/sync/jobs/{job.pk}/progress/"' in html
    assert 'hx-trigger="every 2s"' in html
    assert '<progress value="250" max="1000"' in html
    assert "250 of 1000 records (25%)" in html


def test_the_fragment_answers_200_while_running_and_286_once_ended(admin_client, customer):
    job = make_job(customer, status=JobStatus.RUNNING, records_total=10)
    running = admin_client.get(f"/sync/jobs/{job.pk}/progress/")
    assert running.status_code == 200 and "hx-get" in running.content.decode()
    for status in (JobStatus.FINISHED, JobStatus.FAILED, JobStatus.CANCELLED):
        SyncJob.objects.filter(pk=job.pk).update(status=status)
        ended = admin_client.get(f"/sync/jobs/{job.pk}/progress/")
        assert ended.status_code == 286
        assert "hx-get" not in ended.content.decode()


def test_a_job_card_pages_its_errors(admin_client, customer):
    job = make_job(customer, failed=30)
    for n in range(30):
        make_error(job, message=f"Error number {n}")
    assert len(admin_client.get(f"/sync/jobs/{job.pk}/").context["errors"]) == 25
    assert len(admin_client.get(f"/sync/jobs/{job.pk}/?page=2").context["errors"]) == 5
    assert admin_client.get(f"/sync/jobs/{job.pk}/?page=x").status_code == 200


def test_an_administrator_cancels_a_pending_job(admin_client, customer):
    job = make_job(customer, status=JobStatus.PENDING)
    response = admin_client.post(f"/sync/jobs/{job.pk}/cancel/", follow=True)
    job.refresh_from_db()
    assert job.status == JobStatus.CANCELLED
    assert "cancelled before it started" in response.content.decode()


def test_cancelling_a_running_job_asks_it_to_stop(admin_client, customer):
    job = make_job(customer, status=JobStatus.RUNNING)
    response = admin_client.post(f"/sync/jobs/{job.pk}/cancel/", follow=True)
    job.refresh_from_db()
    assert job.status == JobStatus.RUNNING and job.cancel_requested
    assert "will stop after the page it is writing" in response.content.decode()


def test_cancelling_an_ended_job_says_so(admin_client, customer):
    job = make_job(customer)
    response = admin_client.post(f"/sync/jobs/{job.pk}/cancel/", follow=True)
    assert "has already ended (Success)" in response.content.decode()


def test_viewers_see_jobs_but_cannot_cancel(viewer_client, customer):
    job = make_job(customer, status=JobStatus.RUNNING)
    page = viewer_client.get(f"/sync/jobs/{job.pk}/").content.decode()
    assert "Cancel job" not in page
    assert viewer_client.post(f"/sync/jobs/{job.pk}/cancel/").status_code == 403
    assert viewer_client.get(f"/sync/jobs/{job.pk}/cancel/").status_code == 405


def test_an_unknown_job_is_404(admin_client, customer):
    assert admin_client.get("/sync/jobs/999999/").status_code == 404
    assert admin_client.get("/sync/jobs/999999/progress/").status_code == 404


def test_the_chart_stays_inside_its_box_and_is_empty_without_jobs(admin_client, customer):
    from synchronization.listing import Day, chart

    empty = admin_client.get("/sync/jobs/").context["chart"]
    assert (empty.total_synced, empty.total_failed) == (0, 0)
    drawn = chart([Day(None, 500, 20), Day(None, 0, 0), Day(None, 3, 499)], width=300,
                  height=100)
    for column in drawn.columns:
        for bar in column.bars:
            assert 0 <= bar.x <= 300 - drawn.bar_width
            assert bar.y >= 0 and bar.y + bar.height == pytest.approx(drawn.baseline, abs=0.11)
    assert drawn.columns[0].bars[0].height == drawn.baseline  # the busiest day fills the height


def test_jobs_are_named_with_the_captions_users_know(admin_client, customer):
    make_job(customer)  # a mapping's synchronization keeps the mapping's name
    make_job(customer, kind="match_coupling")
    statistics = SyncJob.objects.create(kind="customer_statistics", status=JobStatus.FINISHED,
                                        connection=customer.connection)
    ping = SyncJob.objects.create(kind="ping", status=JobStatus.FINISHED)
    html = admin_client.get("/sync/jobs/").content.decode()
    assert ">Customer Statistics</td>" in html and ">Check Worker</td>" in html
    assert ">CUSTOMER</td>" in html and ">CUSTOMER · Match-Based Coupling</td>" in html
    assert "customer_statistics" not in html and ">ping<" not in html
    card = admin_client.get(f"/sync/jobs/{statistics.pk}/").content.decode()
    assert f"<h1>Customer Statistics · job {statistics.pk}</h1>" in card
    assert str(ping) == f"Check Worker #{ping.pk} ({ping.status_label})"
