"""The customer-journey store's core, in rooms by concept. Imports point down
only, and no room imports another on its own line (checked by
`tests/unit/test_layers.py`, run by `./dev lint`):

    runtime                   the composition root
    settings | demo           what it reads; generated histories
    postgres                  adapters: recorder, key store, reads, database
    integrity                 audit: chain verification, erasure, export
    brief                     the agent's brief (SPEC 11)
    reading | ingest          what a read answers, now or replayed | the write path
    identities                identities, merges and persons (SPEC 10), pure
    stored | rules            the stored form | the pure folds (cases, contacts, SLA)
    vocabulary                the contract's words, the envelope, the event classes

Rooms for the sections still to come are cut the same way: expectations,
waits, drivers and goals (SPEC 12-15) as pure rules beside `identities`, read
through `reading`; the analyst lake (SPEC 16) above `postgres`, reading the log
through `journey.postgres.reads` only.
"""
