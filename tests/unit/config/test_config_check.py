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
from predmm.config.settings import DaemonSettings, load_settings

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
