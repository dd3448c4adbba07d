"""The operator's control of a running daemon: ``predmm halt``, ``resume``,
``cancel-all`` and ``reload`` over a local, authenticated channel."""
