"""The anchor's DuckDB SQL for the customers file: read, derive every stored column, link referrers.

A row takes the fast path when every cell is in the plain form a shop's export writes (ASCII digits,
ISO dates, a mobile number with or without +86/0086 and separators); anything else goes to the
Python fallback in customers.py. Placeholders in braces are filled in by customers.py.
"""

# Characters Python's str.strip() removes (jinli strips every cell): a cell edged with one is slow-path.
PY_SPACE = r"[\t-\r\x{1c}-\x{20}\x{85}\x{a0}\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}\x{202f}\x{205f}\x{3000}]"
ISO_DATE = r"\d{4}-\d{2}-\d{2}"
SOLAR_WORDS = ("", "solar", "公历", "阳历", "新历", "gregorian")
LUNAR_WORDS = ("lunar", "农历", "阴历", "旧历")
# Sun signs: (month * 100 + day it begins, sign index 0=白羊 … 11=双鱼); before 1/20 it is 摩羯 (9).
STAR_BEGINS = ((120, 10), (219, 11), (321, 0), (420, 1), (521, 2), (622, 3), (723, 4), (823, 5), (923, 6),
               (1024, 7), (1123, 8), (1222, 9))

READ = """
CREATE OR REPLACE TABLE raw AS
SELECT coalesce(phone, '') AS phone, coalesce(name, '') AS name, coalesce(birthday, '') AS birthday,
       coalesce(calendar, '') AS calendar, coalesce(leap, '') AS leap, coalesce(store, '') AS store,
       coalesce(joined_on, '') AS joined_on, coalesce(referrer, '') AS referrer
FROM read_csv($path, header = true, all_varchar = true, delim = ',', quote = '"',
              names = ['phone', 'name', 'birthday', 'calendar', 'leap', 'store', 'joined_on', 'referrer'])
"""

# The phone's national number after separators and the +86 / 0086 prefix are stripped.
NATIONAL = """regexp_replace(regexp_replace(trim({cell}), '[ -]', '', 'g'), '^(\\+86|0086)', '')"""
FAST_MOBILE = """(regexp_full_match({n}, '{general}') AND regexp_full_match({n}, '{mobile}')
                  AND NOT regexp_full_match({n}, '{others}'))"""

CELLS = """
CREATE OR REPLACE TABLE cells AS
SELECT rowid + 2 AS line, *, {national_phone} AS national, {national_referrer} AS ref_national,
       CASE WHEN lower(trim(calendar)) IN {solar} THEN 'solar' WHEN lower(trim(calendar)) IN {lunar} THEN 'lunar' END AS cal,
       CASE WHEN regexp_full_match(birthday, '{iso}') THEN birthday END AS b_iso,
       CASE WHEN joined_on = '' THEN $today::DATE
            WHEN regexp_full_match(joined_on, '{iso}') THEN try_strptime(joined_on, '%Y-%m-%d')::DATE END AS joined
FROM raw
"""

DERIVED = """
CREATE OR REPLACE TABLE derived AS
WITH b AS (
  SELECT c.*, CAST(substr(b_iso, 1, 4) AS INTEGER) AS y, CAST(substr(b_iso, 6, 2) AS INTEGER) AS m,
         CAST(substr(b_iso, 9, 2) AS INTEGER) AS d
  FROM cells c
), born AS (
  SELECT b.*, CASE WHEN cal = 'solar' THEN try_strptime(b_iso, '%Y-%m-%d')::DATE
                   WHEN cal = 'lunar' AND d <= lm.length THEN lm.first + (d - 1) END AS born_on
  FROM b LEFT JOIN lunar_months lm ON b.cal = 'lunar' AND lm.year = b.y AND lm.month = b.m AND NOT lm.leap
), fast AS (
  SELECT *, {fast_phone} AS phone_ok,
         (referrer = '' OR {fast_referrer}) AS referrer_ok,
         (birthday = '' OR (b_iso IS NOT NULL AND cal IS NOT NULL AND trim(leap) = ''
                             AND born_on BETWEEN $earliest AND $today)) AS birthday_ok,
         (joined BETWEEN $earliest AND $today) AS joined_ok,
         (name <> '' AND NOT regexp_matches(name, '^{ws}|{ws}$') AND length(name) <= $max_name) AS name_ok,
         (NOT regexp_matches(store, '^{ws}|{ws}$') AND length(store) <= $max_store) AS store_ok,
         NOT contains(phone || name || birthday || calendar || leap || store || joined_on || referrer, chr(0)) AS nul_ok
  FROM born
)
SELECT line, '+86' || national AS phone, name, store, joined AS joined_on,
       CASE WHEN birthday <> '' THEN cal END AS birth_calendar, CASE WHEN birthday <> '' THEN y END AS birth_year,
       CASE WHEN birthday <> '' THEN m END AS birth_month, CASE WHEN birthday <> '' THEN d END AS birth_day,
       false AS birth_leap, born_on,
       CASE WHEN cal = 'solar' AND birthday <> '' THEN m * 100 + d WHEN birthday <> '' THEN 100000 + m * 100 + d END AS birthday_key,
       CASE WHEN referrer = '' THEN NULL ELSE '+86' || ref_national END AS referrer
FROM fast
WHERE phone_ok AND referrer_ok AND birthday_ok AND joined_ok AND name_ok AND store_ok AND nul_ok
"""

