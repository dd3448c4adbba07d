"""RiskConfig validation: errors name the field and the value."""

from __future__ import annotations

from decimal import Decimal

import pytest

from predmm.config.risk import EventLink, RiskConfig, risk_config_from_dict
from predmm.domain.enums import Venue
from predmm.domain.errors import ConfigError
from predmm.domain.ids import EventId, MarketId


def test_defaults_are_valid_and_links_map_markets_to_events() -> None:
    link = EventLink(event_id="FED-DEC", markets=["kalshi:FED-25DEC", "polymarket:0xabc"])
    risk = RiskConfig(event_links=(link,))
    assert risk.event_of(MarketId(Venue.POLYMARKET, "0xabc")) == EventId("FED-DEC")
    assert risk.event_of(MarketId(Venue.KALSHI, "OTHER")) is None


@pytest.mark.parametrize(
    ("changes", "named"),
    [
        ({"max_event_loss": "-1"}, "max_event_loss = -1"),
        ({"max_market_contracts": 0}, "max_market_contracts = 0"),
        ({"max_market_contracts": 1.5}, "max_market_contracts = 1.5"),
        ({"max_total_loss": "abc"}, "abc"),
        ({"reducing_loss": "500", "daily_loss_limit": "300"}, "reducing_loss = 500"),
        ({"max_market_loss": "200", "max_event_loss": "150"}, "max_market_loss = 200"),
        ({"event_links": [{"event_id": "E", "markets": ["nowhere:X"]}]}, "nowhere:X"),
        ({"event_links": [{"event_id": "E", "markets": []}]}, "markets must not be empty"),
        ({"event_links": [{"event_id": "E"}]}, "expected keys event_id, markets and"),
    ],
)
def test_bad_values_are_refused_naming_field_and_value(changes: dict, named: str) -> None:
    with pytest.raises(ConfigError, match=named.replace(".", r"\.")):
        risk_config_from_dict(changes, "risk.toml")


def test_a_market_linked_to_two_events_is_refused() -> None:
    links = [{"event_id": "A", "markets": ["kalshi:X"]}, {"event_id": "B", "markets": ["kalshi:X"]}]
    with pytest.raises(ConfigError, match="kalshi:X is linked to both A and B"):
        RiskConfig(event_links=links)


def test_links_sharing_an_event_id_are_its_outcomes_each_named_once() -> None:
    fed = [
        {"event_id": "FED", "outcome": "cut 25", "markets": ["kalshi:C25", "polymarket:0xc"]},
        {"event_id": "FED", "outcome": "hold", "markets": ["kalshi:H0", "polymarket:0xh"]},
    ]
    risk = risk_config_from_dict({"event_links": fed}, "risk.toml")
    assert [(str(x.event_id), x.outcome, len(x.markets)) for x in risk.event_links] == [
        ("FED", "cut 25", 2),
        ("FED", "hold", 2),
    ]
    unnamed = [fed[0], {"event_id": "FED", "markets": ["kalshi:H0"]}]
    with pytest.raises(ConfigError, match=r"risk\.toml: event_links: event_id FED has 2 entries"):
        risk_config_from_dict({"event_links": unnamed}, "risk.toml")
    twice = [fed[0], {**fed[1], "outcome": "cut 25"}]
    with pytest.raises(ConfigError, match="event_id FED names outcome 'cut 25' twice"):
        risk_config_from_dict({"event_links": twice}, "risk.toml")


def test_one_market_in_two_outcomes_is_refused_naming_both() -> None:
    links = [
        {"event_id": "FED", "outcome": "cut 25", "markets": ["kalshi:C25"]},
        {"event_id": "FED", "outcome": "hold", "markets": ["kalshi:H0", "kalshi:C25"]},
    ]
    with pytest.raises(ConfigError, match=r"kalshi:C25 is linked to both FED \(cut 25\) and FED"):
        risk_config_from_dict({"event_links": links}, "risk.toml")
    with pytest.raises(ConfigError, match="outcome = ''"):
        RiskConfig(event_links=[{"event_id": "E", "outcome": "", "markets": ["kalshi:X"]}])


def test_unknown_keys_are_refused() -> None:
    with pytest.raises(ConfigError, match=r"risk\.toml: unknown key 'max_loss'"):
        risk_config_from_dict({"max_loss": 3}, "risk.toml")


def test_decimals_stay_exact() -> None:
    assert RiskConfig(max_event_loss="150.10").max_event_loss == Decimal("150.10")
