"""Spawning, watching and restarting actors; the TradingEngine at the root."""
