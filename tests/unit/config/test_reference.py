from pathlib import Path

import attrs

from predmm.config.arbitrage import ArbitrageConfig
from predmm.config.market_making import MarketMakingConfig
from predmm.config.reference import (
    ARBITRAGE_DOCS,
    KALSHI_DOCS,
    RISK_DOCS,
    STRATEGY_DOCS,
    reference,
)
from predmm.config.risk import RiskConfig
from predmm.config.settings import KalshiSafetySettings

README = Path(__file__).resolve().parents[3] / "README.md"


def test_every_setting_is_documented():
    assert set(STRATEGY_DOCS) == {f.name for f in attrs.fields(MarketMakingConfig)}
    assert set(RISK_DOCS) == {f.name for f in attrs.fields(RiskConfig) if f.init}
    assert set(KALSHI_DOCS) == {f.name for f in attrs.fields(KalshiSafetySettings)}
    # the fees are the venues', not the file's
    assert set(ARBITRAGE_DOCS) == {f.name for f in attrs.fields(ArbitrageConfig)} - {"fees"}


def test_readme_holds_the_generated_reference():
    assert reference() in README.read_text()
