"""The Polymarket front end of the simulator: CLOB V2 (REST + websockets) and Gamma.

    app = create_clob_app(sim)     # /book, /order, /data/orders, /ws/market, ...
    gamma = create_gamma_app(sim)  # GET /markets, on its own port as on the real venue
    relayer = create_relayer_app(sim)  # GET /deployed: the accounts' proxy/Safe/deposit wallets

Both apps of one ``Simulator`` share one front end (API keys, order metadata,
heartbeat sessions); ``front_end(sim)`` returns it. ``options`` (``PolymarketOptions``)
are fixed by the first call for a given simulator (a later, different set raises).

Choices where the notes say UNCONFIRMED or sources conflict (switch in parentheses):
REST order/trade sizes are shares, not 6-decimal fixed point (``size_units``); book
levels go out in the live order, bids ascending and asks descending, best last
(``book_best_first``); ``/midpoint`` answers ``mid`` (``midpoint_key``);
POLY_TIMESTAMP may be 30 s from the simulator's clock (``timestamp_tolerance_s``).
The heartbeat is served at ``/v1/heartbeats`` (the SDKs) and ``/heartbeats`` (the
OpenAPI page); a wrong id answers 400 with both ``error`` (notes) and ``error_msg``
(polymarket-client) = "Invalid Heartbeat ID" and the expected ``heartbeat_id``.
The order id is the order's EIP-712 digest. Single ``POST /order`` rejections are
400 ``{"error": ...}``; inside ``POST /orders`` they are per-order
``{"success": false, "errorMsg": ...}``.

Accounts trade from one wallet each, of a signature type (``_signers`` checks every
order as the exchange contracts do; the proxy / Safe / deposit wallet of an EOA is the
one the simulator associates with it, not a CREATE2 derivation). The refusals
``invalid POLY_PROXY signature`` and ``invalid POLY_GNOSIS_SAFE signature`` are
community-reported, ``invalid POLY_1271 signature`` is by analogy. A protocol-V2 market
(``version: "v2"``) lists ``positionIds`` and no ``clobTokenIds`` on Gamma, and wants
``CONDITIONAL-V2`` balance reads (what polymarket-client sends for position ids).
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import TYPE_CHECKING

import trio
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from predmm.domain import Venue
from predmm.simulator.faults import RouteKind
from predmm.simulator.polymarket import _gamma
from predmm.simulator.polymarket._clob import create_app, fault_response
from predmm.simulator.polymarket._frontend import FrontEnd, PolymarketOptions
from predmm.simulator.polymarket._wire import SizeUnits
from predmm.simulator.polymarket._ws import Hub

if TYPE_CHECKING:
    from predmm.simulator import Simulator

__all__ = [
    "FrontEnd",
    "PolymarketOptions",
    "SizeUnits",
    "create_clob_app",
    "create_gamma_app",
    "create_relayer_app",
    "front_end",
]

GAMMA_ROUTE = "GET /gamma/markets"  # the fault plan's name of Gamma's listing
GAMMA_EVENT_ROUTE = "GET /gamma/events/{id}"
_front_ends: weakref.WeakKeyDictionary[Simulator, tuple[FrontEnd, Hub]] = (
    weakref.WeakKeyDictionary()
)


def _shared(sim: Simulator, options: PolymarketOptions | None) -> tuple[FrontEnd, Hub]:
    found = _front_ends.get(sim)
    if found is None:
        fe = FrontEnd(sim, options or PolymarketOptions())
        found = _front_ends[sim] = (fe, Hub(fe))
    elif options is not None and options != found[0].options:
        raise ValueError(
            f"the Polymarket front end of this simulator already runs with {found[0].options}"
        )
    return found


def front_end(sim: Simulator, options: PolymarketOptions | None = None) -> FrontEnd:
    """The Polymarket front end of ``sim`` (created on first use)."""
    return _shared(sim, options)[0]


def create_clob_app(sim: Simulator, options: PolymarketOptions | None = None) -> Starlette:
    """The CLOB V2 app: public market data, L1/L2 auth, orders, cancels, reads,
    heartbeats, and the ``/ws/market`` and ``/ws/user`` websockets."""
    fe, hub = _shared(sim, options)
    return create_app(fe, hub)


def create_gamma_app(sim: Simulator, options: PolymarketOptions | None = None) -> Starlette:
    """Gamma's ``GET /markets`` (filters, ``order``, ``limit``/``offset``) and
    ``GET /events/{id}`` (one event with its markets)."""
    fe, _ = _shared(sim, options)

    async def markets(request: Request) -> Response:
        query = {k: request.query_params.getlist(k) for k in request.query_params}
        return await _gamma_read(
            fe, GAMMA_ROUTE, lambda: _gamma.filter_markets(_market_rows(fe), query)
        )

    async def event(request: Request) -> Response:
        wanted = request.path_params["id"]
        found = await _gamma_read(
            fe, GAMMA_EVENT_ROUTE, lambda: _gamma.event_json(wanted, _market_rows(fe))
        )
        return found

    return Starlette(
        routes=[
            Route("/markets", markets, methods=["GET"]),
            Route("/events/{id}", event, methods=["GET"]),
        ]
    )


async def _gamma_read(fe: FrontEnd, route: str, answer: Callable[[], object]) -> Response:
    """A Gamma read through the fault plan; ``answer`` raises LookupError for a 404."""
    decision = fe.sim.faults.on_request(Venue.POLYMARKET, route, kind=RouteKind.READ)
    if decision.latency_s:
        await trio.sleep(decision.latency_s)
    if not decision.serve:
        return fault_response(decision)
    try:
        return JSONResponse(answer())
    except LookupError:
        return JSONResponse({"type": "not found error", "error": "id not found"}, status_code=404)
    except (ValueError, ArithmeticError) as exc:
        return JSONResponse({"error": f"invalid query: {exc}"}, status_code=400)
    except Exception:
        return JSONResponse({"error": "Internal server error"}, status_code=500)


# the relayer's wallet kinds (polymarket-client RelayerTransactionType) by signature type
RELAYER_TYPES = {"PROXY": 1, "SAFE": 2, "WALLET": 3}


def create_relayer_app(sim: Simulator) -> Starlette:
    """The relayer's ``GET /deployed?address=&type=`` (``{"deployed": bool}``): whether a
    proxy (PROXY), Safe (SAFE) or deposit wallet (WALLET) exists at ``address``. Here it
    does when an account of the simulator trades from that wallet. (polymarket-client
    asks before it trades for such a wallet; the rest of the relayer is not simulated.)"""

    async def deployed(request: Request) -> Response:
        address = request.query_params.get("address", "")
        kind = RELAYER_TYPES.get(request.query_params.get("type", ""))
        key = sim.credentials.polymarket_by_wallet(address) if address else None
        found = key is not None and key.signature_type != 0
        if found and kind is not None:
            found = key is not None and key.signature_type == kind
        return JSONResponse({"deployed": found})

    return Starlette(routes=[Route("/deployed", deployed, methods=["GET"])])


def _market_rows(fe: FrontEnd) -> list[dict[str, object]]:
    rows = []
    for number, state in enumerate(fe.sim.exchange.markets(Venue.POLYMARKET), start=1):
        yes = fe.token(state.spec.polymarket.yes_token_id) if state.spec.polymarket else None
        if yes is None:
            continue
        view = fe.book_view(yes)
        bps = int(state.spec.fees.taker * 10000)
        rows.append(_gamma.market_json(state, number, (view.best_bid(), view.best_ask()), bps))
    return rows
