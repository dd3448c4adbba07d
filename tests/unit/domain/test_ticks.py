from decimal import Decimal

import pytest

from predmm.domain import OffGridPrice, TickSpec

D = Decimal

TAPERED = TickSpec.from_price_ranges(
    [
        {"start": "0.0000", "end": "0.1000", "step": "0.0010"},
        {"start": "0.1000", "end": "0.9000", "step": "0.0100"},
        {"start": "0.9000", "end": "1.0000", "step": "0.0010"},
    ]
)


def test_linear_cent_bounds_and_grid():
    cent = TickSpec.from_price_ranges([{"start": "0.0000", "end": "1.0000", "step": "0.0100"}])
    assert (cent.min_price, cent.max_price) == (D("0.01"), D("0.99"))
    assert cent.is_on_grid(D("0.56"))
    assert not cent.is_on_grid(D("0.565"))
    assert not cent.is_on_grid(D("0"))
    assert not cent.is_on_grid(D("1"))


def test_tapered_deci_cent_has_sub_penny_edges():
    assert TAPERED.min_price == D("0.001")
    assert TAPERED.max_price == D("0.999")
    assert TAPERED.is_on_grid(D("0.053"))
    assert not TAPERED.is_on_grid(D("0.503"))
    assert TAPERED.round_bid(D("0.0537")) == D("0.053")
    assert TAPERED.round_ask(D("0.0531")) == D("0.054")
    assert TAPERED.round_bid(D("0.503")) == D("0.50")
    assert TAPERED.round_ask(D("0.503")) == D("0.51")
    assert TAPERED.round_ask(D("0.9051")) == D("0.906")
    assert TAPERED.step_at(D("0.95")) == D("0.001")
    assert TAPERED.step_at(D("0.5")) == D("0.01")


def test_rounding_outside_the_tradeable_range_has_no_price():
    cent = TickSpec.uniform("0.01")
    assert cent.round_bid(D("0.004")) is None
    assert cent.round_ask(D("0.996")) is None
    assert cent.round_bid(D("1.5")) == D("0.99")
    assert cent.round_ask(D("-1")) == D("0.01")


@pytest.mark.parametrize("tick", ["0.1", "0.01", "0.001", "0.0001", "0.005", "0.0025"])
def test_polymarket_ticks(tick):
    spec = TickSpec.polymarket(tick)
    assert spec.min_price == D(tick)
    assert spec.max_price == 1 - D(tick)
    assert spec.is_on_grid(D(tick) * 3)


def test_polymarket_rejects_unknown_tick_and_tick_change_refines_grid():
    with pytest.raises(ValueError, match=r"0\.02"):
        TickSpec.polymarket("0.02")
    before, after = TickSpec.polymarket("0.01"), TickSpec.polymarket("0.001")
    assert not before.is_on_grid(D("0.955"))
    assert after.is_on_grid(D("0.955"))
    assert after.round_bid(D("0.9557")) == D("0.955")


def test_check_raises_naming_price_and_grid():
    with pytest.raises(OffGridPrice, match=r"price 0\.505 is not on the grid"):
        TickSpec.uniform("0.01").check(D("0.505"))
    assert TickSpec.uniform("0.01").check(D("0.50")) == D("0.50")


def test_price_ranges_round_trip_and_bad_input():
    assert TickSpec.from_price_ranges(TAPERED.to_price_ranges()) == TAPERED
    with pytest.raises(ValueError, match="bad price_ranges"):
        TickSpec.from_price_ranges([{"start": "0", "end": "1"}])
    with pytest.raises(ValueError, match="bad price band"):
        TickSpec.from_price_ranges([{"start": "0.5", "end": "0.4", "step": "0.01"}])
    with pytest.raises(ValueError, match="at least one"):
        TickSpec(())
    assert "step 0.01" in TAPERED.describe()
