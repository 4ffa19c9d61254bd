"""The `run-eval` command line."""
