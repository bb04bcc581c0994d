"""What the apps above ``connection`` lend to its card, wizard and commands.

Imports run ``connection`` <- ``mappings`` <- ``synchronization``, yet the card and the assisted
setup offer **Use Default Synchronization Setup**, **Couple Salespersons** and **Run Full
Synchronization**, which live in the upper apps. Each upper app hands its callables to this
registry in its ``AppConfig.ready()`` (NetBox's plugin registry is the model), so the
connection calls them without importing them and the import graph stays one-way and visible.
The mappings app borrows the same way from the synchronization app: a mapping's schedule is a
job queue entry, which lives with the jobs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from connection.models import ConnectionSetup


class FeatureUnavailable(Exception):
    """The app that does this is not installed in this version; the message says which."""


@dataclass(frozen=True)
class MappingsFeatures:
    """What ``mappings`` provides: the default setup and the salesperson couplings."""

    has_setup: Callable[[ConnectionSetup], bool]
    apply_default_setup: Callable[[ConnectionSetup], int]
    default_mapping_plan: Callable[[ConnectionSetup], list[dict[str, Any]]]
    remove_unselected_mappings: Callable[[ConnectionSetup, list[str]], int]
    couple_salespeople: Callable[[ConnectionSetup, list[dict[str, str]]], int]
    coupled_salespeople: Callable[[ConnectionSetup], dict[str, str]]
    switch_sales_order_setup: Callable[[ConnectionSetup, bool], list[str]]


@dataclass(frozen=True)
class SynchronizationFeatures:
    """What ``synchronization`` provides: starting runs, job queue entries and the last run.

    Each ``start_*`` takes the connection and ``started_by`` and returns the job row it
    created, or raises as ``synchronization.jobs.start`` does (a disabled connection).
    """

    start_full_sync: Callable[..., Any]
    start_modified_sync: Callable[..., Any]
    start_initial_sync: Callable[..., Any]
    set_jobs_on_hold: Callable[[ConnectionSetup, bool], int]
    last_full_sync: Callable[[ConnectionSetup], str]
    recommend: Callable[[ConnectionSetup, list[dict[str, Any]], list[str]],
                        list[dict[str, Any]]]


@dataclass(frozen=True)
class ScheduleFeatures:
    """What ``synchronization`` lends ``mappings``: the job queue entries, which live with the
    jobs, as the default setup, the import and the mapping card write them.

    A schedule is a dict of the entry's settings (``no_of_minutes_between_runs``,
    ``inactivity_timeout_period``, ``maximum_no_of_attempts_to_run``, ``rerun_delay_sec``,
    ``enabled``); ``None`` means no entry. A connection job is a schedule with ``kind`` and
    ``description``.
    """

    schedules: Callable[[ConnectionSetup], dict[int, dict[str, Any]]]
    set_schedule: Callable[[Any, dict[str, Any] | None], None]
    reset_connection_jobs: Callable[[ConnectionSetup, list[dict[str, Any]]], None]
    add_connection_jobs: Callable[[ConnectionSetup, list[dict[str, Any]]], list[str]]
    remove_connection_jobs: Callable[[ConnectionSetup, list[str]], int]
    schedule_form: Callable[..., Any]
    import_form: Callable[..., Any]


@dataclass
class _Registry:
    mappings: MappingsFeatures | None = None
    synchronization: SynchronizationFeatures | None = None
    schedules: ScheduleFeatures | None = None


_registry = _Registry()


def provide_mappings(features: MappingsFeatures) -> None:
    """Called once by ``mappings`` in its ``ready()``."""
    _registry.mappings = features


def provide_synchronization(features: SynchronizationFeatures) -> None:
    """Called once by ``synchronization`` in its ``ready()``."""
    _registry.synchronization = features


def provide_schedules(features: ScheduleFeatures) -> None:
    """Called once by ``synchronization`` in its ``ready()``."""
    _registry.schedules = features


def mappings() -> MappingsFeatures:
    """The mappings app's features; FeatureUnavailable when it is not installed."""
    if _registry.mappings is None:
        raise FeatureUnavailable("Integration table mappings are not available in this version.")
    return _registry.mappings


def synchronization() -> SynchronizationFeatures:
    """The synchronization app's features; FeatureUnavailable when it is not installed."""
    if _registry.synchronization is None:
        raise FeatureUnavailable("Synchronization is not available in this version.")
    return _registry.synchronization


def schedules() -> ScheduleFeatures:
    """The job queue entries' features; FeatureUnavailable without the synchronization app."""
    if _registry.schedules is None:
        raise FeatureUnavailable("Job queue entries are not available in this version.")
    return _registry.schedules


def has_synchronization_setup(connection: ConnectionSetup) -> bool:
    """Whether the connection has any integration table mapping yet (False without mappings)."""
    return _registry.mappings is not None and _registry.mappings.has_setup(connection)


def coupled_salespeople(connection: ConnectionSetup) -> dict[str, str]:
    """Existing salesperson couplings (Sales user id -> BC salesperson id), or none."""
    if _registry.mappings is None:
        return {}
    return _registry.mappings.coupled_salespeople(connection)


def set_jobs_on_hold(connection: ConnectionSetup, on_hold: bool) -> int:
    """Put the connection's job queue entries on hold (or take them off); 0 without them."""
    if _registry.synchronization is None:
        return 0
    return _registry.synchronization.set_jobs_on_hold(connection, on_hold)


def recommend(connection: ConnectionSetup, plan: list[dict[str, Any]],
              selected: list[str]) -> list[dict[str, Any]]:
    """Record counts and the initial synchronization recommendation of the selected tables of
    ``plan`` (rows with ``couple`` set where both sides hold records); none without the
    synchronization app."""
    if _registry.synchronization is None:
        return []
    return _registry.synchronization.recommend(connection, plan, selected)


def last_full_sync(connection: ConnectionSetup) -> str:
    """The last full synchronization in words ("finished 12:03, 4 lines with errors")."""
    if _registry.synchronization is None:
        return ""
    return _registry.synchronization.last_full_sync(connection)
