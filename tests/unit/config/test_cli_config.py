from click.testing import CliRunner

from predmm.cli.main import cli


def test_config_show_prints_a_preset_that_config_check_accepts(tmp_path):
    runner = CliRunner()
    shown = runner.invoke(cli, ["config", "show", "--preset", "conservative"])
    assert shown.exit_code == 0
    assert 'base_spread = "0.06"' in shown.output
    path = tmp_path / "mm.toml"
    path.write_text(shown.output)
    checked = runner.invoke(cli, ["config", "check", str(path)])
    assert checked.exit_code == 0, checked.output
    assert f"# {path}: OK" in checked.output


def test_config_check_refuses_a_bad_value_in_one_line(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text("base_spread = -0.01\n")
    result = CliRunner().invoke(cli, ["config", "check", str(path)])
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert lines == [
        f"predmm: error: {path}: base_spread = -0.01: must be between 0 and 1 (exclusive)"
    ]


def test_unknown_preset_is_a_usage_error():
    result = CliRunner().invoke(cli, ["config", "show", "--preset", "yolo"])
    assert result.exit_code == 2
    assert "'yolo' is not one of 'conservative', 'aggressive', 'hft'" in result.output


def test_config_check_reads_a_daemon_settings_file_and_names_missing_secrets(tmp_path):
    path = tmp_path / "predmm.toml"
    path.write_text(
        'preset = "aggressive"\n[strategy]\nbase_spread = "0.05"\n'
        '[kalshi]\nkey_id_env = "PREDMM_TEST_NO_SUCH_VAR"\nprivate_key_env = "X"\n'
    )
    result = CliRunner().invoke(cli, ["config", "check", str(path)], env={"X": ""})
    assert result.exit_code == 2, result.output
    assert result.stderr.splitlines() == [
        f"predmm: error: {path} [kalshi]: key_id_env: environment variable"
        " PREDMM_TEST_NO_SUCH_VAR is not set",
        f"predmm: error: {path} [kalshi]: private_key_env: environment variable X is not set",
        f"# {path}: 2 problems (2 of them secrets this machine does not have)",
    ]
    file_only = CliRunner().invoke(cli, ["config", "check", "--no-secrets", str(path)])
    assert file_only.exit_code == 0, file_only.output
    assert 'base_spread = "0.05"' in file_only.output
    assert "max_inventory = 75" in file_only.output  # from the preset


POLY_TABLE = (
    '[polymarket]\nprivate_key_env = "PK"\napi_key_env = "AK"\n'
    'api_secret_env = "AS"\napi_passphrase_env = "AP"\n'
)
DEV_KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"
DEV = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
PROXY = "0x365f0CA36Ae1f641E02fE3B7743673da42A13A70"
SECRETS = {"PK": DEV_KEY, "AK": "k", "AS": "AAAA", "AP": "p"}


def test_config_check_names_a_missing_funder_in_one_line(tmp_path):
    path = tmp_path / "predmm.toml"
    path.write_text(POLY_TABLE + "signature_type = 1\n")
    result = CliRunner().invoke(cli, ["config", "check", "--no-secrets", str(path)])
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        f"predmm: error: {path} [polymarket]: key 'funder' is required with signature_type 1 "
        "(POLY_PROXY): the address of the proxy, Safe or deposit wallet that holds the money"
    ]


def test_the_polymarket_venue_trades_for_the_configured_funder(tmp_path):
    from predmm.cli.venues import from_settings
    from predmm.config.settings import load_settings

    path = tmp_path / "predmm.toml"
    path.write_text(POLY_TABLE + f'signature_type = "POLY_PROXY"\nfunder = "{PROXY.lower()}"\n')
    (client,) = from_settings(load_settings(path), SECRETS).clients
    assert (client.trading.signer, client.trading.kind, client.trading.funder) == (
        DEV,
        "POLY_PROXY",
        PROXY,
    )


def test_a_funder_that_is_the_key_itself_is_a_config_error(tmp_path):
    import pytest

    from predmm.cli.venues import from_settings
    from predmm.config.settings import load_settings
    from predmm.domain import ConfigError

    path = tmp_path / "predmm.toml"
    path.write_text(POLY_TABLE + f'signature_type = 2\nfunder = "{DEV}"\n')
    with pytest.raises(ConfigError, match=r"\[polymarket\]: funder .* is the key's own address"):
        from_settings(load_settings(path), SECRETS)


def test_the_simulators_credentials_file_names_the_wallet(tmp_path):
    from predmm.cli.venues import polymarket_from_file
    from predmm.simulator import Simulator
    from predmm.simulator.credentials import write_polymarket_credentials

    sim = Simulator(seed=1, flow=False)
    key = sim.create_trader("safe", polymarket_signature_type=2).polymarket_key
    path = write_polymarket_credentials(
        tmp_path,
        key,
        clob_url="http://127.0.0.1:1",
        gamma_url="http://127.0.0.1:2",
        ws_url="ws://x/",
    )
    platform = polymarket_from_file(path)
    assert (platform.trading.signature_type, platform.trading.funder) == (2, key.wallet)
    assert platform.trading.signer == key.address


def test_config_check_shows_each_venues_own_values_and_the_arbitrageur(tmp_path):
    path = tmp_path / "predmm.toml"
    path.write_text(
        '[strategy]\nbase_spread = "0.04"\n[strategy.venues.polymarket]\nbase_spread = 0.045\n'
        '[arbitrage]\nmin_edge = "0.02"\n'
    )
    result = CliRunner().invoke(cli, ["config", "check", str(path)])
    assert result.exit_code == 0, result.output
    assert "# [strategy.venues.polymarket]: base_spread = '0.045'" in result.output
    assert "# [arbitrage]: the arbitrageur runs (min_edge 0.02," in result.output


def test_config_check_names_a_bad_venue_key_in_one_line(tmp_path):
    path = tmp_path / "predmm.toml"
    path.write_text("[strategy.venues.polymarket]\nbase_spred = 0.045\n")
    result = CliRunner().invoke(cli, ["config", "check", str(path)])
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == [
        f"predmm: error: {path} [strategy.venues.polymarket]: unknown key 'base_spred'"
        " (value 0.045); did you mean 'base_spread'?"
    ]
