"""Test helpers shipped with the package: a local fake provider server speaking each provider's
wire protocol, for tests, benchmarks and soak runs (nothing here talks to a real provider)."""
