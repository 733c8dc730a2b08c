"""Signed SMS webhooks per second, in one run:

(a) a bare Starlette endpoint that only validates the signature with the twilio library
    (`RequestValidator.validate` over `request.form()`) and returns fixed TwiML;
(b) the gateway's own `POST /webhooks/twilio/sms` in a real `serve` process, doing the whole
    path: read and verify, identify, record and count, decide, persist, answer. On SQLite, and
    on Redis when `redis-server` is installed.

One uvicorn worker each, in its own process; the same plain asyncio HTTP/1.1 client at a
fixed concurrency (kept-alive connections) drives each in turn with the same kind of
pre-signed texts (a mix of unknown senders, customers with no restriction, letter-only
customers who are refused and single points of contact who are redirected). Also the CPU
cost of the two signature checks alone, in process. Exits 1 when any request failed.

    .venv/bin/python benchmarks/webhooks.py [--requests 4000] [--concurrency 16] [--no-redis]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import timeit
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from channels.twilio.signature import SignatureCheck  # noqa: E402
from tests.serve import GatewayServer  # noqa: E402
from tests.servers import RedisServer, free_port, wait_for_port  # noqa: E402

TOKEN = "bench-auth-token-0123456789abcdef"
PATH = "/webhooks/twilio/sms"
FIXED = '<?xml version="1.0" encoding="UTF-8"?><Response/>'
BODY = "Hello, it is about the repair to my kitchen window again, can someone call me back?"
CUSTOMERS, UNKNOWN = 200, 50


def bare_server(port: int) -> None:
    """(a): the library's validator and nothing else."""
    import uvicorn
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import PlainTextResponse, Response
    from starlette.routing import Route
    from twilio.request_validator import RequestValidator

    validator = RequestValidator(TOKEN)
    url = f"http://127.0.0.1:{port}{PATH}"

    async def sms(request: Request) -> Response:
        form = await request.form()
        signature = request.headers.get("X-Twilio-Signature", "")
        if not validator.validate(url, form, signature):
            return PlainTextResponse("invalid signature", 403)
        return Response(FIXED, media_type="application/xml")

    app = Starlette(routes=[Route(PATH, sms, methods=["POST"])])
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


def phone(i: int) -> str:
    return f"+4477009{i:05d}"


def import_file() -> dict[str, object]:
    """200 customers: one in ten letter only, one in ten with a single point of contact."""
    today = dt.date.today()
    warned, restricted = (today - dt.timedelta(days=d) for d in (60, 30))
    customers, cases = [], []
    for i in range(CUSTOMERS):
        ref = f"B-{i}"
        customers.append({"ref": ref, "identities": [{"kind": "phone", "value": phone(i)}]})
        if i % 10 in (0, 1):
            kind = "letter_only" if i % 10 == 0 else "single_point_of_contact"
            restriction: dict[str, object] = {"kind": kind}
            if kind == "single_point_of_contact":
                restriction["officer"] = {"name": "Jo Officer", "phone": "+441332000001"}
            cases.append({"id": f"K-{i}", "customer_ref": ref, "warned_on": warned.isoformat(),
                          "restricted_on": restricted.isoformat(),
                          "restrictions": [restriction]})  # fmt: skip
    return {"customers": customers, "cases": cases}


def signed_texts(base_url: str, n: int, run: str) -> list[tuple[bytes, dict[str, str]]]:
    from twilio.request_validator import RequestValidator

    validator = RequestValidator(TOKEN)
    out = []
    for i in range(n):
        sender = phone(i % (CUSTOMERS + UNKNOWN))
        params = {"AccountSid": "AC" + "0" * 32, "MessageSid": f"SM{run}{i:030d}",
                  "From": sender, "To": "+441332000100", "Body": BODY, "NumMedia": "0",
                  "FromCountry": "GB", "ToCountry": "GB", "ApiVersion": "2010-04-01"}  # fmt: skip
        signature = validator.compute_signature(base_url + PATH, params)
        headers = {"Content-Type": "application/x-www-form-urlencoded",
                   "X-Twilio-Signature": signature}  # fmt: skip
        out.append((urlencode(params).encode(), headers))
    return out


@dataclass
class Result:
    rate: float
    p50_ms: float
    p99_ms: float
    errors: int
    answers: Counter[str] = field(default_factory=Counter)


def answer(content: bytes) -> str:
    """What a TwiML answer did with the text, to show that (b) ran the whole mix."""
    if b"<Message to=" in content:
        return "redirected" if b'to="+441332000001"' in content else "forwarded"
    return "notice" if b"<Message>" in content else "no reply"


