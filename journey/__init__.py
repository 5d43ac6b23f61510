"""The customer-journey store's core, in rooms by concept. Imports point down
only (checked by `tests/unit/test_layers.py`):

    runtime, settings, demo   the composition root and what it reads
    postgres                  adapters: recorder, key store, reads, database
    ingest | integrity        services of the write path and of audit
    reading                   what a read answers, now or replayed
    rules                     the pure folds: cases, contacts, SLA, calendars
    stored                    the stored form: rows, hash chain, sealed pii
    vocabulary                the contract's words, the envelope, the event classes
"""
