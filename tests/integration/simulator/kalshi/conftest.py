"""Fixtures of the Kalshi front-end tests: the official specs as validators.

Every response a test client receives goes through ``Conformance.check``: openapi-core
validates it against the operation and status declared in openapi.yaml. Responses the
spec does not declare (a 429 on an operation that lists no 429, the retired V1 order
writes answering 410) are validated against the spec's ErrorResponse schema instead,
and recorded separately. Websocket messages are validated against the payload schemas
of asyncapi.yaml with jsonschema (formats checked: uuid, date-time).
"""

from __future__ import annotations

import functools
import gzip
import json
import re
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx
import jsonschema
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from openapi_core import Config, OpenAPI
from openapi_core.templating.paths.exceptions import OperationNotFound, PathNotFound
from openapi_core.templating.responses.exceptions import ResponseNotFound
from openapi_core.testing import MockRequest, MockResponse
from openapi_schema_validator import OAS30Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012
from starlette.applications import Starlette

from predmm.simulator import Simulator, Trader
from predmm.simulator.kalshi import OPS, RETIRED, KalshiOptions, auth, create_kalshi_app
from predmm.simulator.kalshi.testing import kalshi_client

SPECS = Path(__file__).resolve().parents[3] / "fixtures" / "kalshi"
SPEC_HOST = "https://external-api.kalshi.com"

WS_SCHEMAS = {
    "subscribed": "subscribedResponsePayload",
    "unsubscribed": "unsubscribedResponsePayload",
    "error": "errorResponsePayload",
    "orderbook_snapshot": "orderbookSnapshotPayload",
    "orderbook_delta": "orderbookDeltaPayload",
    "ticker": "tickerPayload",
    "trade": "tradePayload",
    "fill": "fillPayload",
    "market_lifecycle_v2": "marketLifecycleV2Payload",
    "user_order": "userOrderPayload",
    "market_position": "marketPositionPayload",
    "order_group_updates": "orderGroupUpdatesPayload",
}


def _load_spec(name: str) -> dict[str, Any]:
    """A Kalshi spec, from the fixture derived from the published file (see
    tests/fixtures/kalshi/README.md)."""
    spec: dict[str, Any] = json.loads(gzip.decompress((SPECS / f"{name}.json.gz").read_bytes()))
    return spec


def _pattern(path: str) -> re.Pattern[str]:
    return re.compile("^" + re.sub(r"\{[^}]+\}", "[^/]+", path) + "$")


_TEMPLATES = [
    (op.path, _pattern(op.path))
    for op in sorted(OPS + RETIRED, key=lambda op: ("{" in op.path, op.path))
]


def route_template(path: str) -> str:
    """``/trade-api/v2/portfolio/orders/abc`` -> ``/portfolio/orders/{order_id}``."""
    for template, pattern in _TEMPLATES:
        if pattern.match(path):
            return template.removeprefix("/trade-api/v2")
    return path


class Conformance:
    """Validates recorded HTTP exchanges against openapi.yaml."""

    def __init__(self, api: OpenAPI, spec: dict[str, Any]) -> None:
        self.api = api
        error_schema = spec["components"]["schemas"]["ErrorResponse"]
        self.error_validator = OAS30Validator(error_schema)
        self.declared: set[tuple[str, str, int]] = set()
        self.undeclared: set[tuple[str, str, int]] = set()

    def check(self, request: httpx.Request, response: httpx.Response) -> None:
        path = request.url.path
        status = response.status_code
        body = response.content
        content_type = response.headers.get("content-type", "").split(";")[0] or None
        if status == 204:
            assert body == b"", f"204 with a body: {body!r}"
        mock_req = MockRequest(
            SPEC_HOST,
            request.method,
            path,
            args=dict(request.url.params.multi_items()),
            headers=dict(request.headers),
            data=request.content,
        )
        mock_resp = MockResponse(body, status_code=status, content_type=content_type or "")
        key = (request.method, route_template(path), status)
        try:
            self.api.validate_response(mock_req, mock_resp)
        except (ResponseNotFound, PathNotFound, OperationNotFound):
            self._check_undeclared(key, body)
            return
        except Exception as exc:
            raise AssertionError(
                f"{request.method} {path} -> {status} does not match openapi.yaml: {exc}\n"
                f"body: {body[:2000]!r}"
            ) from exc
        self.declared.add(key)

    def _check_undeclared(self, key: tuple[str, str, int], body: bytes) -> None:
        method, path, status = key
        assert status >= 400, f"{method} {path} -> {status}: success status not in openapi.yaml"
        errors = list(self.error_validator.iter_errors(json.loads(body)))
        assert not errors, f"{method} {path} -> {status}: not an ErrorResponse: {errors}"
        self.undeclared.add(key)


