from datetime import timedelta
from decimal import Decimal

from domain import RateLimited, VenueError
from domain.testing import EPOCH
from strategies.quoting import is_volume_spike, price_moved, quote_expired

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
