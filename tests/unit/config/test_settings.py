from decimal import Decimal
from pathlib import Path

import pytest

from predmm.config.settings import KALSHI_URLS, load_settings, resolve_secrets, settings_from_dict
from predmm.domain import ConfigError, EventId, MarketId, Venue

FULL = """
preset = "conservative"

[strategy]
base_spread = "0.07"

[risk]
max_event_loss = "120"
[[risk.event_links]]
event_id = "FED-DEC"
markets = ["kalshi:FED-25DEC", "polymarket:0xabc"]

[kalshi]
base_url = "demo"
key_id_env = "KALSHI_KEY_ID"
private_key_file = "{pem}"

[polymarket]
private_key_env = "PK"
api_key_env = "AK"
api_secret_env = "AS"
api_passphrase_env = "AP"

[daemon]
journal = "j.sqlite3"
metrics_port = 9464
"""


def test_full_file_layers_strategy_over_preset_and_links_events(tmp_path):
    pem = tmp_path / "k.pem"
    pem.write_text("-----BEGIN PRIVATE KEY-----\nabc\n-----END PRIVATE KEY-----\n")
    path = tmp_path / "predmm.toml"
    path.write_text(FULL.format(pem=pem))

    s = load_settings(path)

    assert s.preset == "conservative"
    assert s.strategy.base_spread == Decimal("0.07")
    assert s.strategy.max_inventory == 30  # from the preset
    assert s.risk.max_event_loss == Decimal("120")
    assert s.risk.event_of(MarketId(Venue.POLYMARKET, "0xabc")) == EventId("FED-DEC")
    assert s.kalshi is not None
    assert s.kalshi.base_url == KALSHI_URLS["demo"]
    assert s.daemon.metrics_port == 9464
    env = {"KALSHI_KEY_ID": "kid", "PK": "0x1", "AK": "a", "AS": "s", "AP": "p"}
    secrets = resolve_secrets(s, env)
    assert secrets["kalshi.key_id"] == "kid"
    assert secrets["kalshi.private_key"].startswith("-----BEGIN")
    assert secrets["polymarket.api_passphrase"] == "p"
    with pytest.raises(ConfigError, match=r"polymarket\.private_key: environment variable PK"):
        resolve_secrets(s, {"KALSHI_KEY_ID": "kid"})


def test_command_line_preset_overrides_the_files(tmp_path):
    path = tmp_path / "p.toml"
    path.write_text('preset = "conservative"\n')
    assert load_settings(path, preset="hft").strategy.quote_size == 3


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"strategy": {"quote_size": 0}}, r"\[strategy\]: quote_size = 0"),
        ({"stratgey": {}}, r"unknown key 'stratgey'"),
        ({"preset": "yolo"}, r"unknown preset 'yolo'"),
        ({"preset": 3}, r"key 'preset' has a bad value 3"),
        ({"risk": {"max_total_loss": "-1"}}, r"\[risk\]: max_total_loss = -1"),
        ({"kalshi": {"key_id": "abc", "private_key_env": "X"}}, r"secrets never go in the file"),
        ({"kalshi": {"key_id_env": "A"}}, r"exactly one of private_key_env or private_key_file"),
        (
            {"kalshi": {"key_id_env": "A", "private_key_env": "B", "base_url": "http://evil"}},
            r"base_url = 'http://evil'",
        ),
        ({"kalshi": {"key_id_env": "A", "private_key_env": "B", "typo": 1}}, r"unknown key 'typo'"),
        (
            {"kalshi": {"order_ttl_s": 3}},
            r"\[kalshi\]: key 'order_ttl_s' has a bad value 3: 0 \(no expiry\) or at least 5",
        ),
        (
            {"kalshi": {"order_group_limit": -1}},
            r"key 'order_group_limit' has a bad value -1: expected a whole number from 0",
        ),
        ({"kalshi": {"order_group_limit": 2.5}}, r"key 'order_group_limit' has a bad value 2.5"),
        ({"kalshi": {"cancel_on_pause": "yes"}}, r"key 'cancel_on_pause' has a bad value 'yes'"),
        ({"daemon": {"metrics_port": "x"}}, r"key 'metrics_port' has a bad value 'x'"),
        ({"daemon": {"journal": 5}}, r"key 'journal' has a bad value 5"),
        ({"daemon": 5}, r"\[daemon\] must be a table"),
        ({"strategy": {"max_inventory": 500}, "preset": "hft"}, r"over preset hft"),
    ],
)
def test_bad_settings_name_the_key(data, message):
    with pytest.raises(ConfigError, match=message):
        settings_from_dict(data, "f.toml")


