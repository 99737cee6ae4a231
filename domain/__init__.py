"""The shop's pure domain values, below every other package: calendars (lunar tables, zodiac, star signs,
birthdays, working days and the holiday file, festivals and solar terms) and the phone number type.

Imports, campaigns, the daemon, messaging and reports all use them; nothing here imports any of those.
"""
