"""A resident's rights over their data (Decree 13/2023/ND-CP): to see and export it
(export.py), to have it deleted (deletion.py), and the ward's promise to keep it no longer
than needed (retention.py)."""
