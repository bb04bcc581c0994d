"""``InsertOptionValue``: new choices added to an option set, as a customizer adds them.

https://learn.microsoft.com/power-apps/developer/data-platform/webapi/reference/insertoptionvalue
The action is unbound; it takes ``OptionSetName`` (a global option set) or ``EntityLogicalName``
and ``AttributeLogicalName`` (a choice column), a ``Label`` (Label complex type) and an optional
``Value``; it answers ``{"NewOptionValue": n}``. Without a Value, Dataverse numbers the option in
the solution publisher's range: the default publisher's option value prefix is 10000, so values
start at 100,000,000.

Inserted options belong to the organization's schema: they are kept in the store (and so vanish
on a reset) and every reader of choice labels (metadata, write validation) sees them through
:func:`labels`. The sandbox process serves one organization, attached once at start.
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

from sandbox.dataverse_options import OPTION_SETS
from sandbox.dataverse_schema import ENTITIES
from sandbox.errors import ServiceError
from sandbox.messages import Request, Response, json_response
from sandbox.store import Store

# Default publisher: CustomizationOptionValuePrefix 10000 -> values from 10000 * 10,000.
PUBLISHER_RANGE = (100_000_000, 100_009_999)
META_KEY = "dataverse:inserted_options"

_attached: list[Store] = []


def attach(store: Store) -> None:
    """Remember the organization's store (one per sandbox process)."""
    _attached[:] = [store]


def labels(option_set: str) -> dict[int, str]:
    """The choices of an option set: the built-in ones and those inserted since the reset."""
    return {**OPTION_SETS[option_set], **_inserted().get(option_set, {})}


def _inserted() -> dict[str, dict[int, str]]:
    if not _attached:
        return {}
    return _parsed(_attached[0].meta(META_KEY) or "{}")


@lru_cache(maxsize=8)  # every choice column of every write reads them; they seldom change
def _parsed(stored_text: str) -> dict[str, dict[int, str]]:
    stored = json.loads(stored_text)
    return {name: {int(v): text for v, text in values.items()} for name, values in stored.items()}


def insert(store: Store, request: Request, api: str) -> Response:
    """Answer ``POST {api}/InsertOptionValue``."""
    if request.method != "POST":
        raise ServiceError(405, "0x8006088a", "InsertOptionValue is an action: use POST.")
    body = _body(request)
    option_set = _option_set(body)
    text = _label_text(body.get("Label"))
    with store.lock:
        current = labels(option_set)
        value = _value(body.get("Value"), current)
        stored = json.loads(store.meta(META_KEY) or "{}")
        stored.setdefault(option_set, {})[str(value)] = text
        store.set_meta(META_KEY, json.dumps(stored))
    context = f"{api}/$metadata#Microsoft.Dynamics.CRM.InsertOptionValueResponse"
    return json_response(200, {"@odata.context": context, "NewOptionValue": value},
                         [("OData-Version", "4.0")])


def _body(request: Request) -> dict[str, Any]:
    try:
        body = request.json()
    except ValueError as error:
        raise ServiceError(400, "0x80048d19", f"Invalid JSON: {error}") from error
    if not isinstance(body, dict):
        raise ServiceError(400, "0x80048d19", "The request body must be a JSON object.")
    return body


def _option_set(body: dict[str, Any]) -> str:
    name = body.get("OptionSetName")
    if name:
        if name not in OPTION_SETS:
            raise ServiceError(404, "0x80040217", f"Could not find optionset '{name}'.")
        return str(name)
    entity = ENTITIES.get(str(body.get("EntityLogicalName") or ""))
    if entity is None:
        raise ServiceError(404, "0x80040217", "Could not find entity with name "
                           f"'{body.get('EntityLogicalName')}'.")
    attribute = entity.attributes.get(str(body.get("AttributeLogicalName") or ""))
    if attribute is None or attribute.type != "Picklist" or not attribute.option_set:
        raise ServiceError(400, "0x80040203", f"Attribute '{body.get('AttributeLogicalName')}' "
                           f"of '{entity.logical_name}' is not a choice column.")
    return attribute.option_set


def _label_text(label: Any) -> str:
    localized = (label or {}).get("LocalizedLabels") if isinstance(label, dict) else None
    texts = [item.get("Label") for item in localized or [] if isinstance(item, dict)]
    if not texts or not isinstance(texts[0], str) or not texts[0].strip():
        raise ServiceError(400, "0x80040203", "Label is required: a Label with at least one "
                           "LocalizedLabels entry.")
    return texts[0]


def _value(requested: Any, current: dict[int, str]) -> int:
    if requested is None:
        free = (v for v in range(PUBLISHER_RANGE[0], PUBLISHER_RANGE[1] + 1) if v not in current)
        value = next(free, None)
        if value is None:
            raise ServiceError(400, "0x80047011", "No option value is left in the publisher's "
                               "range.")
        return value
    if not isinstance(requested, int) or isinstance(requested, bool):
        raise ServiceError(400, "0x80048d19", "Value must be an integer.")
    if requested in current:
        raise ServiceError(400, "0x80047011", f"An option with the value {requested} already "
                           "exists.")
    return requested
