"""A job whose records partly failed is labelled "Finished with errors", never "Success"."""
# The fixtures are imported from pages_support, and pytest passes them in by name.
# ruff: noqa: F401, F811

from synchronization.management.commands.sync import summary_line
from synchronization.models import JobStatus
from tests.synchronization.pages_support import connection, customer, make_job


def test_a_finished_job_with_failed_records_shows_a_warning_badge_not_success(
        admin_client, customer):
    job = make_job(customer, inserted=6, failed=4)
    html = admin_client.get("/sync/jobs/").content.decode()
    assert '<span class="badge warning" data-status="finished_with_errors">' \
           "Finished with errors</span>" in html
    assert "Success</span>" not in html
    card = admin_client.get(f"/sync/jobs/{job.pk}/").content.decode()
    assert "Finished with errors</span>" in card and "Success</span>" not in card


def test_a_finished_job_without_failures_is_still_success(admin_client, customer):
    make_job(customer, inserted=6)
    html = admin_client.get("/sync/jobs/").content.decode()
    assert '<span class="badge finished" data-status="finished">Success</span>' in html


def test_the_status_filter_tells_success_from_finished_with_errors(admin_client, customer):
    clean = make_job(customer, inserted=3)
    troubled = make_job(customer, inserted=3, failed=1)
    broken = make_job(customer, status=JobStatus.FAILED, failed=2)

    def found(status: str) -> list[int]:
        response = admin_client.get(f"/sync/jobs/?status={status}")
        assert response.status_code == 200
        return [job.pk for job in response.context["jobs"]]

    assert found("finished") == [clean.pk]
    assert found("finished_with_errors") == [troubled.pk]
    assert found("failed") == [broken.pk]
    form = admin_client.get("/sync/jobs/").content.decode()
    assert '<option value="finished_with_errors">Finished with errors</option>' in form


def test_the_sync_command_prints_the_same_label_as_the_pages(customer):
    job = make_job(customer, inserted=1, failed=1)
    assert "(Finished with errors)" in summary_line(job)
