"""The pure rules of SPEC 3-5: facts (the read side's view of an event), cases,
repeat contacts, SLA clocks and business calendars, and the SLA configuration.
No I/O. Imports only `journey.vocabulary`."""
