"""The usage guide's worked scenarios and examples, to the cent."""

from decimal import Decimal

import trio

from predmm.domain import OrderSide, OrderType
from predmm.domain.testing import create_test_market
from predmm.strategies.market_making import (
    InventoryTracker,
    MarketMakingConfig,
    MarketMakingStrategy,
)

D = Decimal


def test_scenario_1_normal_market_making():
    strategy = MarketMakingStrategy()
    market = create_test_market(liquidity=D("15000"), hours_to_close=48, fair_value="0.50")

    decision = strategy.quote(market)

    assert decision is not None
    assert decision.fair_value == D("0.50")
    assert decision.spread == D("0.04")
    assert decision.raw_bid == D("0.48")
    assert decision.raw_ask == D("0.52")
    assert decision.yes_bid is not None
    assert decision.no_bid is not None
    assert (decision.yes_bid.price, decision.yes_bid.size) == (D("0.48"), D(10))
    assert (decision.no_bid.price, decision.no_bid.size) == (D("0.48"), D(10))

    # both orders fill: 10 pairs bought at 0.48 + 0.48 lock in $0.40
    strategy.update_inventory(market.market_id, OrderSide.YES, 10, D("0.48"))
    inv = strategy.update_inventory(market.market_id, OrderSide.NO, 10, D("0.48"))
    assert inv.matched_pairs == 10
    assert inv.net_position == 0
    assert inv.locked_profit == D("0.40")
    # return on capital deployed: 0.40 / 9.60 = 4.2 %; the guide's 8.3 % is 0.04 / 0.48,
    # the return per YES leg (see README, "Choices")
    assert (inv.locked_profit / D("9.60")).quantize(D("0.001")) == D("0.042")


def test_scenario_2_inventory_skew_before_and_after_rounding():
    strategy = MarketMakingStrategy()
    deci_cent = create_test_market(liquidity=D("15000"), hours_to_close=48, tick="0.001")
    strategy.inventory_for(deci_cent.market_id).yes_contracts = D(25)

    decision = strategy.quote(deci_cent)

    assert decision is not None
    assert decision.spread == D("0.052")
    assert (decision.bid_adjustment, decision.ask_adjustment) == (D("-0.02"), D("-0.02"))
    assert decision.raw_bid == D("0.454")
    assert decision.raw_ask == D("0.506")
    assert decision.yes_bid is not None
    assert decision.no_bid is not None
    assert decision.yes_bid.price == D("0.454")
    assert decision.no_bid.price == D("0.494")  # "BUY NO @ $0.494"


def test_scenario_2_on_a_cent_grid_bids_round_down_and_asks_up():
    strategy = MarketMakingStrategy()
    cent = create_test_market(market_id="CENT", liquidity=D("15000"), hours_to_close=48)
    strategy.inventory_for(cent.market_id).yes_contracts = D(25)

    decision = strategy.quote(cent)

    assert decision is not None
    assert decision.yes_bid is not None
    assert decision.no_bid is not None
    assert decision.yes_bid.price == D("0.45")  # 0.454 rounded down
    assert decision.no_bid.price == D("0.49")  # 1 - (0.506 rounded up to 0.51)


def test_scenario_3_spread_doubles_inside_six_hours():
    strategy = MarketMakingStrategy()
    market = create_test_market(liquidity=D("15000"), hours_to_close=2, fair_value="0.55")
    inventory = InventoryTracker(market_id=market.market_id, net_position=0)

    assert strategy._calculate_dynamic_spread(market, inventory) == D("0.08")


def test_scenario_3_forced_exit_inside_exit_window():
    strategy = MarketMakingStrategy()
    market = create_test_market(
        liquidity=D("15000"), hours_to_close=2, fair_value="0.53", half_spread="0.01"
    )
    position = InventoryTracker(market_id=market.market_id, net_position=15)

    signal = trio.run(strategy.check_exit, position, market)

    assert signal is not None
    assert signal.side is OrderSide.NO  # sell 15 YES = buy 15 NO
    assert signal.size == 15
    assert signal.order_type is OrderType.MARKET
    assert signal.target_price == D("0.48")  # NO ask = 1 - best YES bid 0.52
    assert "forced exit" in signal.reason


def test_no_forced_exit_with_small_inventory_or_far_from_close():
    strategy = MarketMakingStrategy()
    near = create_test_market(hours_to_close=2)
    far = create_test_market(hours_to_close=48)

    small = InventoryTracker(market_id=near.market_id, net_position=5)
    assert trio.run(strategy.check_exit, small, near) is None
    medium = InventoryTracker(market_id=far.market_id, net_position=15)
    assert trio.run(strategy.check_exit, medium, far) is None


def test_rebalance_past_threshold_buys_the_other_side_back_to_skew_threshold():
    strategy = MarketMakingStrategy()
    market = create_test_market(hours_to_close=48, fair_value="0.50")
    short = InventoryTracker(market_id=market.market_id, net_position=-25)

    signal = trio.run(strategy.check_exit, short, market)

    assert signal is not None
    assert signal.side is OrderSide.YES
    assert signal.size == 15  # 25 - inventory_skew_threshold 10
    assert signal.target_price == D("0.51")  # the best YES ask
    assert "rebalance" in signal.reason


def test_exit_needs_a_price_on_the_other_side():
    strategy = MarketMakingStrategy()
    market = create_test_market(hours_to_close=2)
    market.best_yes_bid = None
    position = InventoryTracker(market_id=market.market_id, net_position=15)

    assert trio.run(strategy.check_exit, position, market) is None


