"""`run-eval view`: a local, read-only web viewer of run directories (docs/viewer.md)."""
