"""Run-time settings of the sandbox: defaults, validation and partial JSON merge.

Settings are plain JSON so the control API (``PATCH /_sandbox/settings``) and the command-line
options share one shape. Times are in emulated seconds; ``time_scale`` s makes a window of W
emulated seconds last W / s real seconds (latency and server time shrink the same way).
"""

from __future__ import annotations

import copy
import re
from typing import Any

FAULT_KINDS = ("429", "500", "503", "timeout", "drop")
WHOLE_NUMBERS = {
    "requests_per_window", "concurrency", "queue_size", "token_lifetime_seconds", "dop_hint"
}

DEFAULTS: dict[str, Any] = {
    "time_scale": 1.0,
    "token_lifetime_seconds": 3600,
    "admin_mode": False,
    "dataverse": {
        "limits_enabled": False,
        "requests_per_window": 6000,
        "execution_seconds_per_window": 1200,
        "window_seconds": 300,
        "concurrency": 52,
        # The x-ms-dop-hint every Web API answer carries: the degree of parallelism the
        # environment recommends. Microsoft gives no fixed number (it depends on the servers
        # allocated); 4 is what a small environment answers.
        # https://learn.microsoft.com/power-apps/developer/data-platform/send-parallel-requests
        "dop_hint": 4,
        "server_time_ms": 0,
        # Server time per record of CreateMultiple/UpdateMultiple/UpsertMultiple: a bulk
        # request costs bulk_record_time_ms x its records (instead of server_time_ms).
        "bulk_record_time_ms": 0,
        "latency_ms": 0,
        "fault_rate": 0.0,
        "fault_kinds": list(FAULT_KINDS),
        "timeout_seconds": 10,
        # "table.column" names whose attribute metadata EntityDefinitions leaves out, as an
        # environment where a column's metadata is not readable does: a client must not guess.
        "metadata_hidden_attributes": [],
    },
    "business_central": {
        "limits_enabled": False,
        "requests_per_window": 6000,
        "window_seconds": 300,
        "concurrency": 5,
        "queue_size": 95,
        "server_time_ms": 0,
        "latency_ms": 0,
        "fault_rate": 0.0,
        "fault_kinds": list(FAULT_KINDS),
        "timeout_seconds": 10,
    },
}


class SettingsError(ValueError):
    """A settings patch with an unknown key or a value of the wrong type or range."""


def defaults() -> dict[str, Any]:
    """A fresh copy of the default settings."""
    return copy.deepcopy(DEFAULTS)


def merge(current: dict[str, Any], patch: Any) -> dict[str, Any]:
    """Return ``current`` updated with ``patch``; raise :class:`SettingsError` when invalid."""
    if not isinstance(patch, dict):
        raise SettingsError("settings must be a JSON object")
    result = copy.deepcopy(current)
    _merge_into(result, patch, DEFAULTS, "")
    return result


def _merge_into(target: dict, patch: dict, shape: dict, prefix: str) -> None:
    for key, value in patch.items():
        name = f"{prefix}{key}"
        if key not in shape:
            raise SettingsError(f"unknown setting '{name}'")
        if isinstance(shape[key], dict):
            if not isinstance(value, dict):
                raise SettingsError(f"'{name}' must be an object")
            _merge_into(target[key], value, shape[key], f"{name}.")
        else:
            target[key] = _validated(name, key, value, shape[key])


def _validated(name: str, key: str, value: Any, default: Any) -> Any:
    if isinstance(default, bool):
        if not isinstance(value, bool):
            raise SettingsError(f"'{name}' must be true or false")
        return value
    if isinstance(default, list):
        if key == "metadata_hidden_attributes":
            return _validated_columns(name, value)
        return _validated_kinds(name, value)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise SettingsError(f"'{name}' must be a number")
    return _validated_number(name, key, value, default)


def _validated_number(name: str, key: str, value: float, default: Any) -> Any:
    if key == "fault_rate" and not 0 <= value <= 1:
        raise SettingsError(f"'{name}' must be between 0 and 1")
    if key in ("time_scale", "window_seconds") and value <= 0:
        raise SettingsError(f"'{name}' must be greater than 0")
    if key in ("requests_per_window", "concurrency", "dop_hint") and value < 1:
        raise SettingsError(f"'{name}' must be at least 1")
    if value < 0:
        raise SettingsError(f"'{name}' must not be negative")
    if key in WHOLE_NUMBERS:
        if value != int(value):
            raise SettingsError(f"'{name}' must be a whole number")
        return int(value)
    return int(value) if isinstance(default, int) and value == int(value) else float(value)


def _validated_kinds(name: str, value: Any) -> list[str]:
    if not isinstance(value, list) or not value:
        raise SettingsError(f"'{name}' must be a non-empty list")
    unknown = [kind for kind in value if kind not in FAULT_KINDS]
    if unknown:
        raise SettingsError(f"'{name}' has unknown kinds {unknown}; use {list(FAULT_KINDS)}")
    return list(value)


def _validated_columns(name: str, value: Any) -> list[str]:
    if not isinstance(value, list) or not all(
        isinstance(item, str) and re.fullmatch(r"\w+\.\w+", item) for item in value
    ):
        raise SettingsError(f"'{name}' must be a list of \"table.column\" names")
    return [item.lower() for item in value]
