"""Pages that move the data and show what happened: jobs, errors, full synchronization,
reconciliation, job queue entries, lead-to-cash documents (one module per area, as in
mappings.views)."""