SLOW = """
SELECT line, phone, name, birthday, calendar, leap, store, joined_on, referrer FROM cells
WHERE line NOT IN (SELECT line FROM derived) ORDER BY line
"""

# The last row of a phone wins (jinli: a later row of the same phone supersedes the earlier one).
# Ids follow the file's order. Animals and star signs come from the years and sign tables.
FINAL = """
CREATE OR REPLACE TABLE final AS
WITH kept AS (
  SELECT * FROM derived QUALIFY row_number() OVER (PARTITION BY phone ORDER BY line DESC) = 1
), numbered AS (
  SELECT row_number() OVER (ORDER BY line) AS id, * FROM kept
)
SELECT n.*,
       CASE WHEN n.born_on IS NULL THEN NULL WHEN n.born_on >= y.spring_festival THEN (y.year - 4) % 12 ELSE (y.year - 5) % 12 END AS animal_sf,
       CASE WHEN n.born_on IS NULL THEN NULL WHEN n.born_on >= y.lichun THEN (y.year - 4) % 12 ELSE (y.year - 5) % 12 END AS animal_lc,
       CASE WHEN n.born_on IS NULL THEN NULL ELSE {star_sign} END AS star_sign
FROM numbered n LEFT JOIN years y ON y.year = year(n.born_on)
"""

# A referrer named by phone, else by a name exactly one customer has; never oneself.
LINKS = """
CREATE OR REPLACE TABLE links AS
WITH unique_names AS (SELECT name, min(id) AS id FROM final GROUP BY name HAVING count(*) = 1)
SELECT f.id AS referee_id, coalesce(byphone.id, byname.id) AS referrer_id, f.joined_on
FROM final f
LEFT JOIN final byphone ON byphone.phone = f.referrer
LEFT JOIN unique_names byname ON byphone.id IS NULL AND byname.name = f.referrer
WHERE f.referrer IS NOT NULL AND coalesce(byphone.id, byname.id) IS NOT NULL AND coalesce(byphone.id, byname.id) <> f.id
"""

# Rows as SQLite stores them (dates as ISO text, booleans as 0/1), in id order.
OUT = """
SELECT f.id, f.name, f.phone, f.store, strftime(f.joined_on, '%Y-%m-%d'), f.birth_calendar, f.birth_year,
       f.birth_month, f.birth_day, f.birth_leap::INTEGER, strftime(f.born_on, '%Y-%m-%d'), f.birthday_key,
       f.animal_sf, f.animal_lc, f.star_sign, l.referrer_id
FROM final f LEFT JOIN links l ON l.referee_id = f.id
ORDER BY f.id
"""
OUT_COLUMNS = ("id", "name", "phone", "store", "joined_on", "birth_calendar", "birth_year", "birth_month", "birth_day",
               "birth_leap", "born_on", "birthday_key", "animal_sf", "animal_lc", "star_sign", "referrer_id")
REFERRALS = "SELECT referrer_id, referee_id, strftime(joined_on, '%Y-%m-%d') FROM links ORDER BY referee_id"


def star_sign_case(column: str = "n.born_on") -> str:
    """The sun sign of a date column as a CASE over STAR_BEGINS (latest beginning first)."""
    md = f"(month({column}) * 100 + day({column}))"
    whens = " ".join(f"WHEN {md} >= {begins} THEN {sign}" for begins, sign in reversed(STAR_BEGINS))
    return f"CASE {whens} ELSE 9 END"


def in_list(words: tuple[str, ...]) -> str:
    return "(" + ", ".join("'" + w + "'" for w in words) + ")"
