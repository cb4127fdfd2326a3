"""Streaming importers: each reads a file line by line and yields an ImportResult per
record, writing in batches inside transactions. Management commands only print."""
