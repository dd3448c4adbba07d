"""Logging, configured once by the entry point: one loguru sink; the stdlib loggers of
pykka and httpx routed into it (pykka logs actor crashes only through stdlib logging).
Actors bind their context (``logger.bind(actor=..., market_id=...)``)."""

from __future__ import annotations

import logging
import sys
from typing import Any, TextIO

from loguru import logger

FORMAT = (
    "{time:YYYY-MM-DD HH:mm:ss.SSS} | {level: <7} | {extra[actor]: <10} | "
    "{extra[market_id]} | {message}"
)


class InterceptHandler(logging.Handler):
    """Send stdlib log records to loguru (loguru's documented recipe)."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            level: str | int = logger.level(record.levelname).name
        except ValueError:
            level = record.levelno
        frame, depth = logging.currentframe(), 2
        while frame is not None and frame.f_code.co_filename == logging.__file__:
            frame, depth = frame.f_back, depth + 1  # type: ignore[assignment]
        logger.bind(actor=record.name).opt(depth=depth, exception=record.exc_info).log(
            level, record.getMessage()
        )


def configure_logging(
    level: str = "INFO", *, sink: TextIO | Any = sys.stderr, serialize: bool = False
) -> None:
    """Replace loguru's sinks with one at ``level``; never prints variable values in
    tracebacks (``diagnose=False``: no secret ends up in a log)."""
    logger.remove()
    logger.configure(extra={"actor": "-", "market_id": "-"})
    logger.add(
        sink,
        level=level,
        format=FORMAT,
        diagnose=False,
        backtrace=False,
        serialize=serialize,
        enqueue=False,
    )
    logging.basicConfig(handlers=[InterceptHandler()], level=0, force=True)
    for name in ("pykka", "httpx", "httpcore"):
        std = logging.getLogger(name)
        std.handlers = [InterceptHandler()]
        std.propagate = False
    logging.getLogger("httpcore").setLevel(logging.WARNING)