def test_unreadable_files(tmp_path):
    with pytest.raises(ConfigError, match="cannot read config file"):
        load_settings(tmp_path / "missing.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("[kalshi\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_settings(bad)
    s = settings_from_dict(
        {"kalshi": {"key_id_env": "A", "private_key_file": str(tmp_path / "nope")}}
    )
    with pytest.raises(ConfigError, match=r"kalshi\.private_key: cannot read"):
        resolve_secrets(s, {"A": "x"})


POLY = {
    "private_key_env": "PK",
    "api_key_env": "AK",
    "api_secret_env": "AS",
    "api_passphrase_env": "AP",
}
PROXY = "0x365f0CA36Ae1f641E02fE3B7743673da42A13A70"


@pytest.mark.parametrize(
    ("table", "signature_type", "funder"),
    [
        ({}, 0, None),
        ({"signature_type": 0}, 0, None),
        ({"signature_type": 1, "funder": PROXY}, 1, PROXY),
        ({"signature_type": "poly_gnosis_safe", "funder": PROXY.lower()}, 2, PROXY),
        ({"signature_type": "POLY_1271", "funder": PROXY}, 3, PROXY),
    ],
)
def test_polymarket_signature_type_and_funder(table, signature_type, funder):
    pm = settings_from_dict({"polymarket": POLY | table}).polymarket
    assert pm is not None
    assert (pm.signature_type, pm.funder) == (signature_type, funder)


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ({"signature_type": 4}, r"\[polymarket\]: key 'signature_type' has a bad value 4"),
        ({"signature_type": True}, r"key 'signature_type' has a bad value True"),
        ({"signature_type": "PROXY"}, r"key 'signature_type' has a bad value 'PROXY'.*POLY_PROXY"),
        ({"signature_type": 2}, r"key 'funder' is required with signature_type 2 \(POLY_GNOSIS"),
        ({"signature_type": 3, "funder": 7}, r"key 'funder' has a bad value 7"),
        ({"signature_type": 1, "funder": "0x1234"}, r"key 'funder' has a bad value '0x1234'"),
        ({"signature_type": 1, "funder": PROXY[2:]}, r"key 'funder' has a bad value '365f"),
        ({"signature_type": 1, "funder": PROXY.replace("f0C", "f0c")}, r"'funder'.*EIP-55"),
        ({"funder": PROXY}, r"key 'funder' = '0x365f.*with signature_type 0 \(EOA\)"),
        ({"signature_type": 1, "funder": PROXY, "signer": "x"}, r"unknown key 'signer'"),
    ],
)
def test_polymarket_account_errors_name_the_key(table, message):
    with pytest.raises(ConfigError, match=message):
        settings_from_dict({"polymarket": POLY | table}, "f.toml")


def test_the_kalshi_safety_net_is_on_by_default_and_configurable():
    """``[kalshi] order_group_limit``, ``order_ttl_s``, ``cancel_on_pause``: the defaults
    without a table or keys; 0 turns a part off; a table of only these keys (for a run on
    ``predmm sim``) has no credentials, which the start asks for by name."""
    assert settings_from_dict({}).kalshi_safety == settings_from_dict({}).kalshi_safety
    default = settings_from_dict({}).kalshi_safety
    assert (default.order_group_limit, default.order_ttl_s, default.cancel_on_pause) == (
        100,
        60,
        True,
    )
    keys = {"order_group_limit": 0, "order_ttl_s": 30, "cancel_on_pause": False}
    s = settings_from_dict({"kalshi": keys}, "f.toml")
    assert s.kalshi is not None
    assert (s.kalshi_safety.order_group_limit, s.kalshi_safety.order_ttl_s) == (0, 30)
    assert s.kalshi_safety.cancel_on_pause is False
    with pytest.raises(ConfigError, match=r"kalshi\.key_id: give kalshi\.key_id_env or"):
        resolve_secrets(s, {})


@pytest.mark.parametrize("venues", [{"sim": True}, {"sim_credentials": Path("creds")}])
def test_a_rehearsal_keeps_the_kalshi_safety_net_and_drops_the_credentials(tmp_path, venues):
    """``predmm run --config FILE --sim`` or ``--sim-credentials DIR``: the file's venue
    tables are not where it trades, but its ``[kalshi]`` trading keys are how it trades
    (the SIGKILL acceptance test runs on ``predmm sim`` with ``order_ttl_s = 6``)."""
    from predmm.cli.daemon import RunOptions, load_run_settings

    path = tmp_path / "mm.toml"
    path.write_text(
        '[kalshi]\nkey_id_env = "KID"\nprivate_key_file = "k.pem"\n'
        "order_ttl_s = 6\norder_group_limit = 0\n"
    )
    settings = load_run_settings(RunOptions(config=path, **venues))
    safety = settings.kalshi_safety
    assert (safety.order_ttl_s, safety.order_group_limit, safety.cancel_on_pause) == (6, 0, True)
    with pytest.raises(ConfigError, match=r"kalshi\.key_id: give kalshi\.key_id_env or"):
        resolve_secrets(settings, {"KID": "real"})  # the real account is not this run's
