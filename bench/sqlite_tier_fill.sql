-- bench/pg_tier_fill.sql for SQLite, at 200,000 customers (sqlite3 FILE < bench/sqlite_tier_fill.sql).
WITH RECURSIVE g(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM g WHERE x < 200000)
INSERT INTO customers (id, name, phone, phone_status, store, gender, joined_on, birth_leap, referrer_id,
                       referral_code, opted_out, tier, tier_score, created_at, updated_at)
SELECT x, '客户' || x, '+86139' || printf('%08d', x), 'ok', 'store' || (x % 20), CASE WHEN x % 2 = 0 THEN 'F' ELSE 'M' END,
       date('2020-01-01', '+' || (x % 2000) || ' days'), 0, CASE WHEN x > 1000 AND x % 10 = 0 THEN (x * 7919) % (x - 1) + 1 END,
       'R' || x, 0, 'P', 0, '2026-11-29 00:00:00.000000', '2026-11-29 00:00:00.000000'
FROM g;
WITH RECURSIVE g(h) AS (SELECT 1 UNION ALL SELECT h + 1 FROM g WHERE h < 300000),
t(k, term, days) AS (VALUES (0, '1m', 30), (1, '2m', 60), (2, '6m', 182), (3, '1y', 365), (4, '3y', 1095))
INSERT INTO holdings (id, ref, customer_id, product, amount_fen, term, term_days, start_on, maturity_on, monthly_return, created_at, updated_at)
SELECT h, 'H' || h, (h - 1) % 200000 + 1, '黄金', ((h * 2654435761) % 150000) * 1000 + 100000,
       t.term, t.days, date('2026-06-01', '-' || ((h * 40503) % 700) || ' days'),
       date('2026-06-01', '-' || ((h * 40503) % 700) || ' days', '+' || t.days || ' days'), h % 7 = 0,
       '2026-11-29 00:00:00.000000', '2026-11-29 00:00:00.000000'
FROM g JOIN t ON t.k = h % 5;
WITH RECURSIVE g(m) AS (SELECT 1 UNION ALL SELECT m + 1 FROM g WHERE m < 100000)
INSERT INTO movements (id, ref, holding_id, customer_id, kind, "on", amount_fen, created_at)
SELECT m, 'M' || m, h.id, h.customer_id, CASE m % 4 WHEN 0 THEN 'renewal' WHEN 1 THEN 'top_up' WHEN 2 THEN 'withdrawal' ELSE 'top_up' END,
       date('2026-11-29', '-' || ((m * 7) % 360) || ' days'), 50000, '2026-11-29 00:00:00.000000'
FROM g JOIN holdings h ON h.id = m * 3;
ANALYZE;
