pytest_plugins = ["tests.plugins.database", "tests.plugins.server", "tests.plugins.reliability"]
