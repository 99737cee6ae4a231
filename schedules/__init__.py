"""The daemon and the calendars it plans by (lunar, zodiac, star signs, working days)."""
