"""``predmm config check`` lists every problem of a settings file at once (a misspelt key
with the key it probably meant, a key in the wrong table, a value of the wrong type
naming its key), looks up the secrets the venue tables name on this machine, and reads
the keys; ``predmm config show`` writes a file that ``predmm run --config`` reads to the
same settings, for every preset; the repository's ``predmm.example.toml`` passes but for
the secrets it names."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from predmm.cli.main import cli
from predmm.config import PRESET_NAMES, MarketMakingConfig, RiskConfig, load_preset
from predmm.config.check import settings_problems
from predmm.config.settings import DaemonSettings, KalshiSafetySettings, load_settings

ROOT = Path(__file__).resolve().parents[3]
EXAMPLE = ROOT / "predmm.example.toml"
POLY_VARS = ("POLY_PRIVATE_KEY", "POLY_API_KEY", "POLY_API_SECRET", "POLY_API_PASSPHRASE")


def check(path: Path, *args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(
        cli, ["config", "check", *args, str(path)], env=env, catch_exceptions=False
    )


def test_every_problem_at_once_with_what_was_meant(tmp_path: Path) -> None:
    path = tmp_path / "mm.toml"
    path.write_text(
        '[strategy]\nbase_spred = "0.05"\nquote_size = "ten"\n'
        "[risk]\nmax_event_loss = true\nmax_inventory = 40\n"
        '[daemon]\njournl = "x.sqlite3"\n'
        "[kalshi]\nkey_id_env = 7\n"
    )
    result = check(path)
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert result.stderr.splitlines() == [
        f"predmm: error: {path} [strategy]: unknown key 'base_spred' (value '0.05');"
        " did you mean 'base_spread'?",
        f"predmm: error: {path} [strategy]: key 'quote_size' has a bad value 'ten':"
        " expected an integer, got 'ten'",
        f"predmm: error: {path} [risk]: key 'max_event_loss' has a bad value True:"
        " expected a number",
        f"predmm: error: {path} [risk]: unknown key 'max_inventory' (value 40);"
        " it belongs in [strategy]",
        f"predmm: error: {path} [kalshi]: give exactly one of private_key_env or private_key_file",
        f"predmm: error: {path} [kalshi]: key 'key_id_env' has a bad value 7: expected a string",
        f"predmm: error: {path} [daemon]: unknown key 'journl' (value 'x.sqlite3');"
        " did you mean 'journal'?",
        f"# {path}: 7 problems",
    ]


def test_a_misspelt_table_and_preset() -> None:
    problems = settings_problems({"stratgy": {}, "preset": "conservativ"}, "f.toml")
    assert [str(p) for p in problems] == [
        "f.toml: unknown key 'stratgy' (value {}); did you mean 'strategy'?",
        "f.toml: unknown preset 'conservativ'; choose one of conservative, aggressive, hft;"
        " did you mean 'conservative'?",
    ]


def test_run_names_the_first_problem_and_how_many_more(tmp_path: Path) -> None:
    path = tmp_path / "mm.toml"
    path.write_text("[strategy]\nbase_spred = 1\nquote_siz = 2\n")
    result = CliRunner().invoke(cli, ["run", "--config", str(path)], catch_exceptions=False)
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        f"predmm: error: {path} [strategy]: unknown key 'base_spred' (value 1); did you mean"
        f" 'base_spread'? (and 1 more: predmm config check {path})"
    )


def test_the_secrets_a_file_names_are_looked_up(tmp_path: Path) -> None:
    pem = tmp_path / "kalshi.pem"
    path = tmp_path / "mm.toml"
    path.write_text(f'[kalshi]\nkey_id_env = "PREDMM_T_KID"\nprivate_key_file = "{pem}"\n')
    missing = check(path, env={"PREDMM_T_KID": ""})
    assert missing.exit_code == 2
    assert missing.stderr.splitlines()[:2] == [
        f"predmm: error: {path} [kalshi]: key_id_env: environment variable PREDMM_T_KID is not set",
        f"predmm: error: {path} [kalshi]: private_key_file: key file {pem} does not exist",
    ]
    pem.write_text("not a key\n")
    wrong = check(path, env={"PREDMM_T_KID": "abc"})
    assert wrong.stderr.splitlines() == [
        f"predmm: error: {path}: kalshi.private_key (key file {pem}): not a PEM private key"
        " (an unencrypted RSA or Ed25519 key, as Kalshi issues it)"
    ]
    pem.write_bytes(_rsa_pem())
    fine = check(path, env={"PREDMM_T_KID": "abc"})
    assert fine.exit_code == 0, fine.output
    assert f"# {path}: OK" in fine.output


def _rsa_pem() -> bytes:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


@pytest.mark.parametrize("preset", [None, *PRESET_NAMES])
def test_config_show_writes_what_run_reads(tmp_path: Path, preset: str | None) -> None:
    args = ["config", "show"] + (["--preset", preset] if preset else [])
    shown = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert shown.exit_code == 0
    path = tmp_path / "mm.toml"
    path.write_text(shown.output)
    settings = load_settings(path)
    assert settings.strategy == (load_preset(preset) if preset else MarketMakingConfig())
    assert settings.risk == RiskConfig()
    assert settings.daemon == DaemonSettings()
    assert (settings.kalshi, settings.polymarket) == (None, None)  # templates, commented
    assert check(path).exit_code == 0


PROXY = "0x365f0CA36Ae1f641E02fE3B7743673da42A13A70"
SAFE_ACCOUNT = f"""
[[risk.event_links]]
event_id = "FED-DEC"
outcome = "cut 25"
markets = ["kalshi:KXFEDDECISION-26DEC-C25", "polymarket:0xc25"]
[[risk.event_links]]
event_id = "FED-DEC"
outcome = "hold"
markets = ["kalshi:KXFEDDECISION-26DEC-H0", "polymarket:0xh0"]

