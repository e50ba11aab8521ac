"""Mediphant for AI assistants: an MCP server that is a thin adapter over `domain/`.

`server` and `tools` import the domain only; `http` adds the streamable HTTP transport,
the per-client rate limit (`limit`, on the table's counters) and `/healthz`.
"""
