"""``predmm backtest`` end to end on the committed fixtures, as a user runs it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from predmm.backtest.report import PLOTS

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "backtest"
KEYS = {
    "events", "events_per_s", "pnl", "sharpe", "max_drawdown", "fills", "fill_rate",
    "markout_1s", "markout_10s", "markout_60s", "spread_capture", "fees", "per_market",
    "fill_model",
}  # fmt: skip


def predmm(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "predmm.cli.main", *args],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.mark.parametrize(
    ("data", "model"),
    [("polymarket-l2", "queue"), ("kalshi-trades", "trade-through")],
)
def test_backtest_prints_json_and_writes_a_report_with_every_plot(tmp_path, data, model):
    report, out = tmp_path / "r.html", tmp_path / "r.json"
    args = ["--fill-model", model, "--latency-ms", "100"]
    done = predmm(
        "backtest", "--data", str(FIXTURES / data), "--compare", "baseline",
        "--report", str(report), "--json", str(out), *args,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    last = json.loads(done.stdout.strip().splitlines()[-1])
    assert set(last) >= KEYS
    assert KEYS - {"events", "events_per_s", "fill_model"} <= set(last["baseline"])
    assert last["fill_model"].startswith(model)
    assert "latency 100 ms" in last["fill_model"]
    assert last["baseline"]["fills"] > 0
    for market in last["baseline"]["per_market"].values():
        assert {"pnl", "sharpe", "fills", "markout_10s", "spread_capture"} <= set(market)
    assert json.loads(out.read_text())["events"] == last["events"]
    page = report.read_text()
    for plot in PLOTS:
        assert f'id="plot-{plot}"' in page
    assert page.count("data:image/png;base64,") == len(PLOTS)
    assert "http" not in page.replace("http-equiv", "")  # nothing to fetch


def test_bad_data_is_one_line_exit_2_and_no_report(tmp_path):
    bad = tmp_path / "trades.csv"
    lines = (FIXTURES / "kalshi-trades" / "payrolls-slice.csv").read_text().splitlines()
    lines[5] = lines[5].replace(",yes", ",sideways").replace(",no", ",sideways")
    bad.write_text("\n".join(lines) + "\n")
    report = tmp_path / "r.html"
    done = predmm("backtest", "--data", str(bad), "--report", str(report))
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        f"predmm: error: {bad}: row 4: field 'taker_side': 'sideways' is neither yes nor no"
    ]
    assert "Traceback" not in done.stderr
    assert not report.exists()
    assert list(tmp_path.iterdir()) == [bad]


def test_a_report_that_cannot_be_written_is_one_line(tmp_path):
    target = tmp_path / "missing" / "r.html"
    done = predmm("backtest", "--data", str(FIXTURES / "kalshi-trades"), "--report", str(target))
    assert done.returncode == 2
    assert done.stderr.startswith("predmm: error: cannot write")
    assert "Traceback" not in done.stderr
