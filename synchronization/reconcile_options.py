"""The reconciliation check of an option mapping (PAYMENT TERMS, SHIPMENT METHOD, SHIPPING
AGENT): Business Central codes against the Sales option set, through the option mappings.

A code is *missing in Sales* when no option mapping couples it, or its option value is not in
the option set; an option mapping is *missing in Business Central* when its code is gone. Sales
options no code maps to are listed as information for a mapping that only sends codes to Sales.
Blank rows the integration user created in the mapping's Sales table (what an option mapping
synchronized as records would leave behind) are reported as blank.
"""

from __future__ import annotations

from connection.clients import odata
from mappings.models import Direction, IntegrationTableMapping, OptionMapping
from synchronization.sides import BcSide, SalesSide


def check_options(mapping: IntegrationTableMapping, bc: BcSide, sales: SalesSide,
                  limit: int) -> dict:
    codes = {bc.number(r): bc.record_id(r) for page in bc.read_pages(None) for r in page}
    attribute = sales.metadata.attributes.get(mapping.integration_table_uid_field)
    options = {value: label for label, value in (attribute.options if attribute else {}).items()}
    rows = list(OptionMapping.objects.filter(mapping=mapping))
    mapped = {row.bc_code: row for row in rows}
    missing_sales = [{"side": "sales", "code": code, "bc_id": bc_id, "value": None, "label": ""}
                     for code, bc_id in codes.items() if code not in mapped]
    missing_sales += [_row("sales", row, codes) for row in rows
                      if row.bc_code in codes and row.option_value not in options]
    missing_bc = [_row("bc", row, codes) for row in rows if row.bc_code not in codes]
    used = {row.option_value for row in rows}
    sales_only = [{"side": "bc", "code": "", "bc_id": "", "value": value, "label": label}
                  for value, label in sorted(options.items()) if value not in used]
    if mapping.direction != Direction.TO_SALES:
        missing_bc += sales_only
        sales_only = []
    blank = _blank_rows(sales)
    counts = {"bc": len(codes), "sales": len(options),
              "coupled": sum(1 for r in rows if r.bc_code in codes and r.option_value in options),
              "missing_options_sales": len(missing_sales), "missing_options_bc": len(missing_bc),
              "sales_only_options": len(sales_only), "blank": len(blank)}
    return {"kind": "options", "match_fields": f"Code = {mapping.integration_table_uid_field}",
            "counts": counts, "error": "", "truncated": len(blank) > limit,
            "findings": {"missing_options": (missing_sales + missing_bc)[:limit],
                         "sales_only_options": sales_only[:limit],
                         "blank": [{"side": "sales", **b} for b in blank[:limit]]}}


def _row(side: str, row: OptionMapping, codes: dict[str, str]) -> dict:
    return {"side": side, "code": row.bc_code, "bc_id": codes.get(row.bc_code, ""),
            "value": row.option_value, "label": row.option_label}


def _blank_rows(sales: SalesSide) -> list[dict]:
    """Rows of the mapping's Sales table an integration user (any of the connection's
    application users) created with no primary name."""
    users = sales.integration_user_ids
    if not users:
        return []
    name = sales.metadata.primary_name_attribute
    id_field = sales.metadata.primary_id_attribute
    created_by = odata.any_equal("_createdby_value", users)
    pages = sales.client.query_pages(sales.entity_set, filter=created_by,
                                     select=[id_field, name])
    return [{"id": str(r.get(id_field) or "").lower(), "label": ""}
            for page in pages for r in page if not str(r.get(name) or "").strip()]
