"""`make faults`: fault injection, fault cases and reconciliation against a real broker and workers."""
