"""``python manage.py process_sales_orders [--quotes] [--connection NAME] [--wait]``: run the
Automatically Create Sales Orders job once (with ``--quotes`` the Automatically Process Sales
Quotes job), as the job queue would.

The worker runs the job; with ``--wait`` the command follows the job row until it ends, prints
its counters and errors, and exits with status 1 when a document failed.
"""

from __future__ import annotations

import time
from typing import cast

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from connection.models import ConnectionSetup
from synchronization.leadtocash import jobs as leadtocash_jobs
from synchronization.models import SyncError, SyncJob

POLL_SECONDS = 0.5
NOT_FOUND = 2


class Command(BaseCommand):
    help = "Create Business Central sales orders from submitted Sales orders (or quotes) now."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--connection", help="connection name (needed when there are "
                                                 "several)")
        parser.add_argument("--quotes", action="store_true",
                            help="process activated Sales quotes instead of orders")
        parser.add_argument("--wait", action="store_true", help="wait until the job ends")
        parser.add_argument("--timeout", type=int, default=600,
                            help="seconds to wait with --wait (default 600)")

    def handle(self, *args, connection: str | None, quotes: bool, wait: bool, timeout: int,
               **options) -> None:
        chosen = find_connection(connection)
        kind = leadtocash_jobs.PROCESS_QUOTES if quotes else leadtocash_jobs.CREATE_ORDERS
        with transaction.atomic():
            job = leadtocash_jobs.start(kind, chosen, started_by="manage.py process_sales_orders")
        self.stdout.write(f"Started job {job.pk}: {leadtocash_jobs.TITLES[kind]} "
                          f"({chosen.name}).")
        if not wait:
            self.stdout.write("The worker runs it; follow it on the jobs page or with --wait.")
            return
        self.report(follow(job, timeout))

    def report(self, job: SyncJob) -> None:
        self.stdout.write(f"job {job.pk} {job.get_status_display()}: inserted {job.inserted}, "
                          f"unchanged {job.unchanged}, failed {job.failed}.")
        for error in SyncError.objects.filter(job=job).order_by("pk"):
            self.stdout.write(f"  {error.source_label}: {error.message}")
        if job.message:
            self.stdout.write(job.message)
        if job.has_failures:
            raise CommandError(f"Job {job.pk} had failures.")


def follow(job: SyncJob, timeout: int) -> SyncJob:
    """The job once it ended; CommandError if it is still running after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        job.refresh_from_db()
        if not job.is_active:
            return job
        if time.monotonic() > deadline:
            raise CommandError(f"Job {job.pk} is still {job.get_status_display()} after "
                               f"{timeout} s; is a worker running?")
        time.sleep(POLL_SECONDS)


def find_connection(name: str | None) -> ConnectionSetup:
    """The named connection, or the only one."""
    connections = ConnectionSetup.objects.order_by("name")
    if name:
        found = connections.filter(name__iexact=name).first()
        if found is None:
            raise CommandError(f"There is no connection named {name!r}.", returncode=NOT_FOUND)
        return found
    if connections.count() == 1:
        return cast(ConnectionSetup, connections.first())  # counted: there is one
    raise CommandError("Choose a connection with --connection." if connections.exists()
                       else "No connection is set up yet.", returncode=NOT_FOUND)
