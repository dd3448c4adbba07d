"""Domain orders as CLOB V2 orders: token, side, amounts, parties, order type, salt, body.

BUY YES at p is a BUY of the YES token at p, BUY NO at q a BUY of the NO token at q;
SELL (reducing held tokens) is a SELL of that token. On a protocol-V2 market the "token"
is the outcome's position id. The maker is the account's funder and the signer its EOA
(a deposit wallet signs as itself). The salt is fixed by the client order id; the
timestamp (ms) makes each signing unique.
"""

from __future__ import annotations

import hashlib
from decimal import Decimal
from typing import Any

import attrs

from predmm.domain.enums import Action, OrderType, TimeInForce
from predmm.domain.ids import ClientOrderId
from predmm.domain.orders import Order
from predmm.platforms.polymarket._account import TradingAccount
from predmm.platforms.polymarket._amounts import limit_amounts, price_valid
from predmm.platforms.polymarket._parse import MarketInfo
from predmm.platforms.polymarket._signing import BUY, SELL, SignedOrder, UnsignedOrder

GTD_SECURITY_S = 60  # the venue wants expiration >= now + 60 s
SIZE_STEP = Decimal("0.01")


def venue_order_type(order: Order) -> str:
    """GTC / GTD rest; IOC and MARKET (a marketable limit) are FAK; FOK is FOK."""
    if order.order_type is OrderType.MARKET or order.time_in_force is TimeInForce.IOC:
        return "FAK"
    if order.time_in_force is TimeInForce.FOK:
        return "FOK"
    return "GTD" if order.time_in_force is TimeInForce.GTD else "GTC"


def salt_of(client_order_id: ClientOrderId) -> int:
    """A salt fixed by the client order id (below 2**40: exact as a JSON number)."""
    return int.from_bytes(hashlib.sha256(client_order_id.value.encode()).digest()[:5], "big")


def off_grid_reason(order: Order, info: MarketInfo) -> str:
    """Why the venue would refuse ``order``'s price or size on this grid ("" if it would not)."""
    if order.price % info.tick != 0 or not price_valid(order.price, info.tick):
        return (
            f"price {order.price} of {order.client_order_id} is not on the grid of "
            f"{info.market_id} (tick {info.tick})"
        )
    if order.quantity <= 0 or order.quantity % SIZE_STEP != 0:
        return f"quantity {order.quantity} of {order.client_order_id} is not a 2-decimal size"
    return ""


def unsigned_order(
    order: Order, info: MarketInfo, account: TradingAccount, now: float, gtd_lifetime_s: int
) -> UnsignedOrder:
    """The order of ``order`` made by ``account`` at time ``now`` (Unix s)."""
    is_buy = order.action is Action.BUY
    maker_amount, taker_amount = limit_amounts(is_buy, order.price, order.quantity, info.tick)
    gtd = venue_order_type(order) == "GTD"
    return UnsignedOrder(
        salt=salt_of(order.client_order_id),
        maker=account.maker,
        signer=account.order_signer,
        token_id=int(info.token(order.side)),
        maker_amount=maker_amount,
        taker_amount=taker_amount,
        side=BUY if is_buy else SELL,
        signature_type=account.signature_type,
        timestamp=int(now * 1000),
        expiration=int(now) + GTD_SECURITY_S + gtd_lifetime_s if gtd else 0,
    )


@attrs.frozen
class Prepared:
    """What was signed for one client order id (resent as is on every retry)."""

    signed: SignedOrder
    order_type: str
    post_only: bool

    @classmethod
    def of(cls, order: Order, signed: SignedOrder) -> Prepared:
        order_type = venue_order_type(order)
        post_only = order.post_only and order_type in ("GTC", "GTD")
        return cls(signed, order_type, post_only)

    def body(self, owner: str) -> dict[str, Any]:
        """The ``POST /order`` body; ``owner`` is the API key."""
        return {
            "order": self.signed.to_json(),
            "owner": owner,
            "orderType": self.order_type,
            "deferExec": False,
            "postOnly": self.post_only,
        }
