"""The operator's reports, read from the journal: ``status``, ``fills``, ``orders``, ``pnl``,
``report`` and the summary at shutdown."""
