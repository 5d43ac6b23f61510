"""Integrity and personal data (SPEC 7): chain verification, erasure by
crypto-shredding and the data subject's export, over ports the PostgreSQL
adapters fill."""
