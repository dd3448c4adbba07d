"""The deployment files, as far as this machine can check them (Docker cannot run here):
the Dockerfile parses, copies what exists and every package folder, runs as a user that
is not root, keeps the journal on a volume, checks /healthz and runs ``predmm run
--config``; the systemd unit passes ``systemd-analyze verify`` (where it is installed),
restarts on failure, stops with SIGTERM and waits long enough for the cancels, reads its
secrets from an environment file and keeps the journal in its StateDirectory; each
command line either file gives is one ``predmm`` accepts; shell completion works; the
Grafana dashboard is valid JSON whose every query names metrics predmm serves."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tomllib
from decimal import Decimal
from pathlib import Path
from typing import Any

import click
import pytest

from predmm.cli.main import cli
from predmm.domain import MarketId, Venue
from predmm.supervisors.runtime import EngineTimings

ROOT = Path(__file__).resolve().parents[3]
DEPLOY = ROOT / "deploy"
MARKET = MarketId(Venue.KALSHI, "KXFED-26DEC")


def instructions(text: str) -> list[tuple[str, str]]:
    """A Dockerfile's instructions: (KEYWORD, arguments), continuation lines joined."""
    joined = re.sub(r"\\\n", " ", text)
    out = []
    for line in joined.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        keyword, _, rest = line.partition(" ")
        out.append((keyword.upper(), rest.strip()))
    return out


def accepts(args: list[str]) -> click.Context:
    """``predmm ARGS`` parsed (options, types, choices) without running anything."""
    group = cli.make_context("predmm", list(args), resilient_parsing=False)
    command = cli.get_command(group, args[0])
    assert command is not None, args[0]
    return command.make_context(args[0], list(args[1:]), parent=group)


@pytest.fixture(scope="module")
def docker() -> list[tuple[str, str]]:
    return instructions((DEPLOY / "Dockerfile").read_text())


KNOWN = {"FROM", "WORKDIR", "COPY", "RUN", "ENV", "USER", "VOLUME", "STOPSIGNAL", "HEALTHCHECK",
         "ENTRYPOINT", "CMD", "ARG", "LABEL", "EXPOSE"}  # fmt: skip


def test_the_dockerfile_parses_and_copies_what_exists(docker: list[tuple[str, str]]) -> None:
    assert {k for k, _ in docker} <= KNOWN
    assert docker[0][0] == "FROM"
    copied = set()
    for keyword, args in docker:
        if keyword == "COPY" and not args.startswith("--from"):
            *sources, _ = args.split()
            for source in sources:
                assert (ROOT / source).exists(), source
                copied.add(source.rstrip("/"))
    mapping = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    assert set(mapping["package-dir"].values()) <= copied  # every package folder


def test_the_image_runs_predmm_as_a_user_with_the_journal_on_a_volume(
    docker: list[tuple[str, str]],
) -> None:
    final = docker[max(i for i, (k, _) in enumerate(docker) if k == "FROM") :]
    users = [args for k, args in final if k == "USER"]
    assert users
    assert users[-1] not in ("root", "0")
    (volume,) = [json.loads(args) for k, args in final if k == "VOLUME"]
    entry = json.loads(next(args for k, args in final if k == "ENTRYPOINT"))
    command = json.loads(next(args for k, args in final if k == "CMD"))
    assert entry == ["predmm"]
    assert command[:3] == ["run", "--config", "/etc/predmm/predmm.toml"]
    ctx = accepts(command)
    assert str(ctx.params["journal"]).startswith(volume[0] + "/")
    health = next(args for k, args in final if k == "HEALTHCHECK")
    assert f"127.0.0.1:{ctx.params['metrics_port']}/healthz" in health
    assert ("STOPSIGNAL", "SIGTERM") in final


def unit() -> dict[str, dict[str, str]]:
    sections: dict[str, dict[str, str]] = {}
    current = ""
    for line in (DEPLOY / "predmm.service").read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("["):
            current = line.strip("[]")
            sections[current] = {}
        else:
            key, _, value = line.partition("=")
            sections[current][key] = value
    return sections


def test_the_unit_restarts_stops_gracefully_and_keeps_secrets_apart() -> None:
    service = unit()["Service"]
    assert service["Restart"] == "on-failure"
    assert service["KillSignal"] == "SIGTERM"
    assert service["User"] not in ("root", "0")
    assert service["EnvironmentFile"].startswith("/etc/predmm/")
    # the longest stop the engine allows itself: StopMarkets, CancelAll on each of two
    # venues, the late fills (each waits at most stop_timeout) and the balances (3 s)
    longest = EngineTimings().stop_timeout * 4 + 3
    assert Decimal(service["TimeoutStopSec"]) >= Decimal(str(longest))
    binary, *args = shlex.split(service["ExecStart"])
    assert binary.endswith("/predmm")
    ctx = accepts(args)
    state = Path("/var/lib") / service["StateDirectory"]
    assert Path(ctx.params["journal"]).parent == state
    assert ctx.params["config_path"] is not None
    check = shlex.split(service["ExecStartPre"])[1:]
    assert check[:2] == ["config", "check"]


