"""Pages about what maps to what: mappings, field and option mappings, couplings, import/export."""
