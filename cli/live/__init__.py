"""What the command line keeps beside a running engine: the venues' health and the data
the view shows (``session``), the metrics' and health endpoint's server (``http``), and
the end of a run (``shutdown``: a long stop, the summary)."""
