"""The `journey` console script and `./dev`, run as a newcomer runs them."""
