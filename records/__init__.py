"""The records jinli keeps: customers, holdings, movements, tiers, events, referrals, the outbox."""
