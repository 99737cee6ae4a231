-- A million customers with holdings and movements for timing the tier recompute on PostgreSQL, in a
-- few SQL statements (the CSV import path takes half an hour at this size on the shared machine).
-- Run on a database migrated to the schema under test: psql -v n=1000000 -f bench/pg_tier_fill.sql
-- The mix gives every tier: deposits from 0 to 1.5 M yuan, terms 1m..3y, renewals, top-ups,
-- withdrawals and referrals for some customers; every customer starts as tier P (as after an import).
\set ON_ERROR_STOP on
\timing on
INSERT INTO customers (id, name, phone, phone_status, store, gender, joined_on, birth_leap, referrer_id,
                       referral_code, opted_out, tier, tier_score, created_at, updated_at)
SELECT g, '客户' || g, '+86139' || lpad(g::text, 8, '0'), 'ok', 'store' || (g % 20), CASE WHEN g % 2 = 0 THEN 'F' ELSE 'M' END,
       DATE '2020-01-01' + (g % 2000), false, CASE WHEN g > 1000 AND g % 10 = 0 THEN (g::bigint * 7919) % (g - 1) + 1 END,
       'R' || g, false, 'P', 0, now(), now()
FROM generate_series(1, :n) AS g;
SELECT setval(pg_get_serial_sequence('customers', 'id'), :n);
-- 1.5 holdings a customer; one in three customers holds nothing active on the recompute day.
INSERT INTO holdings (id, ref, customer_id, product, amount_fen, term, term_days, start_on, maturity_on, monthly_return, created_at, updated_at)
SELECT h, 'H' || h, (h - 1) % :n + 1, '黄金', ((h * 2654435761) % 150000) * 1000 + 100000,
       t.term, t.days, DATE '2026-06-01' - ((h::bigint * 40503) % 700)::int, DATE '2026-06-01' - ((h::bigint * 40503) % 700)::int + t.days, h % 7 = 0, now(), now()
FROM generate_series(1, (:n * 3) / 2) AS h
JOIN (VALUES (0, '1m', 30), (1, '2m', 60), (2, '6m', 182), (3, '1y', 365), (4, '3y', 1095)) AS t(k, term, days) ON t.k = h % 5;
SELECT setval(pg_get_serial_sequence('holdings', 'id'), (:n * 3) / 2);
-- Movements on one holding in three: a renewal, a top-up or a withdrawal in the last year.
INSERT INTO movements (id, ref, holding_id, customer_id, kind, "on", amount_fen, created_at)
SELECT m, 'M' || m, h.id, h.customer_id, (ARRAY['renewal', 'top_up', 'withdrawal', 'top_up'])[m % 4 + 1],
       DATE '2026-11-29' - ((m * 7) % 360), 50000, now()
FROM generate_series(1, :n / 2) AS m JOIN holdings h ON h.id = m * 3;
SELECT setval(pg_get_serial_sequence('movements', 'id'), :n / 2);
VACUUM ANALYZE customers;
VACUUM ANALYZE holdings;
VACUUM ANALYZE movements;
SELECT relname, pg_size_pretty(pg_relation_size(oid)) AS heap, reloptions FROM pg_class WHERE relname IN ('customers', 'holdings', 'movements');
