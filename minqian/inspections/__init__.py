"""Inspection planning and oversight: item lists, plans, scan-to-enter records, warnings."""
