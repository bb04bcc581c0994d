"""Small helpers the synchronization pages share."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Q, QuerySet
from django.http import HttpRequest

from synchronization.models import SyncJob


def jobs_of(connection) -> QuerySet:
    """Jobs of the connection, plus connection-less ones (the worker check) so they show too."""
    return SyncJob.objects.filter(Q(connection=connection) | Q(connection__isnull=True))


def warn(request: HttpRequest, problems: list[str]) -> None:
    """Say on the page which inputs were ignored; the page itself still renders."""
    for problem in filter(None, problems):
        messages.warning(request, problem)


def first_error(form) -> str:
    """The first validation message of a form, for a one-line message after a redirect."""
    return next((e for errors in form.errors.values() for e in errors),
                "The request was not understood.")
