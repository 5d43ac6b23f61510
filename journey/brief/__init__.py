"""The agent's brief (SPEC 11): what an agent needs, in one answer, when a
person reaches out again, over every stream of the person.

Owns the pure definition of each field from facts judged at a reading's `at`
(`fields`) and the assembly of the document that both ways of reading it share
(`document`): "now" from the projection tables and indexed reads, and a
bitemporal replay (`as_of`/`at`) from the stored facts, so the two can never
disagree. No I/O.

May import `journey.reading`, `journey.identities`, `journey.rules` and
`journey.vocabulary`; never `journey.postgres`, `projections` or `api`.
"""
