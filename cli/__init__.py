"""The ``predmm`` command."""
