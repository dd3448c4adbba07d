"""Pure decision logic: no threads, no I/O, no clock reads."""