def test_inventory_status_example_of_the_guide():
    strategy = MarketMakingStrategy(MarketMakingConfig(max_inventory=40))
    strategy.update_inventory("KALSHI-BTC-100K-DEC24", OrderSide.YES, 25, D("0.65"))
    strategy.update_inventory("KALSHI-BTC-100K-DEC24", OrderSide.NO, 15, D("0.38"))
    strategy.update_inventory("KALSHI-ELECTION-2024", OrderSide.YES, 10, D("0.52"))
    strategy.update_inventory("KALSHI-ELECTION-2024", OrderSide.NO, 30, D("0.45"))

    status = strategy.get_inventory_status()

    btc, election = status["KALSHI-BTC-100K-DEC24"], status["KALSHI-ELECTION-2024"]
    lines = [
        f"YES: {btc['yes_contracts']} @ ${btc['avg_yes_price']:.3f}",
        f"NO:  {btc['no_contracts']} @ ${btc['avg_no_price']:.3f}",
        f"Net: {btc['net_position']:+} (skew: {btc['skew_ratio']:.2f})",
        f"Net: {election['net_position']:+} (skew: {election['skew_ratio']:.2f})",
    ]
    assert lines == [
        "YES: 25 @ $0.650",
        "NO:  15 @ $0.380",
        "Net: +10 (skew: 0.25)",
        "Net: -20 (skew: -0.50)",
    ]
    assert strategy.inventory.get("KALSHI-BTC-100K-DEC24") is not None


def test_scan_markets_quotes_both_sides_of_the_best_markets_only():
    config = MarketMakingConfig(max_markets=2)
    strategy = MarketMakingStrategy(config)
    markets = [
        create_test_market(market_id="A", liquidity=D("20000")),
        create_test_market(market_id="B", liquidity=D("30000")),
        create_test_market(market_id="C", liquidity=D("25000")),
        create_test_market(market_id="THIN", liquidity=D("100")),
        create_test_market(market_id="LATE", hours_to_close=1),
        create_test_market(market_id="FAR", hours_to_close=500),
    ]

    signals = trio.run(strategy.scan_markets, markets)

    assert [(s.market_id.symbol, s.side) for s in signals] == [
        ("B", OrderSide.YES),
        ("B", OrderSide.NO),
        ("C", OrderSide.YES),
        ("C", OrderSide.NO),
    ]
    assert all(s.size == config.quote_size for s in signals)
    _, skipped = strategy.select_markets(markets)
    reasons = {m.market_id.symbol: r for m, r in skipped}
    assert "min_liquidity" in reasons["THIN"]
    assert "exit window" in reasons["LATE"]
    assert "max_time_to_resolution_hours" in reasons["FAR"]
    assert "max_markets" in reasons["A"]


def test_no_quote_without_a_two_sided_market_and_microprice_fair_value():
    strategy = MarketMakingStrategy()
    one_sided = create_test_market()
    one_sided.best_yes_ask = None
    assert strategy.quote(one_sided) is None

    from predmm.domain import Level, OrderBook

    micro = MarketMakingStrategy(MarketMakingConfig(fair_value_method="microprice"))
    market = create_test_market()
    book = OrderBook.from_yes_quotes(
        market.market_id, [Level(D("0.40"), D(90))], [Level(D("0.60"), D(10))]
    )
    decision = micro.quote(market, book)
    assert decision is not None
    assert decision.fair_value == D("0.58")


def test_quotes_clamp_to_rest_behind_the_book():
    # long 45 YES: both prices shift down 0.04, the NO bid would cross the NO ask
    strategy = MarketMakingStrategy()
    market = create_test_market(fair_value="0.50", half_spread="0.01")
    strategy.inventory_for(market.market_id).yes_contracts = D(45)
    decision = strategy.quote(market)
    assert decision is not None
    assert decision.no_bid is not None
    assert decision.no_bid.price == D("0.50")  # NO ask is 1 - 0.49 = 0.51: rest one tick below
    assert decision.yes_bid is not None
    assert decision.yes_bid.size == 5  # room left under max_inventory 50


def test_a_closed_or_undated_market_is_skipped_with_a_reason():
    from predmm.domain import MarketStatus

    strategy = MarketMakingStrategy()
    closed = create_test_market(status=MarketStatus.CLOSED)
    undated = create_test_market(market_id="U")
    undated.close_time = None
    one_sided = create_test_market(market_id="O")
    one_sided.best_yes_bid = None
    _, skipped = strategy.select_markets([closed, undated, one_sided])
    assert [r for _, r in skipped] == [
        "status is closed",
        "no close time",
        "one-sided book: no fair value",
    ]
    assert undated.hours_to_close is None
    assert closed.freeze().hours_to_close == 48


def test_matched_pairs_do_not_use_up_the_position_limit():
    strategy = MarketMakingStrategy(MarketMakingConfig(max_position_size=100))
    market = create_test_market()
    inv = strategy.inventory_for(market.market_id)
    inv.yes_contracts, inv.no_contracts = D(100), D(100)  # flat: 100 riskless pairs
    decision = strategy.quote(market)
    assert decision is not None
    assert decision.yes_bid is not None
    assert decision.no_bid is not None
    assert decision.yes_bid.size == decision.no_bid.size == 10


def test_quotes_meet_the_venues_minimum_order_size():
    hft = MarketMakingStrategy(MarketMakingConfig(quote_size=3))
    market = create_test_market()
    market.min_order_size = D(5)  # Polymarket
    decision = hft.quote(market)
    assert decision is not None
    assert [q.size for q in decision.quotes()] == [D(5), D(5)]
    hft.inventory_for(market.market_id).yes_contracts = D(47)  # room for 3 YES only
    decision = hft.quote(market)
    assert decision is not None
    assert decision.yes_bid is None
    assert decision.no_bid is not None
