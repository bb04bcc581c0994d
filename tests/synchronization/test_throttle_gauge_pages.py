"""The throttle gauge on the job card and its polled fragment, from the figures on the job row."""
# The fixtures are imported from pages_support, and pytest passes them in by name.
# ruff: noqa: F401, F811

from synchronization.models import JobStatus
from synchronization.throttle import gauge_rows
from tests.synchronization.pages_support import connection, customer, make_job

GAUGE = {
    "dataverse": {"application user": {
        "service": "dataverse", "identity": "", "dop_hint": 52, "requests_left": 1187,
        "time_left": 212.5, "in_flight": 17, "peak_in_flight": 52, "requests": 95,
        "throttled": 3, "waited_seconds": 16.4, "held_seconds": 0.0}},
    "business_central": {"application user": {
        "service": "business_central", "identity": "", "dop_hint": None, "requests_left": None,
        "time_left": None, "in_flight": 1, "peak_in_flight": 2, "requests": 4, "throttled": 0,
        "waited_seconds": 0.0, "held_seconds": 0.0}},
}


def test_a_running_job_shows_each_service_budget_in_flight_429s_and_time_waited(
        admin_client, customer):
    job = make_job(customer, status=JobStatus.RUNNING, throttle=GAUGE)
    response = admin_client.get(f"/sync/jobs/{job.pk}/progress/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="throttle-gauge"' in html and "(live)" in html
    for figure in ("1187", "212.5 s", "17 of 52", "peak 52", "16.4 s", "Business Central"):
        assert figure in html


def test_the_job_row_keeps_the_gauge_after_the_job_ended(admin_client, customer):
    job = make_job(customer, status=JobStatus.FINISHED, throttle=GAUGE)
    html = admin_client.get(f"/sync/jobs/{job.pk}/").content.decode()
    assert "Throttle gauge" in html and "1187" in html and "(live)" not in html


def test_a_job_without_figures_shows_no_gauge(admin_client, customer):
    job = make_job(customer)
    assert "Throttle gauge" not in admin_client.get(f"/sync/jobs/{job.pk}/").content.decode()


def test_malformed_figures_are_left_out_never_an_error():
    weird = {"dataverse": {"x": {"in_flight": "many"}, "y": 5}, "b": [1], "c": {"z": {}}}
    assert [row.identity for row in gauge_rows(weird)] == ["z"]
    assert gauge_rows("nonsense") == [] and gauge_rows(None) == []


def test_a_set_aside_identity_says_so_with_the_services_answer(admin_client, customer):
    refused = {**GAUGE["dataverse"]["application user"], "identity": "Pool 2",
               "set_aside": "HTTP 403: The user is not a member of the organization."}
    throttle = {"dataverse": {"Integration user": GAUGE["dataverse"]["application user"],
                              "Pool 2": refused}}
    job = make_job(customer, status=JobStatus.RUNNING, throttle=throttle)
    html = admin_client.get(f"/sync/jobs/{job.pk}/progress/").content.decode()
    assert html.count("Set aside") == 1
    assert "<strong>Pool 2</strong> was refused and takes no more writes in this run: HTTP " \
           "403: The user is not a member of the organization." in html
    assert [row.set_aside != "" for row in gauge_rows(throttle)] == [False, True]
