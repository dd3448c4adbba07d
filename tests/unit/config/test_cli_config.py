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
