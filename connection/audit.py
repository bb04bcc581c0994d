"""The audit trail of a connection's settings: snapshot before, compare after, record changes."""

from django.db import models

from connection.models import ConnectionSetup, SettingChange

# Bookkeeping that changes on every test or wizard step; not a "setting" anyone chose.
NOT_AUDITED = {
    "id", "created_at", "updated_at", "status", "last_test_at", "last_test", "wizard_step",
    "wizard_data", "wizard_completed", "mapped_user_emails", "sales_version",
    "base_currency_code", "solution_installed",
}
CHANGED = "changed"


def _audited_fields() -> list[models.Field]:
    return [
        field for field in ConnectionSetup._meta.concrete_fields if field.name not in NOT_AUDITED
    ]


def _caption(field: models.Field) -> str:
    name = str(field.verbose_name)
    return name.removesuffix(" (encrypted)")


def snapshot(connection: ConnectionSetup) -> dict[str, str]:
    """Each audited setting as text; secrets as their ciphertext, which is never shown."""
    values = {}
    for field in _audited_fields():
        value = getattr(connection, field.attname)
        values[field.name] = "" if value is None else str(value)
    return values


def record_changes(
    connection: ConnectionSetup, before: dict[str, str], user=None
) -> list[SettingChange]:
    """Store one SettingChange per setting that differs from ``before``."""
    after = snapshot(connection)
    changes = []
    for field in _audited_fields():
        old, new = before.get(field.name, ""), after[field.name]
        if old == new:
            continue
        secret = field.name.endswith("_encrypted")
        changes.append(
            SettingChange(
                connection=connection, user=user if getattr(user, "pk", None) else None,
                field=field.name.removesuffix("_encrypted"), caption=_caption(field),
                old_value=CHANGED if secret and old else ("" if secret else old),
                new_value=(CHANGED if new else "cleared") if secret else new,
            )
        )
    return SettingChange.objects.bulk_create(changes)
