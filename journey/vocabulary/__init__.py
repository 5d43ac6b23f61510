"""The contract's vocabulary (SPEC 2): types, channels, statuses, priorities, the
envelope and the event classes. The bottom of the store: imports nothing of it."""
