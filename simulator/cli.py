"""``predmm sim``: run the local exchange standalone until Ctrl-C."""

from __future__ import annotations

import errno
import signal
import socket
from pathlib import Path

import click
import trio

from predmm.simulator import Simulator
from predmm.simulator.credentials import (
    write_event_links,
    write_kalshi_credentials,
    write_polymarket_credentials,
)
from predmm.simulator.server import HOST, SimulatorUrls, serve
from predmm.simulator.testing import wall_clock_start
from predmm.simulator.universe import default_universe


def _write_credentials(sim: Simulator, urls: SimulatorUrls, directory: Path) -> list[Path]:
    return [
        write_kalshi_credentials(
            directory,
            sim.maker.kalshi_key,
            base_url=urls.kalshi_base_url,
            ws_url=urls.kalshi_ws_url,
        ),
        write_polymarket_credentials(
            directory,
            sim.maker.polymarket_key,
            clob_url=urls.clob_url,
            gamma_url=urls.gamma_url,
            ws_url=urls.polymarket_ws_url,
        ),
        write_event_links(directory, sim.links()),
    ]


def _describe(urls: SimulatorUrls) -> list[str]:
    return [
        f"kalshi      {urls.kalshi_base_url}",
        f"kalshi-ws   {urls.kalshi_ws_url}",
        f"polymarket  {urls.clob_url}",
        f"poly-ws     {urls.polymarket_ws_url}",
        f"gamma       {urls.gamma_url}",
    ]


async def run_sim(
    *,
    seed: int,
    flow: bool,
    kalshi_port: int,
    polymarket_port: int,
    gamma_port: int,
    credentials_out: Path | None,
) -> None:
    start = wall_clock_start()
    sim = Simulator(
        seed=seed, flow=flow, start=start, universe=default_universe(start, history=True)
    )
    async with trio.open_nursery() as nursery:
        urls: SimulatorUrls = await nursery.start(
            lambda task_status: serve(
                sim,
                kalshi_port=kalshi_port,
                polymarket_port=polymarket_port,
                gamma_port=gamma_port,
                task_status=task_status,
            )
        )
        for line in _describe(urls):
            click.echo(line)
        if credentials_out is not None:
            for path in _write_credentials(sim, urls, credentials_out):
                click.echo(f"wrote       {path}")
        linked = ", ".join(
            f"{link.event_id} ({link.outcome})" if link.outcome else str(link.event_id)
            for link in sim.links()
        )
        click.echo(f"markets     {len(sim.exchange.market_ids())} (on both venues: {linked})")
        click.echo("simulator running; Ctrl-C to stop")
        with trio.open_signal_receiver(signal.SIGINT, signal.SIGTERM) as signals:
            async for _ in signals:
                break
        nursery.cancel_scope.cancel()
    click.echo("simulator stopped")


PORT = click.IntRange(0, 65535)


def _free(port: int, option: str) -> None:
    """The port can be listened on now (0 always can); else a usage error naming it."""
    if port == 0:
        return
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind((HOST, port))
        except OSError as exc:
            why = "in use by another process" if exc.errno == errno.EADDRINUSE else exc.strerror
            raise click.BadParameter(f"port {port} on {HOST} is {why}", param_hint=option) from None


def _folder(directory: Path) -> None:
    try:
        directory.mkdir(parents=True, exist_ok=True)
        probe = directory / ".predmm-probe"
        probe.write_text("")
        probe.unlink()
    except OSError as exc:
        message = f"{directory}: cannot create it or write in it: {exc.strerror}"
        raise click.BadParameter(message, param_hint="--credentials-out") from None


@click.command("sim")
@click.option("--kalshi-port", type=PORT, default=0, show_default=True, help="0: ephemeral")
@click.option("--polymarket-port", type=PORT, default=0, show_default=True, help="0: ephemeral")
@click.option("--gamma-port", type=PORT, default=0, show_default=True, help="0: ephemeral")
@click.option("--seed", type=int, default=1, show_default=True)
@click.option(
    "--credentials-out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="write kalshi.json, polymarket.json and the Kalshi PEM here",
)
@click.option("--no-flow", is_flag=True, help="no simulated traders: empty books")
def sim(
    kalshi_port: int,
    polymarket_port: int,
    gamma_port: int,
    seed: int,
    credentials_out: Path | None,
    no_flow: bool,
) -> None:
    """Run the local Kalshi + Polymarket exchange on 127.0.0.1 until Ctrl-C.

    \b
    Examples:
      predmm sim --seed 7 --credentials-out ./sim-creds
      predmm run --sim-credentials ./sim-creds
    """
    _free(kalshi_port, "--kalshi-port")
    _free(polymarket_port, "--polymarket-port")
    _free(gamma_port, "--gamma-port")
    if credentials_out is not None:
        _folder(credentials_out)
    trio.run(
        lambda: run_sim(
            seed=seed,
            flow=not no_flow,
            kalshi_port=kalshi_port,
            polymarket_port=polymarket_port,
            gamma_port=gamma_port,
            credentials_out=credentials_out,
        )
    )
