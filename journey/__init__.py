"""The customer-journey store: domain, ingestion and the pure folds shared by
projections and bitemporal replays."""
