"""What a read answers (SPEC 6, 8): documents built from facts through the pure
rules, for projections and bitemporal replays alike, and the replay service over
a port that reads stored events."""
