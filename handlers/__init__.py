"""Lambda entrypoints: wire the adapters once per container and delegate to the core."""
