"""The store: one port (`Store`, composed of the hot path's and casework's protocols in
gateway.store.ports), two backends chosen by URL.

- `sqlite:///relative/path.db`, `sqlite:////absolute/path.db`, or `sqlite://:memory:`
- `redis://host:port/db` (also `rediss://` and `unix://`); `?prefix=cg:` sets the key prefix.

`open_store` only builds the store; `await store.open()` connects."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from gateway.store.base import (
    AuditEntry,
    DailyCount,
    HeldItem,
    IdentityConflict,
    NotFound,
    Recorded,
    StoredDecision,
    StoredFlag,
    StoreError,
    Windows,
)
from gateway.store.ports import Casework, HotPath, Store

__all__ = [
    "AuditEntry",
    "Casework",
    "DailyCount",
    "HeldItem",
    "HotPath",
    "IdentityConflict",
    "NotFound",
    "Recorded",
    "Store",
    "StoreError",
    "StoredDecision",
    "StoredFlag",
    "Windows",
    "open_store",
]

SUPPORTED = "sqlite:///path/to/file.db, sqlite://:memory: or redis://host:port/db"
MEMORY = ":memory:"


def open_store(url: str) -> Store:
    scheme, sep, rest = url.partition("://")
    if not sep:
        raise ValueError(f"a store URL starts with a scheme; use {SUPPORTED}")
    if scheme == "sqlite":
        from gateway.store.sqlite import SqliteStore

        return SqliteStore(_sqlite_path(rest))
    if scheme in ("redis", "rediss", "unix"):
        from gateway.store.redis import RedisStore

        address, prefix = _redis_prefix(url)
        return RedisStore(address, prefix=prefix)
    raise ValueError(f"unsupported store URL scheme {scheme!r}; use {SUPPORTED}")


def _sqlite_path(rest: str) -> str:
    """`sqlite:///x.db` is the relative path x.db, `sqlite:////srv/x.db` the absolute one."""
    if rest in (MEMORY, "/" + MEMORY):
        return MEMORY
    if not rest.startswith("/") or rest == "/":
        raise ValueError(f"a SQLite store URL is sqlite:///path/to/file.db, not sqlite://{rest}")
    return rest[1:]


def _redis_prefix(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    prefix = next((value for name, value in query if name == "prefix"), "cg:")
    rest = urlencode([(name, value) for name, value in query if name != "prefix"])
    return urlunsplit(parts._replace(query=rest)), prefix
