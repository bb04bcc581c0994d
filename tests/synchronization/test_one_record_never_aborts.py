"""One record's failure, even one the database raises, becomes an error row; the job goes on."""

import uuid

import pytest

from mappings.models import Coupling
from synchronization.models import JobStatus, SyncError
from synchronization.sides import BcSide
from synchronization.writes import deterministic_id
from tests.synchronization.engine_support import bc, full, integration_dataverse, mapping

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_coupling_the_database_refuses_fails_that_record_and_the_others_are_coupled(
        synced_connection):
    uom = mapping(synced_connection, "UNIT OF MEASURE")
    side = BcSide(uom, bc(synced_connection))
    units = [r for page in side.read_pages(None) for r in page]
    victim = side.record_id(units[0])
    # The Sales row this unit will be created as is already coupled to another BC record: the
    # coupling's unique index refuses the new coupling (an IntegrityError).
    Coupling.objects.create(mapping=uom, bc_id=uuid.uuid4(),
                            sales_id=deterministic_id(uom, victim))

    [job] = full(uom)

    assert job.status == JobStatus.FINISHED
    assert (job.inserted, job.failed) == (len(units) - 1, 1)
    error = SyncError.objects.get(job=job)
    assert error.source_id == victim and "already coupled" in error.message
    coupled = Coupling.objects.filter(mapping=uom).exclude(bc_id__in=[
        c.bc_id for c in Coupling.objects.filter(mapping=uom, bc_number="")])
    assert {str(c.bc_id) for c in coupled} == {side.record_id(u) for u in units} - {victim}
    sales = integration_dataverse(synced_connection)
    for coupling in coupled:  # both systems: every coupled unit group exists in Sales
        assert sales.get("uomschedules", str(coupling.sales_id), select=["name"])["name"]
