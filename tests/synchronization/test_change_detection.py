"""Which records count as changed since their last synchronization.

Dataverse's modifiedon has whole seconds, so the Sales side is compared by versionnumber; BC's
lastModifiedDateTime has milliseconds and BC's own 10 ms tolerance.
"""

from datetime import UTC, datetime, timedelta

from mappings.models import Coupling

SECOND = datetime(2026, 12, 1, 9, 30, 15, tzinfo=UTC)


def synced(version: int | None = 1000) -> Coupling:
    coupling = Coupling(bc_modified_on=SECOND, sales_modified_on=SECOND)
    coupling.sales_version = version
    return coupling


def test_a_sales_edit_in_the_same_second_as_the_sync_is_a_change():
    assert synced(1000).is_sales_modified_after_last_sync(SECOND, version=1001)


def test_a_sales_row_with_the_synchronized_version_is_unchanged_even_if_its_stamp_moved():
    later = SECOND + timedelta(seconds=3)
    assert not synced(1000).is_sales_modified_after_last_sync(later, version=1000)


def test_without_a_version_the_sales_stamp_decides():
    assert not synced(None).is_sales_modified_after_last_sync(SECOND, version=1001)
    assert synced(None).is_sales_modified_after_last_sync(SECOND + timedelta(seconds=1))


def test_a_bc_edit_ten_milliseconds_later_is_a_change_and_a_closer_one_is_not():
    assert synced().is_bc_modified_after_last_sync(SECOND + timedelta(milliseconds=10))
    assert not synced().is_bc_modified_after_last_sync(SECOND + timedelta(milliseconds=9))