class WsConformance:
    """Validates websocket messages against asyncapi.yaml payload schemas."""

    def __init__(self, spec: dict[str, Any]) -> None:
        resource = Resource.from_contents(spec, default_specification=DRAFT202012)
        self.registry: Registry[Any] = Registry().with_resource("urn:kalshi-asyncapi", resource)
        self.checked: dict[str, int] = {}

    def check(self, message: dict[str, Any]) -> None:
        kind = message.get("type")
        name = WS_SCHEMAS.get(str(kind))
        if kind == "ok":
            is_list = isinstance(message.get("msg"), list)
            name = "listSubscriptionsResponsePayload" if is_list else "okResponsePayload"
        assert name is not None, f"message type {kind!r} is not one the simulator should send"
        schema = {"$ref": f"urn:kalshi-asyncapi#/components/schemas/{name}"}
        validator = jsonschema.Draft202012Validator(
            schema, registry=self.registry, format_checker=jsonschema.FormatChecker()
        )
        errors = list(validator.iter_errors(message))
        assert not errors, f"{kind} does not match asyncapi.yaml {name}: {errors[0]}\n{message}"
        self.checked[str(kind)] = self.checked.get(str(kind), 0) + 1


@pytest.fixture(scope="session")
def openapi_spec() -> dict[str, Any]:
    return _load_spec("openapi")


@pytest.fixture(scope="session")
def asyncapi_spec() -> dict[str, Any]:
    return _load_spec("asyncapi")


@pytest.fixture(scope="session")
def openapi(openapi_spec: dict[str, Any]) -> OpenAPI:
    return OpenAPI.from_dict(openapi_spec, config=Config(spec_validator_cls=None))


@pytest.fixture
def conformance(openapi: OpenAPI, openapi_spec: dict[str, Any]) -> Conformance:
    return Conformance(openapi, openapi_spec)


@pytest.fixture
def ws_conformance(asyncapi_spec: dict[str, Any]) -> WsConformance:
    return WsConformance(asyncapi_spec)


# -- the simulator and signed clients --------------------------------------------------


@pytest.fixture(scope="session")
def rsa_key() -> rsa.RSAPrivateKey:
    """A throwaway key that no account registered (RSA generation costs ~0.1 s)."""
    return auth.generate_rsa_key()


@pytest.fixture
def sim() -> Simulator:
    return Simulator(seed=1, flow=False)


@pytest.fixture
def app(sim: Simulator) -> Starlette:
    return create_kalshi_app(sim, KalshiOptions(tier="prestige"))


def checked_client(
    app: Starlette, trader: Trader | None, conformance: Conformance, **kw: Any
) -> httpx.AsyncClient:
    async def check(response: httpx.Response) -> None:
        conformance.check(response.request, response)

    return kalshi_client(app, trader, on_response=check, **kw)


@pytest.fixture
def make_client(conformance: Conformance) -> Callable[..., httpx.AsyncClient]:
    """``make_client(app, trader, signer=None)``: a signed client whose every response is
    validated against openapi.yaml."""
    return functools.partial(checked_client, conformance=conformance)


@pytest.fixture
async def client(
    app: Starlette, sim: Simulator, conformance: Conformance
) -> AsyncIterator[httpx.AsyncClient]:
    async with checked_client(app, sim.maker, conformance) as c:
        yield c


@pytest.fixture
def other(sim: Simulator) -> Trader:
    """A second trader (a counterparty) with $10,000."""
    return sim.create_trader("other")


@pytest.fixture
async def other_client(
    app: Starlette, other: Trader, conformance: Conformance
) -> AsyncIterator[httpx.AsyncClient]:
    async with checked_client(app, other, conformance) as c:
        yield c
