# Logs as a trading system configured by the seed would: structlog bound to a log_type, levels
# from info to critical, an exception with its traceback, and a plain stdlib line (no log_type).
# Usage: python3 emit_seed_events.py <log file> <tag>
import logging
import sys

import structlog

from seed_logging_config import configure_logging

log_file, tag = sys.argv[1], sys.argv[2]
configure_logging(log_file=log_file)

trading = structlog.get_logger("trading").bind(log_type="TRADE")
trading.info("trade_executed", trade_id=f"TRD-{tag}-1", asset="SPY", action="SELL_PUT", quantity=5, strike=400.0, fill_price=8.52, note=tag)
trading.warning("slippage_high", trade_id=f"TRD-{tag}-1", slippage_bps=12, note=tag)

risk = structlog.get_logger("risk").bind(log_type="RISK")
try:
    1 / 0
except ZeroDivisionError:
    risk.exception("hedge_failed", asset="SPY", note=tag)
risk.critical("circuit_breaker_triggered", trigger="drawdown", note=tag)

logging.getLogger("vendor.feed").error("connection reset %s", tag)
