"""The async runner: concurrency, rate limits, retries, cache, journal and budget."""
