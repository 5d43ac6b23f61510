"""The web pages: a customer's journey across channels and the service dashboard."""
