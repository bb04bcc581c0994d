"""Pages about where we connect and whether it works: connections and their card, card
actions, the assisted setup wizard, sales order integration (one module per area, as in
mappings.views)."""
