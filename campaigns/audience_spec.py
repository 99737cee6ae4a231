"""The ``[audience]`` table every kind shares: tiers, new/old, stores, gender, age or birth years, holdings.

Values only; ``campaigns.audience_filters`` turns them into SQL. Customers whose gender or birth year
is unknown are left out by the filters that need them.
"""

from __future__ import annotations

from dataclasses import dataclass

from campaigns.limits import MAX_AGE, MAX_AMOUNT_YUAN, product_term
from campaigns.schema import Reader
from errors import InvalidValue

TIERS = ("A", "B", "C", "P")
GENDERS = {"male": "M", "男": "M", "m": "M", "female": "F", "女": "F", "f": "F"}
FIRST_BIRTH_YEAR, LAST_BIRTH_YEAR = 1900, 2100


@dataclass(frozen=True)
class Audience:
    tiers: frozenset[str] = frozenset(TIERS)
    customers: str = "all"  # all | new | old
    stores: frozenset[str] = frozenset()  # empty: every store
    gender: str | None = None  # M | F; None: both (and unknown)
    age: tuple[int, int] | None = None  # inclusive, on the day the texts go out
    birth_years: tuple[int, int] | None = None  # inclusive, solar year of birth
    products: frozenset[str] = frozenset()  # holding an active holding of one of these products
    terms: frozenset[str] = frozenset()  # ... of one of these terms (canonical: "1y", "98d")
    min_amount_fen: int | None = None  # active principal (of the products/terms above, if any) at least this

    @property
    def needs_holdings(self) -> bool:
        return bool(self.products or self.terms) or self.min_amount_fen is not None


def parse_audience(r: Reader | None) -> Audience:
    """The ``[audience]`` table (None: everyone); one CampaignError naming the key for a bad value."""
    if r is None:
        return Audience()
    audience = Audience(
        tiers=parse_tiers(r, "tiers", list(TIERS)), customers=r.choice("customers", ("all", "new", "old"), "all"),
        stores=frozenset(r.strings("stores", [])), gender=_gender(r), age=_range(r, "age", 0, MAX_AGE),
        birth_years=_range(r, "birth_years", FIRST_BIRTH_YEAR, LAST_BIRTH_YEAR),
        products=frozenset(r.strings("products", [])), terms=_terms(r), min_amount_fen=_amount(r),
    )
    r.finish()
    return audience


def parse_tiers(r: Reader, key: str, default: list[str]) -> frozenset[str]:
    """A list of tier letters (any case), each one of A, B, C, P."""
    tiers = frozenset(t.upper() for t in r.strings(key, default))
    for tier in sorted(tiers - set(TIERS)):
        raise r.error(key, f"unknown tier {tier!r}: expected A, B, C or P", "campaign_unknown_tier", tier=tier)
    return tiers


def _gender(r: Reader) -> str | None:
    if "gender" not in r.data:
        r.seen.add("gender")
        return None
    value = r.str("gender")
    if value.strip().lower() not in GENDERS:
        raise r.error("gender", f"unknown value {value!r}: expected female or male (女 or 男)")
    return GENDERS[value.strip().lower()]


def _range(r: Reader, key: str, lowest: int, highest: int) -> tuple[int, int] | None:
    """``key = [from, to]``: two whole numbers within [lowest, highest], from ≤ to."""
    if key not in r.data:
        r.seen.add(key)
        return None
    values = r.ints(key, minimum=lowest, maximum=highest)
    if len(values) != 2 or values[0] > values[1]:
        raise r.error(key, f"expected [from, to] with from ≤ to, got {values!r}")
    return values[0], values[1]


def _terms(r: Reader) -> frozenset[str]:
    try:
        return frozenset(str(product_term(t)) for t in r.strings("terms", []))
    except InvalidValue as exc:
        raise r.error("terms", str(exc), exc.key, **exc.values) from None


def _amount(r: Reader) -> int | None:
    """``min_amount`` in yuan (a whole number or up to 2 decimals) as fen."""
    value = r.number("min_amount", None, minimum=0.0, maximum=float(MAX_AMOUNT_YUAN))
    return None if value is None else round(value * 100)