[polymarket]
private_key_env = "PK"
api_key_env = "AK"
api_secret_env = "AS"
api_passphrase_env = "AP"
signature_type = "POLY_GNOSIS_SAFE"
funder = "{PROXY.lower()}"
"""


def test_a_wallet_account_and_outcome_links_check_and_show_as_run_reads_them(
    tmp_path: Path,
) -> None:
    path = tmp_path / "mm.toml"
    path.write_text(SAFE_ACCOUNT)
    result = check(path, "--no-secrets")
    assert result.exit_code == 0, result.output
    assert "signature_type = 2" in result.output
    assert f'funder = "{PROXY}"' in result.output  # checksummed
    shown = tmp_path / "shown.toml"
    shown.write_text(result.output)
    assert load_settings(shown) == load_settings(path)
    pm = load_settings(path).polymarket
    assert pm is not None
    assert (pm.signature_type, pm.funder) == (2, PROXY)
    assert [link.outcome for link in load_settings(shown).risk.event_links] == ["cut 25", "hold"]


def test_a_wallet_accounts_problems_are_listed_with_the_others(tmp_path: Path) -> None:
    path = tmp_path / "mm.toml"
    text = SAFE_ACCOUNT.replace('"POLY_GNOSIS_SAFE"', "7").replace("funder =", "fundr =")
    path.write_text(text + "[daemon]\nmetrics_prt = 1\n")
    result = check(path, "--no-secrets")
    assert result.exit_code == 2
    where = f"predmm: error: {path}"
    assert result.stderr.splitlines() == [
        f"{where} [polymarket]: unknown key 'fundr' (value '{PROXY.lower()}'); did you mean"
        " 'funder'?",
        f"{where} [polymarket]: key 'signature_type' has a bad value 7: expected one of 0 (EOA),"
        " 1 (POLY_PROXY), 2 (POLY_GNOSIS_SAFE), 3 (POLY_1271), or the name",
        f"{where} [daemon]: unknown key 'metrics_prt' (value 1); did you mean 'metrics_port'?",
        f"# {path}: 3 problems",
    ]
    path.write_text(SAFE_ACCOUNT.replace("funder =", "# funder ="))
    (missing,) = check(path, "--no-secrets").stderr.splitlines()
    assert missing.endswith(
        "[polymarket]: key 'funder' is required with signature_type 2 (POLY_GNOSIS_SAFE): the"
        " address of the proxy, Safe or deposit wallet that holds the money"
    )


def test_a_flat_strategy_file_runs_as_the_strategy(tmp_path: Path) -> None:
    flat = CliRunner().invoke(cli, ["config", "show", "--preset", "hft", "--strategy-only"])
    path = tmp_path / "hft.toml"
    path.write_text(flat.output)
    assert load_settings(path).strategy == load_preset("hft")


def test_the_example_passes_but_for_the_secrets_it_names(tmp_path: Path) -> None:
    env = {"HOME": str(tmp_path), "KALSHI_KEY_ID": ""} | dict.fromkeys(POLY_VARS, "")
    result = check(EXAMPLE, env=env)
    assert result.exit_code == 2
    pem = tmp_path / ".config" / "predmm" / "kalshi.pem"
    expected = ["[kalshi]: key_id_env: environment variable KALSHI_KEY_ID is not set"]
    expected += [f"[kalshi]: private_key_file: key file {pem} does not exist"]
    for var in POLY_VARS:
        name = var.removeprefix("POLY_").lower()
        expected.append(f"[polymarket]: {name}_env: environment variable {var} is not set")
    errors = result.stderr.splitlines()
    assert errors == [f"predmm: error: {EXAMPLE} {e}" for e in expected] + [
        f"# {EXAMPLE}: 6 problems (6 of them secrets this machine does not have)"
    ]
    assert check(EXAMPLE, "--no-secrets", env=env).exit_code == 0


def test_the_example_is_ok_where_its_secrets_are(tmp_path: Path) -> None:
    pem = tmp_path / ".config" / "predmm" / "kalshi.pem"
    pem.parent.mkdir(parents=True)
    pem.write_bytes(_rsa_pem())
    env = {"HOME": str(tmp_path), "KALSHI_KEY_ID": "key-id"}
    env |= {"POLY_PRIVATE_KEY": "0x" + "11" * 32, "POLY_API_KEY": "k"}
    env |= {"POLY_API_SECRET": "c2VjcmV0", "POLY_API_PASSPHRASE": "p"}
    cwd = Path.cwd()
    try:
        import os

        os.chdir(tmp_path)  # its journal and log file are relative: written here
        result = check(EXAMPLE, env=env)
    finally:
        os.chdir(cwd)
    assert result.exit_code == 0, result.output
    assert f"# {EXAMPLE}: OK" in result.output
    assert "c2VjcmV0" not in result.output  # names of secrets, never their values


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        ({"strategy": 3}, "f.toml: [strategy] must be a table, got 3"),
        ({"risk": []}, "f.toml: [risk] must be a table, got []"),
        ({"kalshi": "x"}, "f.toml: [kalshi] must be a table, got 'x'"),
        ({"daemon": 5}, "f.toml: [daemon] must be a table, got 5"),
        ({"risk": {"max_market_contracts": 2.5}}, "f.toml [risk]: key 'max_market_contracts'"
         " has a bad value 2.5: expected an integer"),
        ({"risk": {"max_total_loss": "lots"}}, "f.toml [risk]: key 'max_total_loss' has a bad"
         " value 'lots': expected a number, got 'lots'"),
        ({"risk": {"event_links": [{"event_id": "E"}]}}, "f.toml [risk]: event_links entry"
         " {'event_id': 'E'}: expected keys event_id, markets and, optionally, outcome"),
        ({"risk": {"max_market_loss": "200"}}, "f.toml [risk]: max_market_loss = 200 must not"
         " exceed max_event_loss = 150"),
        ({"strategy": {"fair_value_method": "vwap"}}, "f.toml [strategy]: key"
         " 'fair_value_method' has a bad value 'vwap': expected one of 'mid', 'microprice',"
         " 'cross_venue', got 'vwap'"),
        ({"kalshi": {"key_id_env": "A", "private_key_env": "B", "base_url": 7}},
         "f.toml [kalshi]: key 'base_url' has a bad value 7: expected a string"),
    ],
)  # fmt: skip
def test_each_kind_of_problem_names_its_place(data: dict, problem: str) -> None:
    assert str(settings_problems(data, "f.toml")[0]) == problem


def test_a_key_file_that_cannot_be_read(tmp_path: Path) -> None:
    from predmm.config.check import secret_problems

    folder = tmp_path / "kalshi.pem"
    folder.mkdir()  # a folder where the key file should be
    data = {"kalshi": {"key_id_env": "K", "private_key_file": str(folder)}}
    (problem,) = secret_problems(data, "f.toml", {"K": "id"})
    assert (
        str(problem) == f"f.toml [kalshi]: private_key_file: {folder} is a folder, not a key file"
    )


def test_an_unreadable_file_is_taken_for_a_settings_file(tmp_path: Path) -> None:
    from predmm.config.settings import is_settings_file

    assert is_settings_file(tmp_path / "missing.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("[strategy\n")
    assert is_settings_file(bad)


def test_the_readmes_example_names_what_this_machine_lacks(tmp_path: Path) -> None:
    readme = (ROOT / "README.md").read_text()
    section = readme[readme.index("## Configuration") :]
    example = section[section.index("```toml\n") + 8 : section.index("```\n", 8)]
    path = tmp_path / "predmm.toml"
    path.write_text(example)
    env = {"HOME": str(tmp_path), "KALSHI_KEY_ID": "k"} | dict.fromkeys(POLY_VARS, "")
    result = check(path, env=env)
    assert result.exit_code == 2
    errors = result.stderr
    assert f"key file {tmp_path}/.config/predmm/kalshi.pem does not exist" in errors
    assert all(f"environment variable {var} is not set" in errors for var in POLY_VARS)


@pytest.mark.parametrize(
    "table",
    [
        'key_id_env = "K"\nprivate_key_file = "k.pem"\norder_ttl_s = 30\ncancel_on_pause = false\n',
        "order_group_limit = 0\norder_ttl_s = 0\n",  # trading keys only: a run on predmm sim
    ],
)
def test_the_kalshi_safety_net_shows_as_run_reads_it(tmp_path: Path, table: str) -> None:
    path = tmp_path / "mm.toml"
    path.write_text(f"[kalshi]\n{table}")
    result = check(path, "--no-secrets")
    assert result.exit_code == 0, result.output
    shown = tmp_path / "shown.toml"
    shown.write_text(result.output)
    assert load_settings(shown) == load_settings(path)
    assert load_settings(shown).kalshi_safety != KalshiSafetySettings()  # not the defaults
