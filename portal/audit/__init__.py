"""The audit trail: an append-only record of what officials and administrators did."""
