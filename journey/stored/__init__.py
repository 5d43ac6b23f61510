"""The stored form of an event: binary COPY rows, the per-customer hash chain,
sealed personal data and data keys. Imports only `journey.vocabulary`."""
