"""Campaign definitions: TOML files, their schema, loader and audience rules."""
