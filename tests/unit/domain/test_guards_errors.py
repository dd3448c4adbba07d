from datetime import timedelta
from decimal import Decimal

from predmm.domain import RateLimited, VenueError
from predmm.domain.testing import EPOCH
from predmm.strategies.quoting import is_volume_spike, price_moved, quote_expired

D = Decimal


def test_volume_spike_pauses_above_three_times_average():
    assert is_volume_spike(D(301), D(100), D("3.0"))
    assert not is_volume_spike(D(300), D(100), D("3.0"))
    assert not is_volume_spike(D(5), D(0), D("3.0"))  # no history yet


def test_price_move_requotes_beyond_threshold():
    assert price_moved(D("0.50"), D("0.53"), D("0.02"))
    assert not price_moved(D("0.50"), D("0.52"), D("0.02"))
    assert price_moved(None, D("0.50"), D("0.02"))


def test_quotes_expire_after_max_age():
    assert quote_expired(EPOCH, EPOCH + timedelta(seconds=31), 30)
    assert not quote_expired(EPOCH, EPOCH + timedelta(seconds=30), 30)
    assert quote_expired(None, EPOCH, 30)


def test_venue_errors_carry_status_code_and_retry_after():
    err = RateLimited("too many requests", retry_after=1.5, status=429, code="rate_limited")
    assert isinstance(err, VenueError)
    assert (err.status, err.code, err.retry_after) == (429, "rate_limited", 1.5)


def test_volume_meter_warms_up_then_compares_the_last_window_to_its_average():
    from predmm.strategies.quoting import VolumeMeter

    meter = VolumeMeter(window_s=60, lookback_s=600)
    for t in range(0, 600, 10):  # 10 contracts every 10 s: 60 a minute
        meter.add(float(t), D(10))
        if t < 300:
            assert not meter.spike(float(t), D(3))  # warming up
    recent, average = meter.rates(590.0)
    assert recent == 60
    assert 59 < average < 62
    assert not meter.spike(590.0, D(3))
    meter.add(595.0, D(200))  # 260 in the last minute vs about 60 on average
    assert meter.spike(595.0, D(3))
    meter.add(2000.0, D(0))  # everything aged out: no volume, no spike
    assert meter.rates(2000.0) == (D(0), D(0))
    assert not meter.spike(2000.0, D(3))
