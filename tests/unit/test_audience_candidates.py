"""Building audience candidates: the rows' values land where the planner reads them, and the cycle
collector, paused while a page is built, is left as it was found."""

from __future__ import annotations

import gc
from collections import namedtuple

import pytest

from campaigns.audience import Candidate, _candidates

Row = namedtuple("Row", "id phone tier amount_fen reason")


@pytest.mark.parametrize("enabled", [True, False], ids=["collector-on", "collector-off"])
def test_candidates_carry_the_row_and_leave_the_collector_as_found(enabled):
    rows = [Row(1, "+8613800000001", "A", 500_000, None), Row(2, "+8613800000002", "P", 0, "tier")]
    (gc.enable if enabled else gc.disable)()
    try:
        found = _candidates(rows, 3, ["amount_fen"])
        assert gc.isenabled() is enabled
    finally:
        gc.enable()
    assert found == [Candidate({"id": 1, "phone": "+8613800000001", "tier": "A"}, {"amount_fen": 500_000}, None),
                     Candidate({"id": 2, "phone": "+8613800000002", "tier": "P"}, {"amount_fen": 0}, "tier")]