def test_the_units_account_locks_are_seen_by_every_predmm_of_its_user() -> None:
    """PrivateTmp hides the service's /tmp from any other process: the locks that keep a
    second daemon off the same venue account (``cli.locks``) go in the unit's runtime
    folder, /run/predmm, which every predmm of the user can find."""
    service = unit()["Service"]
    assert service["PrivateTmp"] == "yes"
    assert service["RuntimeDirectory"] == "predmm"
    assert service["RuntimeDirectoryPreserve"] == "yes"  # a restart keeps them
    assert service["Environment"] == f"PREDMM_LOCK_DIR=/run/{service['RuntimeDirectory']}"


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="no systemd-analyze here")
def test_systemd_analyze_verifies_the_unit(tmp_path: Path) -> None:
    predmm = Path(sys.executable).with_name("predmm")
    text = (DEPLOY / "predmm.service").read_text()
    text = text.replace("/opt/predmm/bin/predmm", str(predmm))  # the binary must exist
    text = re.sub(r"^(User|Group)=predmm$", r"\1=root", text, flags=re.M)  # so must the user
    copy = tmp_path / "predmm.service"
    copy.write_text(text)
    done = subprocess.run(
        ["systemd-analyze", "verify", str(copy)], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert str(copy) not in done.stderr  # no warning about the unit itself


def test_shell_completion_is_generated() -> None:
    env = {k: v for k, v in os.environ.items() if not k.endswith("_COMPLETE")}
    env["_PREDMM_COMPLETE"] = "bash_source"
    predmm = Path(sys.executable).with_name("predmm")
    done = subprocess.run([str(predmm)], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "_predmm_completion" in done.stdout


class Engine:
    """An engine snapshot with one market, an exposure report and limits."""

    def snapshot(self) -> object:
        from predmm.actors.messages import ExposureReport
        from predmm.actors.status import EngineSnapshot, MarketStatus
        from predmm.domain import TradingState, Venue
        from predmm.domain.exposure import EventExposure

        zero = Decimal(0)
        market = MarketStatus(market_id=MARKET, health="quoting", yes_bid=Decimal("0.4"))
        return EngineSnapshot(
            trading_state=TradingState.ACTIVE,
            markets=(market,),
            exposure=ExposureReport(
                state=TradingState.ACTIVE,
                events=(EventExposure(event_id="event:E", contracts=zero, worst_loss=zero),),
                venue_loss=((Venue.KALSHI, zero),),
                total_loss=zero,
                realized_pnl=zero,
                unrealized_pnl=zero,
                daily_pnl=zero,
                reservations=0,
            ),
            limits=None,
            quarantined=(),
            restarts=0,
            running=True,
        )


class Stats:
    """Live figures with one of everything the collector reads."""

    def __init__(self) -> None:
        from predmm.actors.messages import PlatformStats
        from predmm.domain import OrderStatus, Venue
        from predmm.strategies.mm_metrics import MarketMakingStats

        self.order_counts = {(Venue.KALSHI, OrderStatus.OPEN): 1}
        self.order_events = {(Venue.KALSHI, "submit"): 1}
        self.platform_stats = {
            Venue.KALSHI: PlatformStats(
                venue=Venue.KALSHI,
                live_orders=1,
                queued_placements=0,
                queued_cancels=0,
                unknown_orders=0,
                tokens_spent=Decimal(10),
                duplicate_fills=0,
            )
        }
        stats = MarketMakingStats()
        stats.on_fill(0.0, *_a_fill())
        stats.on_mid(100.0, Decimal("0.5"))
        self._totals = stats.snapshot(100.0)
        estimate = _an_estimate()
        self.rewards = {str(estimate.market_id): estimate}

    def per_market(self) -> tuple[dict[str, object], object]:
        return {}, self._totals


def _an_estimate() -> Any:
    """A Polymarket market's estimated rewards of a day (``LiveStats.rewards``)."""
    from datetime import UTC, datetime

    from predmm.actors.journal.rewards import RewardEstimate

    at = datetime(2026, 12, 6, tzinfo=UTC)
    return RewardEstimate(
        day=at.date(),
        market_id=MarketId(Venue.POLYMARKET, "0x" + "ab" * 32),
        dollars=Decimal("0.5"),
        rebates=Decimal("0.1"),
        samples=10,
        scored=10,
        in_band=8,
        share_sum=Decimal(2),
        daily_rate=Decimal(500),
        updated_at=at,
    )


def _a_fill() -> tuple[object, ...]:
    from predmm.domain import Action, OrderSide

    return (OrderSide.YES, Action.BUY, Decimal("0.4"), Decimal(1), Decimal("0.5"))


def served_metric_names() -> set[str]:
    """Every metric name predmm's endpoint serves, as Prometheus sees them."""
    from prometheus_client import CollectorRegistry, generate_latest

    from predmm.cli.instrument import VenueHealth, VenueMetrics
    from predmm.cli.metrics import metrics_registry

    registry = CollectorRegistry(auto_describe=False)
    metrics = VenueMetrics(registry)
    metrics.tick_to_order.labels("kalshi").observe(0.001)
    metrics.resyncs.labels("kalshi").inc()
    health = VenueHealth("kalshi")
    health.book_at[MARKET] = 0.0
    metrics_registry(Engine(), Stats(), registry, [health])  # type: ignore[arg-type]
    text = generate_latest(registry).decode()
    return {line.split("{")[0].split(" ")[0] for line in text.splitlines() if line[:1] != "#"}


def test_the_dashboard_queries_metrics_predmm_serves() -> None:
    board = json.loads((DEPLOY / "grafana" / "predmm.json").read_text())
    panels = [p for p in board["panels"] if p["type"] != "row"]
    titles = " ".join(p["title"] for p in panels).lower()
    for topic in ("pnl", "loss", "orders", "fills", "venue connected", "book age", "restarts"):
        assert topic in titles, topic
    served = served_metric_names()
    for panel in panels:
        for target in panel["targets"]:
            for name in re.findall(r"\bpredmm_[a-z_]+", target["expr"]):
                assert name in served, (panel["title"], name)
