"""Identities and merges (SPEC 10): one person across channels and CRM records.

Owns the pure rules of section 10: how an identity is normalised and keyed
(`normalise`), which persons the merge events make and which identities each
stream holds (`resolution`), which persons share an identity (`candidates`),
the `identities` section of the configuration file (`config`), and the repeat
contacts of SPEC 4 counted per person (`persons`).

No I/O. Imports only `journey.vocabulary` and `journey.rules` (and the
`phonenumbers` and `email-validator` libraries); `journey.ingest` and the read
side import it, never the other way round.
"""
