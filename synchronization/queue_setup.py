"""Job queue entries as the mappings app writes them: the default setup, an imported mappings
file and the mapping card. Handed to ``connection.registry`` in ``SynchronizationConfig.ready()``
(the mappings app sits below this one and must not import it)."""

from __future__ import annotations

from typing import Any

from django.http import QueryDict

from connection.models import ConnectionSetup
from connection.registry import ScheduleFeatures
from mappings.models import IntegrationTableMapping
from synchronization.models import EntryKind, JobQueueEntry
from synchronization.queue_forms import ImportedScheduleForm, RecurrenceForm

SCHEDULE_FIELDS = ImportedScheduleForm.Meta.fields
MAPPING_JOB_DESCRIPTION = " {name} - Dynamics 365 Sales synchronization job."


def schedules(connection: ConnectionSetup) -> dict[int, dict[str, Any]]:
    """The schedule of each scheduled mapping of the connection, by mapping id (one query)."""
    entries = JobQueueEntry.objects.filter(connection=connection, kind=EntryKind.MAPPING,
                                           mapping__isnull=False)
    return {entry.mapping_id: {name: getattr(entry, name) for name in SCHEDULE_FIELDS}
            for entry in entries if entry.mapping_id is not None}


def set_schedule(mapping: IntegrationTableMapping, schedule: dict[str, Any] | None) -> None:
    """Give the mapping this schedule (its entry created or updated), or none (``None``)."""
    if schedule is None:
        JobQueueEntry.objects.filter(mapping=mapping).delete()
        return
    JobQueueEntry.objects.update_or_create(mapping=mapping, defaults={
        "connection": mapping.connection, "kind": EntryKind.MAPPING,
        "description": MAPPING_JOB_DESCRIPTION.format(name=mapping.name), **schedule})


def reset_connection_jobs(connection: ConnectionSetup, jobs: list[dict[str, Any]]) -> None:
    """Replace the connection-level entries by ``jobs`` (each recreated from scratch)."""
    JobQueueEntry.objects.filter(connection=connection).exclude(kind=EntryKind.MAPPING).delete()
    JobQueueEntry.objects.bulk_create(JobQueueEntry(connection=connection, **job) for job in jobs)


def add_connection_jobs(connection: ConnectionSetup, jobs: list[dict[str, Any]]) -> list[str]:
    """Add the connection-level entries of ``jobs`` that are missing (existing ones keep their
    settings); the descriptions of those added."""
    added = []
    for job in jobs:
        defaults = {name: value for name, value in job.items() if name != "kind"}
        _, created = JobQueueEntry.objects.get_or_create(connection=connection, kind=job["kind"],
                                                         defaults=defaults)
        if created:
            added.append(job["description"])
    return added


def remove_connection_jobs(connection: ConnectionSetup, kinds: list[str]) -> int:
    """Delete the connection-level entries of these kinds; how many went."""
    deleted, _ = JobQueueEntry.objects.filter(connection=connection, kind__in=kinds).delete()
    return deleted


def schedule_form(mapping: IntegrationTableMapping,
                  data: QueryDict | None = None) -> RecurrenceForm | None:
    """The mapping card's schedule form (fields prefixed ``job-``), or None when the mapping has
    no entry."""
    entry = JobQueueEntry.objects.filter(mapping=mapping).first()
    return RecurrenceForm(data, instance=entry, prefix="job") if entry else None


FEATURES = ScheduleFeatures(
    schedules=schedules, set_schedule=set_schedule,
    reset_connection_jobs=reset_connection_jobs, add_connection_jobs=add_connection_jobs,
    remove_connection_jobs=remove_connection_jobs, schedule_form=schedule_form,
    import_form=ImportedScheduleForm,
)
