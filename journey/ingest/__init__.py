"""The write path (SPEC 2.3): validation, sealing, idempotent appends through
small ports (`ports.py`), group commit, preparer processes and the bulk import.
Adapters behind the ports live in `journey.postgres`."""
