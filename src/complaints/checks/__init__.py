"""Checks on the clean tables: the identities figures obey, reconciliation and the GX suites
(clean -> checked)."""
