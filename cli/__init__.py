"""The `journey` command: the command-line composition root."""
