"""The tier letters, best first, P for prospects (DOMAIN.md §1); importable without the database models."""

TIERS = ("A", "B", "C", "P")
