"""Reports staff read: the funnel, referrals, visits before conversion, follow-ups. SQL aggregations only."""
