"""Messages per second through the SMTP channel, beside a bare aiosmtpd sink in the same run.

The same small messages go, over a few persistent connections at once, first straight to an
aiosmtpd sink (the baseline, measured before and again after the gateway), then to a real
`serve` process (SQLite store, fsynced spool) that dispatches each and relays it to that same
sink. The gateway's rate is end to end: until the sink has every message, not merely until
the gateway answered 250.

    .venv/bin/python benchmarks/smtp.py [--messages 2000] [--connections 8] [--workers N]

Aim: the gateway keeps at least 70% of the bare rate. On Linux it also prints the CPU time
the serve process and the sink spent per message: unlike the rates, that barely moves with
what else the (shared) machine is doing, so it is the figure to compare across runs.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import aiosmtplib

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.serve import GatewayServer  # noqa: E402
from tests.servers import free_port, wait_for_port  # noqa: E402

SENDERS = 200


def messages(n: int, run: str) -> list[tuple[str, bytes]]:
    out = []
    for i in range(n):
        sender = f"tenant{i % SENDERS}@example.org"
        raw = (
            f"From: Tenant {i % SENDERS} <{sender}>\r\nTo: housing@landlord.example\r\n"
            f"Subject: Repairs {i}\r\nMessage-ID: <{run}-{i}@example.org>\r\n"
            "Date: Tue, 24 Nov 2026 09:00:00 +0000\r\nContent-Type: text/plain; charset=utf-8\r\n"
            f"\r\nPlease send someone to look at the boiler, reference {i}.\r\n"
        ).encode()
        out.append((sender, raw))
    return out


async def send_all(port: int, batch: list[tuple[str, bytes]], connections: int) -> float:
    """Seconds to send every message, `connections` clients at once, each on one connection."""

    async def client(share: list[tuple[str, bytes]]) -> None:
        smtp = aiosmtplib.SMTP(hostname="127.0.0.1", port=port, timeout=60)
        await smtp.connect()
        for sender, raw in share:
            await smtp.sendmail(sender, ["housing@landlord.example"], raw)
        await smtp.quit()

    started = time.perf_counter()
    await asyncio.gather(*(client(batch[n::connections]) for n in range(connections)))
    return time.perf_counter() - started


async def received(port: int) -> int:
    smtp = aiosmtplib.SMTP(hostname="127.0.0.1", port=port, timeout=10)
    await smtp.connect()
    response = await smtp.execute_command(b"XCOUNT")
    await smtp.quit()
    return int(response.message)


async def wait_received(port: int, count: int) -> None:
    while await received(port) < count:  # noqa: ASYNC110 (the count lives in another process)
        await asyncio.sleep(0.01)


def cpu_seconds(pid: int) -> float | None:
    """User and system CPU time of a process so far (Linux), else None."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def per_message(before: float | None, after: float | None, count: int) -> str:
    return "?" if before is None or after is None else f"{1e6 * (after - before) / count:.0f}"


def run_sink(port: int) -> None:
    """The sink process: accepts everything, counts it, answers XCOUNT with the count."""
    from aiosmtpd.smtp import SMTP

    class Counter:
        count = 0

        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            Counter.count += 1
            return "250 OK"

    class CountingSMTP(SMTP):
        async def smtp_XCOUNT(self, arg: str) -> None:
            await self.push(f"250 {Counter.count}")

    async def main() -> None:
        loop = asyncio.get_running_loop()
        server = await loop.create_server(lambda: CountingSMTP(Counter()), "127.0.0.1", port)
        async with server:
            await server.serve_forever()

    asyncio.run(main())


async def bench(count: int, connections: int, workers: int | None) -> None:
    sink_port, smtp_port = free_port(), free_port()
    sink = await asyncio.create_subprocess_exec(sys.executable, __file__, "--sink", str(sink_port))
    try:
        wait_for_port(sink_port)
        warm = messages(200, "warm")
        batch = messages(count, "run")
        await send_all(sink_port, warm, connections)
        sink_cpu = cpu_seconds(sink.pid)
        bare = count / await send_all(sink_port, batch, connections)
        sink_cpu_per = per_message(sink_cpu, cpu_seconds(sink.pid), count)
        before = await received(sink_port)

        with tempfile.TemporaryDirectory() as tmp:
            section: dict[str, object] = {
                "listen": f"127.0.0.1:{smtp_port}", "domains": ["landlord.example"],
                "downstream": f"127.0.0.1:{sink_port}", "spool_dir": str(Path(tmp) / "spool"),
            }  # fmt: skip
            if workers is not None:
                section["workers"] = workers
            with GatewayServer(Path(tmp), extra={"smtp": section}) as server:
                assert server.process is not None
                await send_all(smtp_port, messages(200, "gwarm"), connections)
                await wait_received(sink_port, before + 200)
                serve_cpu = cpu_seconds(server.process.pid)
                started = time.perf_counter()
                accepted = count / await send_all(smtp_port, batch, connections)
                await wait_received(sink_port, before + 200 + count)
                gateway = count / (time.perf_counter() - started)
                serve_cpu_per = per_message(serve_cpu, cpu_seconds(server.process.pid), count)
        # The bare rate again, once the gateway is gone: on a shared machine the load drifts,
        # and the ratio is taken against the mean of the two bare runs around the gateway's.
        bare_after = count / await send_all(sink_port, batch, connections)
    finally:
        sink.terminate()
        await sink.wait()
    print(f"{count} messages, {connections} connections at once")
    baseline = (bare + bare_after) / 2
    print(f"bare aiosmtpd sink:           {bare:8.0f} messages/s before, {bare_after:.0f} after")
    print(f"through the gateway (250):    {accepted:8.0f} messages/s accepted")
    print(f"through the gateway (relayed): {gateway:7.0f} messages/s at the sink")
    print(f"ratio (relayed / bare mean):  {gateway / baseline:8.0%}  (aim: at least 70%)")
    print(f"CPU per message: serve {serve_cpu_per} us, bare sink {sink_cpu_per} us")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--workers", type=int, help="[smtp] workers (default: its default)")
    parser.add_argument("--sink", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.sink:
        run_sink(args.sink)
    else:
        asyncio.run(bench(args.messages, args.connections, args.workers))


if __name__ == "__main__":
    main()
