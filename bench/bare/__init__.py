"""Bare baselines: the same work as jinli's hot paths with no framework (plain DB-API, Jinja, loops)."""
