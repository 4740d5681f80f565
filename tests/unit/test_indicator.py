"""The indicator's arithmetic, as the LKIP 2024 of Kecamatan Medansatria does it."""

from decimal import Decimal

import pytest

from k3zones.indicator import percent, zones_needed


@pytest.mark.parametrize(
    "pct, zones, needed",
    [
        ("30", 10, 3),
        ("35", 10, 4),
        ("40", 10, 4),
        ("0", 10, 0),
        ("100", 10, 10),
        ("33.33", 10, 4),
        ("30", 0, 0),
        ("10", 7, 1),
    ],
)
def test_zones_needed_rounds_up_to_whole_zones(pct, zones, needed):
    assert zones_needed(Decimal(pct), zones) == needed


def test_zones_needed_refuses_negative_input():
    with pytest.raises(ValueError):
        zones_needed(Decimal("-1"), 10)


def test_percent_is_half_up_to_two_places():
    assert percent(3, 10) == Decimal("30.00")
    assert percent(1, 3) == Decimal("33.33")
    assert percent(2, 3) == Decimal("66.67")
    assert percent(1, 8) == Decimal("12.50")
    assert percent(1, 0) is None
