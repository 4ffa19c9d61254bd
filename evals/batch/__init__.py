"""Batch mode: requests sent through the providers' batch APIs at the batch price (docs/scale.md)."""
