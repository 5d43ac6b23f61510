"""PostgreSQL adapters: the recorder, the key store, the read paths, the audit
reader, the database (configured or embedded) and migrations. The only room
that spells SQL of the events table."""
