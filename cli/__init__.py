"""`podwh` (the command line), its in-process runner, progress and summary, and `make bench`."""