def raw_request(host: str, body: bytes, headers: dict[str, str]) -> bytes:
    lines = [f"POST {PATH} HTTP/1.1", f"Host: {host}", f"Content-Length: {len(body)}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


async def exchange(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes
) -> tuple[int, bytes]:
    """One request on a kept-alive connection: the status and the body of the answer."""
    writer.write(request)
    status = int((await reader.readline()).split()[1])
    length = None
    while (header := await reader.readline()) not in (b"\r\n", b""):
        name, _, value = header.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    if length is None:
        raise RuntimeError("an answer without Content-Length")
    return status, await reader.readexactly(length)


async def drive(
    base_url: str, texts: list[tuple[bytes, dict[str, str]]], concurrency: int
) -> Result:
    """`concurrency` kept-alive connections, each sending its next request as soon as the
    last is answered. A plain asyncio HTTP/1.1 client, so that the client (which shares the
    machine) costs far less than either server: httpx would be the bottleneck here. The first
    requests warm both sides up and are not counted."""
    url = urlsplit(base_url)
    host, port = url.hostname or "127.0.0.1", url.port or 80
    requests = [raw_request(url.netloc, body, headers) for body, headers in texts]
    warm = max(concurrency * 4, len(requests) // 20)
    latencies: list[float] = []
    errors = 0
    answers: Counter[str] = Counter()
    streams = [await asyncio.open_connection(host, port) for _ in range(concurrency)]

    async def worker(
        reader: asyncio.StreamReader, writer: asyncio.StreamWriter, queue: Iterator[bytes]
    ) -> None:
        nonlocal errors
        for request in queue:
            started = time.perf_counter()
            status, content = await exchange(reader, writer, request)
            latencies.append(time.perf_counter() - started)
            errors += status != 200
            answers[answer(content)] += 1

    async def run(batch: list[bytes]) -> float:
        queue = iter(batch)
        started = time.perf_counter()
        await asyncio.gather(*(worker(r, w, queue) for r, w in streams))
        return time.perf_counter() - started

    await run(requests[:warm])
    latencies.clear()
    elapsed = await run(requests[warm:])
    for _, writer in streams:
        writer.close()
    quantiles = statistics.quantiles(latencies, n=100)
    return Result(
        len(latencies) / elapsed, quantiles[49] * 1e3, quantiles[98] * 1e3, errors, answers
    )


def run_bare(n: int, concurrency: int) -> Result:
    port = free_port()
    process = subprocess.Popen([sys.executable, __file__, "--bare-server", str(port)])
    try:
        wait_for_port(port)
        base = f"http://127.0.0.1:{port}"
        return asyncio.run(drive(base, signed_texts(base, n, "A"), concurrency))
    finally:
        process.terminate()
        process.wait()


def run_gateway(directory: Path, store_url: str | None, n: int, concurrency: int) -> Result:
    twilio = {"auth_token": TOKEN, "forward_to": "+441332000000"}
    server = GatewayServer(directory, store_url=store_url, extra={"twilio": twilio})
    data = directory / "customers.json"
    data.write_text(json.dumps(import_file()), encoding="utf-8")
    with server:
        imported = server.cli("import", str(data))
        if imported.returncode != 0:
            raise RuntimeError(imported.stderr)
        return asyncio.run(drive(server.url, signed_texts(server.url, n, "B"), concurrency))


def signature_costs() -> tuple[float, float]:
    """Microseconds per check, in process: the library's validate, and ours."""
    from twilio.request_validator import RequestValidator

    url = "https://gateway.landlord.example" + PATH
    params = {"AccountSid": "AC" + "0" * 32, "MessageSid": "SM" + "1" * 32, "From": phone(7),
              "To": "+441332000100", "Body": BODY, "NumMedia": "0"}  # fmt: skip
    signature = RequestValidator(TOKEN).compute_signature(url, params)
    library, ours, pairs = RequestValidator(TOKEN), SignatureCheck(TOKEN, url), list(params.items())
    assert library.validate(url, params, signature) and ours.valid(pairs, signature)
    n = 20000
    lib = timeit.timeit(lambda: library.validate(url, params, signature), number=n) / n
    own = timeit.timeit(lambda: ours.valid(pairs, signature), number=n) / n
    return lib * 1e6, own * 1e6


def line(name: str, result: Result, baseline: Result | None = None) -> str:
    text = (f"{name:<34} {result.rate:8.0f} req/s   p50 {result.p50_ms:6.2f} ms   "
            f"p99 {result.p99_ms:6.2f} ms   errors {result.errors}")  # fmt: skip
    if baseline is not None:
        text += f"   ratio {result.rate / baseline.rate:5.2f}"
        answers = ", ".join(f"{n} {kind}" for kind, n in sorted(result.answers.items()))
        text += "\n" + " " * 35 + f"answers, warm-up included: {answers}"
    return text


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=4000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--no-redis", action="store_true", help="skip (b) on Redis")
    parser.add_argument("--bare-server", type=int, metavar="PORT", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.bare_server:
        bare_server(args.bare_server)
        return 0
    n, concurrency = args.requests, args.concurrency
    print(f"{n} signed SMS webhooks, concurrency {concurrency}, one uvicorn worker each")
    bare = run_bare(n, concurrency)
    print(line("(a) bare Starlette + twilio validator", bare))
    results = [bare]
    with tempfile.TemporaryDirectory(prefix="bench-webhooks-") as tmp:
        gateway = run_gateway(Path(tmp) / "sqlite", None, n, concurrency)
        print(line("(b) gateway, SQLite store", gateway, bare))
        results.append(gateway)
        if not args.no_redis and shutil.which("redis-server"):
            with RedisServer(Path(tmp) / "redis") as redis:
                on_redis = run_gateway(Path(tmp) / "redis-gw", redis.url, n, concurrency)
            print(line("(b) gateway, Redis store", on_redis, bare))
            results.append(on_redis)
    lib, own = signature_costs()
    print(f"signature check alone: twilio library {lib:.1f} µs, gateway's own {own:.1f} µs "
          f"({lib / own:.0f}x less CPU)")  # fmt: skip
    if any(result.errors for result in results):
        print("some requests failed: the figures above do not count", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
