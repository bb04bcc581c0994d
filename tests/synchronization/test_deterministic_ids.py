"""The id a created record gets is uuid5 of the connection, the mapping and the source id: the
same on every attempt, and the same as before it was written out for speed."""

import uuid
from types import SimpleNamespace

from synchronization.writes import deterministic_id


def test_the_id_is_uuid5_of_connection_mapping_and_source_id():
    for connection_id, name, source_id in [
            (1, "CUSTOMER", "FBAFCF1A-12C5-53FF-B062-06427B573F61"),
            (7, "UNIT OF MEASURE", "pcs"), (12, "CUSTOMER", "Müller & Söhne")]:
        mapping = SimpleNamespace(connection_id=connection_id, name=name)
        expected = uuid.uuid5(uuid.NAMESPACE_URL,
                              f"bcsales:{connection_id}:{name}:{source_id.lower()}")
        assert deterministic_id(mapping, source_id) == str(expected)


def test_ids_differ_by_connection_mapping_and_source():
    ids = {deterministic_id(SimpleNamespace(connection_id=c, name=n), s)
           for c in (1, 2) for n in ("CUSTOMER", "ITEM-PRODUCT") for s in ("a", "b")}
    assert len(ids) == 8
