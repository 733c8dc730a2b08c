"""Contacts per second through `Gateway.dispatch`, on SQLite and on Redis, beside a bare
baseline in the same run: single SQLite inserts (committed one by one, same durability) and
single Redis round trips. Also what each contact costs on Redis: the commands Redis ran (INFO
commandstats, which counts the commands a script calls too) and the round trips the client
made, for the snapshot (`Store.resolve`: none when it is cached in process) and in all of
dispatch (the snapshot, then `Store.record`: one script that records, counts and saves the
decision). On SQLite all of a contact's writes are one transaction, so one durable commit per
contact, as in the baseline.

Each is measured twice: one dispatcher awaiting each contact in turn (sequential), then
`--concurrency` dispatchers at once (as the channels do: webhooks, SMTP connections), where
SQLite's group commit may put several contacts in one durable commit. The bare baselines stay
one at a time (single inserts committed one by one, single round trips).

    .venv/bin/python benchmarks/dispatch.py [--contacts 2000] [--concurrency 16]

Spawns its own redis-server on a free port; needs `redis-server` on PATH.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import sqlite3
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import redis.asyncio as aioredis
from redis.asyncio.connection import AbstractConnection

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from gateway.profiles import load_profile  # noqa: E402
from gateway.runtime import Gateway  # noqa: E402
from gateway.settings import Settings  # noqa: E402
from gateway.store import open_store  # noqa: E402
from policy_core.cases import Case, CaseState  # noqa: E402
from policy_core.identities import Identity  # noqa: E402
from policy_core.models import Channel, Contact, Customer  # noqa: E402
from tests.servers import RedisServer  # noqa: E402

CUSTOMERS = 200
START = dt.datetime(2026, 11, 24, 9, 0, tzinfo=dt.UTC)
SENT = [0]  # requests the client wrote to Redis (a pipeline is one): its round trips


def count_round_trips() -> None:
    send = AbstractConnection.send_packed_command

    async def counted(self: AbstractConnection, *args: Any, **kwargs: Any) -> None:
        SENT[0] += 1
        await send(self, *args, **kwargs)

    AbstractConnection.send_packed_command = counted  # type: ignore[method-assign]


def contacts(n: int) -> list[Contact]:
    channels = [Channel.email, Channel.phone, Channel.sms]
    out = []
    for i in range(n):
        c = i % CUSTOMERS
        channel = channels[i % 3]
        sender = (
            Identity.of("email", f"tenant{c}@example.org")
            if channel is Channel.email
            else Identity.of("phone", f"+4477009{c:05d}")
        )
        out.append(Contact(channel=channel, sender=sender, external_id=f"bench-{i}",
                           received_at=START + dt.timedelta(seconds=i), subject="Repairs",
                           text=f"Please call me back about the repair number {i}."))  # fmt: skip
    return out


async def seed(gateway: Gateway) -> None:
    for c in range(CUSTOMERS):
        ref = f"C-{c}"
        ids = (Identity.of("email", f"tenant{c}@example.org"),
               Identity.of("phone", f"+4477009{c:05d}"))  # fmt: skip
        await gateway.store.put_customer(Customer(ref=ref, name=f"Tenant {c}", identities=ids))
        if c % 2:
            continue
        restrictions = [
            {"kind": "single_point_of_contact", "starts_on": "2026-10-01",
             "officer": {"name": "Jo Officer", "email": "jo@landlord.example",
                         "phone": "+441332000001"},
             "windows": [{"weekday": "tue", "start": "10:00", "end": "12:00"}]},
            {"kind": "appointment_only", "starts_on": "2026-10-01", "office": "Council House"},
            {"kind": "social_media", "starts_on": "2026-10-01", "level": "denied"},
        ]  # fmt: skip
        case = Case.model_validate(
            {
                "id": f"K-{c}",
                "customer_ref": ref,
                "state": CaseState.restricted,
                "restrictions": restrictions,
            }
        )
        await gateway.store.put_case(case)


@dataclass
class Measured:
    rate: float = 0.0
    commands: dict[str, int] = field(default_factory=dict)  # Redis ran, in the timed loop
    round_trips: int = 0  # in the whole of dispatch
    resolve_round_trips: int = 0  # in `store.resolve` alone


async def run_gateway(
    url: str,
    data_dir: Path,
    batch: list[Contact],
    redis_url: str | None = None,
    concurrency: int = 1,
) -> Measured:
    """The dispatch rate; on Redis, the commands and round trips of the timed loop only."""
    settings = Settings(store={"url": url}, data_dir=data_dir)
    gateway = Gateway(settings, open_store(url), load_profile(settings.policy.profile))
    store = gateway.store
    await store.open()
    await seed(gateway)
    out = Measured()
    resolve = store.resolve

    async def counted_resolve(identity: Any) -> Any:
        before = SENT[0]
        try:
            return await resolve(identity)
        finally:
            out.resolve_round_trips += SENT[0] - before

    store.resolve = counted_resolve  # type: ignore[method-assign]
    before = await command_calls(redis_url) if redis_url else {}
    sent = SENT[0]
    queue = iter(batch)

    async def dispatcher() -> None:
        for contact in queue:  # shared: each contact is taken by one dispatcher
            await gateway.dispatch(contact)

    started = time.perf_counter()
    await asyncio.gather(*(dispatcher() for _ in range(concurrency)))
    elapsed = time.perf_counter() - started
    out.round_trips = SENT[0] - sent
    after = await command_calls(redis_url) if redis_url else {}
    await store.close()
    out.rate = len(batch) / elapsed
    out.commands = {k: v - before.get(k, 0) for k, v in after.items() if v != before.get(k, 0)}
    return out


async def sqlite_baseline(path: Path, n: int) -> float:
    conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, body TEXT)")

    def insert(i: int) -> None:
        conn.execute("INSERT INTO t (body) VALUES (?)", (f"contact {i}",))

    started = time.perf_counter()
    for i in range(n):
        await asyncio.to_thread(insert, i)
    elapsed = time.perf_counter() - started
    conn.close()
    return n / elapsed


async def redis_baseline(url: str, n: int) -> float:
    client = aioredis.Redis.from_url(url)
    started = time.perf_counter()
    for i in range(n):
        await client.incr(f"bench:{i % 100}")
    elapsed = time.perf_counter() - started
    await client.aclose()
    return n / elapsed


async def flush(url: str) -> None:
    client = aioredis.Redis.from_url(url)
    await client.flushall()
    await client.aclose()


async def command_calls(url: str) -> dict[str, int]:
    client = aioredis.Redis.from_url(url)
    stats = await client.info("commandstats")
    await client.aclose()
    return {k.removeprefix("cmdstat_"): int(v["calls"]) for k, v in stats.items()
            if k != "cmdstat_info"}  # fmt: skip


def report(
    name: str, gateway_rate: float, baseline_rate: float, baseline: str, together: float
) -> None:
    print(f"{name:7} dispatch {gateway_rate:9.0f} contacts/s | {baseline} {baseline_rate:9.0f}/s"
          f" | ratio {gateway_rate / baseline_rate:5.2f} | concurrent {together:9.0f} contacts/s"
          f" | ratio {together / baseline_rate:5.2f}")  # fmt: skip


async def main(n: int, concurrency: int) -> None:
    batch = contacts(n)
    count_round_trips()
    print(f"{n} contacts; concurrent: {concurrency} dispatchers at once")
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        base = await sqlite_baseline(tmp_path / "bare.db", n)
        found = await run_gateway(f"sqlite:///{tmp_path / 'gw.db'}", tmp_path, batch)
        url = f"sqlite:///{tmp_path / 'gw-concurrent.db'}"
        together = await run_gateway(url, tmp_path, batch, concurrency=concurrency)
        report("sqlite", found.rate, base, "bare single inserts", together.rate)
        with RedisServer(tmp_path / "redis") as server:
            base = await redis_baseline(server.url, n)
            found = await run_gateway(server.url, tmp_path, batch, server.url)
            await flush(server.url)  # the same contacts again, as new
            together = await run_gateway(server.url, tmp_path, batch, concurrency=concurrency)
            report("redis", found.rate, base, "bare round trips  ", together.rate)
            per = ", ".join(f"{k} {v / n:.2f}" for k, v in sorted(found.commands.items()))
            print(f"redis   commands per contact (INFO commandstats, inside scripts too): {per}")
            print(f"redis   round trips per contact: snapshot (cached in process unless "
                  f"first seen) {found.resolve_round_trips / n:.2f}, whole dispatch (snapshot "
                  f"+ record, count and save) {found.round_trips / n:.2f}")  # fmt: skip


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--contacts", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=16)
    args = parser.parse_args()
    asyncio.run(main(args.contacts, args.concurrency))
