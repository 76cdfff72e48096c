"""Reading inputs: the report's raw text, the new-year workbook, and the multi-year store of
clean tables (raw -> clean)."""
