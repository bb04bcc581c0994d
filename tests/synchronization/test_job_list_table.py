"""The jobs list as a table: dry runs labelled, sorting, chosen columns, CSV export."""
# The fixtures are imported from pages_support, and pytest passes them in by name.
# ruff: noqa: F401, F811

from synchronization.models import JobStatus, SyncJob
from tests.synchronization.pages_support import connection, customer, make_job


def dry_run(customer) -> SyncJob:
    job = make_job(customer, parameters={"dry_run": True})
    job.result = {"dry_run": True, "forecast": {"insert": 2, "couple": 3, "update": 1}}
    job.save()
    return job


def test_a_dry_run_is_labelled_with_what_it_counted_in_the_list_and_on_its_page(
        admin_client, customer):
    job = dry_run(customer)
    listed = admin_client.get("/sync/jobs/").content.decode()
    assert ">Dry run</span>" in listed and "Would create 2 · couple 3 · update 1" in listed
    card = admin_client.get(f"/sync/jobs/{job.pk}/").content.decode()
    assert f"CUSTOMER · dry run {job.pk}</h1>" in card
    assert "Would create 2 · couple 3 · update 1" in card and "writes nothing" in card


def test_a_real_run_is_not_called_a_dry_run(admin_client, customer):
    make_job(customer)
    assert ">Dry run</span>" not in admin_client.get("/sync/jobs/").content.decode()


def test_the_list_sorts_by_a_column_and_refuses_an_unknown_one_with_a_message(
        admin_client, customer):
    for failed in (3, 1, 2):
        make_job(customer, failed=failed)
    by_failed = admin_client.get("/sync/jobs/?sort=failed").context["jobs"]
    assert [j.failed for j in by_failed] == [1, 2, 3]
    response = admin_client.get("/sync/jobs/?sort=password&per_page=7")
    assert response.status_code == 200
    shown = " ".join(str(m) for m in response.context["messages"])
    assert "Sort" in shown and "Per page" in shown


def test_the_csv_export_holds_every_filtered_job_with_the_chosen_columns(admin_client, customer):
    for _ in range(60):
        make_job(customer, status=JobStatus.FINISHED)
    dry_run(customer)
    admin_client.post("/lists/jobs/columns/", {"columns": ["job_name", "inserted", "message"]})
    response = admin_client.get("/sync/jobs/?export=csv&page=2")
    assert response["Content-Type"].startswith("text/csv")
    lines = b"".join(response.streaming_content).decode("utf-8-sig").splitlines()
    assert lines[0] == "Start Date/Time,Name,Inserted,Message"
    assert len(lines) == 62
    assert any("Dry run: couple 3, insert 2, update 1" in line for line in lines)


def test_a_column_choice_outside_the_table_changes_nothing(admin_client, customer):
    response = admin_client.post("/lists/jobs/columns/",
                                 {"columns": ["password"], "next": "https://evil.example/"})
    assert response.status_code == 302 and response.url == "/"
    assert admin_client.post("/lists/nope/columns/", {}).status_code == 404


def test_rows_per_page_are_chosen_and_the_filters_kept(admin_client, customer):
    for _ in range(30):
        make_job(customer)
    response = admin_client.get(f"/sync/jobs/?mapping={customer.name}&per_page=25")
    assert len(response.context["jobs"]) == 25
    html = response.content.decode()
    assert 'name="per_page"' in html and f'name="mapping" value="{customer.name}"' in html
    assert len(admin_client.get("/sync/jobs/?per_page=25&page=2").context["jobs"]) == 5
