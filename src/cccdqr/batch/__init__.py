"""Streamed batches: issue and verify, on local processes or Dask. May import: floors 0-6."""
