"""The baseline schema (revision 0001): what releases before migrations made.

Frozen here so that catching up an old data dir never depends on tables or
columns that later revisions add.
"""

from __future__ import annotations

BASELINE_TABLES: tuple[str, ...] = (
    "api_keys", "enterprises", "inspection_plans", "region_rollups", "coefficient_snapshots",
    "enforcement_records", "enterprise_reports", "inspection_schemes", "plan_entries", "risk_registers",
    "special_approvals", "workers", "inspection_records", "risk_entries", "inspection_findings",
    "record_amendments", "risk_codes", "hazard_reports", "patrol_checkins", "hazard_report_events",
)  # fmt: skip

# Nullable columns that releases before the baseline added to existing tables
# (api_keys.region_code with issue 5, enterprises.size with the population).
BASELINE_NULLABLE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("api_keys", "enterprise_id"), ("api_keys", "region_code"), ("enterprises", "credit_code"),
    ("enterprises", "size"), ("inspection_plans", "region_code"),
)  # fmt: skip
