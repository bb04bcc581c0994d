"""In-memory stand-ins for the two service clients, for page tests that must not need the
sandbox (the sandbox tests use the real clients)."""

from connection.clients.results import AttributeMetadata, EntityMetadata


class FakeBusinessCentral:
    def __init__(self, records: dict[str, list[dict]]) -> None:
        self.records = records

    def query(self, entity, filter=None, select=None):
        return iter(self.records.get(entity, []))


class FakeDataverse:
    def __init__(self, records: dict[str, list[dict]]) -> None:
        self.records = records

    def query(self, entity_set, filter=None, select=None, page_size=None):
        return iter(self.records.get(entity_set, []))

    def entity_metadata(self, logical_name):
        attributes = {
            "accountid": AttributeMetadata("accountid", "uniqueidentifier"),
            "name": AttributeMetadata("name", "string"),
            "telephone1": AttributeMetadata("telephone1", "string"),
            "creditlimit": AttributeMetadata("creditlimit", "money"),
            "statecode": AttributeMetadata("statecode", "state",
                                           options={"Active": 0, "Inactive": 1}),
            "customertypecode": AttributeMetadata("customertypecode", "picklist",
                                                  options={"Customer": 3, "Vendor": 11}),
        }
        return EntityMetadata(logical_name, f"{logical_name}s", f"{logical_name}id", "name",
                              attributes)
