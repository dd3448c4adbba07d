"""The multi-day soak: the daemon (``predmm run --sim-credentials``, SIGKILLed and
restarted) on a simulated world of both venues that runs thousands of times as fast as
the wall clock, audited against the venues' own records (``tests/integration/test_soak.py``,
``bench/soak.py``)."""
