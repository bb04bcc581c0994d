"""Rows the synchronization page tests build on: a connection, mappings, jobs and errors."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from connection.models import ConnectionSetup
from mappings.models import Coupling, IntegrationTableMapping
from synchronization.models import JobStatus, SyncDirection, SyncError, SyncJob


@pytest.fixture
def connection(db) -> ConnectionSetup:
    return ConnectionSetup.objects.create(
        name="CRONUS", server_address="https://cronus.crm4.dynamics.com",
        web_client_url="https://businesscentral.dynamics.com/tenant/Production",
        bc_company_name="CRONUS USA, Inc.", is_enabled=True)


@pytest.fixture
def customer(connection) -> IntegrationTableMapping:
    return make_mapping(connection, "CUSTOMER", "Customer", 18, "account")


@pytest.fixture
def contact(connection) -> IntegrationTableMapping:
    return make_mapping(connection, "CONTACT", "Contact", 5050, "contact")


def make_mapping(connection, name: str, table: str, table_id: int,
                 entity: str) -> IntegrationTableMapping:
    return IntegrationTableMapping.objects.create(
        connection=connection, name=name, bc_table=table, bc_table_id=table_id,
        bc_entity=f"{table.lower()}s", sales_entity=entity, sales_entity_set=f"{entity}s",
        integration_table_uid_field=f"{entity}id")


def make_job(mapping: IntegrationTableMapping, status: str = JobStatus.FINISHED,
             direction: str = SyncDirection.TO_SALES, ago: timedelta = timedelta(0),
             **fields) -> SyncJob:
    """A job of ``mapping`` created ``ago`` before now; finished jobs took a minute."""
    created = timezone.now() - ago
    ended = status not in (JobStatus.PENDING, JobStatus.RUNNING)
    values = {"kind": "mapping", "connection": mapping.connection, "mapping": mapping,
              "mapping_name": mapping.name, "direction": direction, "mode": "all",
              "status": status, "created_at": created,
              "started_at": None if status == JobStatus.PENDING else created,
              "finished_at": created + timedelta(minutes=1) if ended else None,
              "heartbeat_at": created, **fields}
    return SyncJob.objects.create(**values)


def make_error(job: SyncJob, message: str = "The field Name is required.", **fields) -> SyncError:
    values = {"job": job, "mapping": job.mapping, "direction": job.direction,
              "source_id": str(uuid.uuid4()), "destination_id": str(uuid.uuid4()),
              "source_label": "10000 Adatum Corporation", "message": message,
              "error_code": "0x80040203", "correlation_id": str(uuid.uuid4()), **fields}
    return SyncError.objects.create(**values)


def couple(mapping: IntegrationTableMapping, number: str = "", name: str = "",
           **fields) -> Coupling:
    return Coupling.objects.create(mapping=mapping, bc_id=uuid.uuid4(), sales_id=uuid.uuid4(),
                                   bc_number=number, display_name=name, **fields)
